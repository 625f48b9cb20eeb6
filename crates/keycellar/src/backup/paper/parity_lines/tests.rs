use super::*;

/// A sheet's items: a key, entries of a line or several, details of many lines.
fn items() -> Vec<(Item, String)> {
    let text = |n: usize, seed: usize| -> String {
        (0..n)
            .map(|i| char::from(ALPHABET[(i * 7 + seed * 13) % 32]))
            .collect()
    };
    let mut items = vec![(Item::Key, text(300, 0))];
    for e in 1..=20u16 {
        let len = 40 + usize::from(e) * 97 % 700;
        items.push((Item::Entry(e), text(len, e.into())));
    }
    items.push((Item::Details, text(3000, 99)));
    items
}

/// The typed copy of `items` and its parity lines, as pages of `per_page` data lines (the
/// items' headings and END lines between them), then one page per parity page.
fn pages(items: &[(Item, String)], parity_pages: usize, per_page: usize) -> Vec<String> {
    let refs: Vec<(Item, &str)> = items.iter().map(|(i, t)| (*i, t.as_str())).collect();
    let mut pages = vec![String::new()];
    let mut on_page = 0;
    for (item, base32) in &refs {
        for line in text::render(*item, base32, "an item") {
            let data = !line.starts_with("==");
            if data && on_page == per_page {
                pages.push(String::new());
                on_page = 0;
            }
            on_page += usize::from(data);
            pages.last_mut().unwrap().push_str(&(line + "\n"));
        }
    }
    for lines in render(&refs, parity_pages, per_page) {
        pages.push(lines.join("\n") + "\n");
    }
    pages
}

/// What a reading without the pages in `lost` makes of each item, once rebuilt.
fn read_without(pages: &[String], lost: &[usize]) -> (BTreeMap<Item, String>, Rebuilt) {
    let kept: String = (0..pages.len())
        .filter(|n| !lost.contains(n))
        .map(|n| pages[n].as_str())
        .collect();
    let mut reading = text::read(&kept).unwrap();
    let rebuilt = rebuild(&mut reading);
    let items = text::assemble(&reading)
        .into_iter()
        .filter_map(|(item, read)| Some((item, read.ok()?.0.first()?.0.clone())))
        .collect();
    (items, rebuilt)
}

#[test]
fn any_two_lost_pages_of_lines_come_back_and_three_ask_for_one_more() {
    let items = items();
    let whole: BTreeMap<Item, String> = (items.iter())
        .map(|(item, t)| (*item, text::padded(t)))
        .collect();
    let pages = pages(&items, 2, 30);
    let data_pages = pages.len() - 2;
    assert!(data_pages >= 5, "{data_pages}");
    for a in 0..pages.len() {
        for b in a..pages.len() {
            let (read, rebuilt) = read_without(&pages, &[a, b]);
            assert_eq!(read, whole, "lost {a}, {b}");
            assert!(rebuilt.need_more.is_none() && rebuilt.problems.is_empty());
            assert_eq!(rebuilt.lines.is_empty(), a >= data_pages && b >= data_pages);
        }
    }
    let (read, rebuilt) = read_without(&pages, &[0, 2, 4]);
    assert_ne!(read, whole);
    let need = rebuilt.need_more.expect("one more page");
    assert_eq!(need.more, 1);
    assert_eq!(need.missing.len(), 3, "{:?}", need.missing);
    assert!(
        need.missing[0].starts_with("lines K 01 to "),
        "{:?}",
        need.missing
    );
    for (item, text) in &read {
        assert_eq!(whole.get(item), Some(text), "never a wrong item");
    }
}

#[test]
fn the_map_gives_every_line_back_and_a_damaged_parity_line_changes_nothing() {
    let items = items();
    let refs: Vec<(Item, &str)> = items.iter().map(|(i, t)| (*i, t.as_str())).collect();
    let map = LineMap {
        parity_pages: 3,
        stride: 41,
        items: refs.iter().map(|(i, t)| (*i, t.len())).collect(),
    };
    assert_eq!(LineMap::parse(&map.bytes()), Some(map.clone()));
    assert_eq!(LineMap::parse(&map.bytes()[1..]), None);
    let lines: usize = refs.iter().map(|(_, t)| t.len().div_ceil(LINE_CHARS)).sum();
    assert_eq!(map.lines().len(), lines);

    // A parity line altered (its check recomputed): with every data page read nothing
    // changes; with a page lost, the line rebuilt from it is wrong, and the item it belongs
    // to fails its END check rather than read wrong.
    let whole: BTreeMap<Item, String> = (items.iter())
        .map(|(item, t)| (*item, text::padded(t)))
        .collect();
    let mut pages = pages(&items, 1, 30);
    let last = pages.len() - 1;
    // A column whose line on page 1 (lines 30 ... 59) belongs to an item that ends on a
    // page kept, with its END line.
    let ends: Vec<usize> = (refs.iter())
        .scan(0, |q, (_, t)| {
            *q += t.len().div_ceil(LINE_CHARS);
            Some(*q - 1)
        })
        .collect();
    let j = (0..30)
        .find(|j| {
            ends.iter()
                .find(|&&end| end >= 30 + j)
                .is_some_and(|&end| end > 59)
        })
        .unwrap();
    let number = format!("P1   {:02}", j + 1);
    let line = pages[last]
        .lines()
        .find(|l| l.starts_with(&number))
        .unwrap();
    let altered = text::render(Item::Parity(1), &"A".repeat((j + 1) * 70), "x")[j + 1].clone();
    assert!(altered.starts_with(&number) && altered != line);
    pages[last] = pages[last].replace(line, &altered);
    let (read, rebuilt) = read_without(&pages, &[]);
    assert_eq!(read, whole);
    assert!(rebuilt.lines.is_empty() && rebuilt.problems.is_empty());
    let (read, rebuilt) = read_without(&pages, &[1]);
    assert!(!rebuilt.lines.is_empty());
    assert!(read.len() < whole.len(), "an item fails");
    for (item, text) in &read {
        assert_eq!(whole.get(item), Some(text), "never a wrong item");
    }
}

/// The default, one page of parity lines: every page of lines lost alone comes back, and
/// every two pages of data lines lost ask for one more, never giving a wrong item.
#[test]
fn with_one_parity_page_any_lost_page_of_lines_comes_back_and_two_ask_for_one_more() {
    let items = items();
    let whole: BTreeMap<Item, String> = (items.iter())
        .map(|(item, t)| (*item, text::padded(t)))
        .collect();
    let pages = pages(&items, 1, 30);
    let data_pages = pages.len() - 1;
    for a in 0..pages.len() {
        let (read, rebuilt) = read_without(&pages, &[a]);
        assert_eq!(read, whole, "lost {a}");
        assert!(rebuilt.need_more.is_none() && rebuilt.problems.is_empty());
    }
    for a in 0..data_pages {
        for b in a + 1..data_pages {
            let (read, rebuilt) = read_without(&pages, &[a, b]);
            assert_eq!(rebuilt.need_more.map(|n| n.more), Some(1), "lost {a}, {b}");
            for (item, text) in &read {
                assert_eq!(
                    whole.get(item),
                    Some(text),
                    "lost {a}, {b}: never a wrong item"
                );
            }
        }
    }
}

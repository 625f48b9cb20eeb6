use super::*;
use crate::backup::paper::codes;
use crate::backup::paper::text::ALPHABET as BASE32;
use record::{BEFORE_MAP, EXCEPTION, MAP_HEAD, Map, Place, parse_map};

/// A sheet's codes: a key, entries of one or two codes, details of several; 41 codes.
fn sheet_codes() -> Vec<Code> {
    let text = |n: usize, seed: usize| -> String {
        (0..n)
            .map(|i| char::from(BASE32[(i * 7 + seed * 13) % 32]))
            .collect()
    };
    let mut codes = codes::split("7F3A9C2E", Item::Key, &text(400, 0), 900);
    for e in 1..=34u16 {
        let len = 500 + usize::from(e) * 37 % 700;
        codes.extend(codes::split(
            "7F3A9C2E",
            Item::Entry(e),
            &text(len, e.into()),
            900,
        ));
    }
    codes.extend(codes::split(
        "7F3A9C2E",
        Item::Details,
        &text(3000, 99),
        900,
    ));
    codes
}

fn collected(codes: &[Code], lost_pages: &[usize], parity: &[Vec<Code>]) -> Collected {
    let mut collected = Collected::default();
    for (n, code) in codes.iter().enumerate() {
        if !lost_pages.contains(&(n / 12)) {
            collected.add(&code.render());
        }
    }
    let data_pages = codes.len().div_ceil(12);
    for (i, page) in parity.iter().enumerate() {
        if !lost_pages.contains(&(data_pages + i)) {
            page.iter().for_each(|c| collected.add(&c.render()));
        }
    }
    collected
}

/// Every code of `codes` is in `collected`, with its text.
fn holds_all(collected: &Collected, codes: &[Code]) -> bool {
    codes
        .iter()
        .all(|c| collected.part(c.item, c.part).map(|(_, d)| d) == Some(c.data.as_str()))
}

#[test]
fn any_two_lost_pages_come_back_and_three_ask_for_one_more() {
    let codes = sheet_codes();
    let data_pages = codes.len().div_ceil(12);
    assert!(
        data_pages >= 4 && !codes.len().is_multiple_of(12),
        "a short last page"
    );
    let parity = encode(&codes, 12, 3, 2);
    assert_eq!(parity.len(), 2);
    assert!(parity.iter().all(|page| page.len() == 2 * 12));
    let total = data_pages + 2;
    for a in 0..total {
        for b in a..total {
            let mut read = collected(&codes, &[a, b], &parity);
            let rebuilt = rebuild(&mut read);
            assert!(holds_all(&read, &codes), "lost {a} and {b}");
            assert!(rebuilt.need_more.is_none() && rebuilt.problems.is_empty());
            let expected: BTreeSet<u16> = [a, b]
                .into_iter()
                .filter(|&p| p < data_pages)
                .map(|p| 3 + p as u16)
                .collect();
            assert_eq!(rebuilt.pages, expected);
        }
    }
    let mut read = collected(&codes, &[0, 2, total - 1], &parity);
    let rebuilt = rebuild(&mut read);
    let need = rebuilt.need_more.unwrap();
    assert_eq!(need.more, 1);
    assert_eq!(need.missing, ["page 3", "page 5", "parity page 2"]);
    assert!(!read.complete());
    assert!(!rebuilt.partly_read, "no code of the pages named was read");

    // Two pages lost and one code of a third: that page was read in part.
    let mut read = Collected::default();
    for code in codes.iter().skip(25).chain(parity.iter().flatten()) {
        read.add(&code.render());
    }
    let rebuilt = rebuild(&mut read);
    assert_eq!(rebuilt.need_more.map(|n| n.more), Some(1));
    assert!(rebuilt.partly_read);
}

#[test]
fn a_damaged_parity_code_changes_nothing_and_a_misfit_is_named() {
    let codes = sheet_codes();
    let parity = encode(&codes, 12, 3, 1);
    let mut read = collected(&codes, &[], &[]);
    let mut damaged = parity[0][4].clone();
    let digit = if &damaged.data[60..61] == "7" {
        "3"
    } else {
        "7"
    };
    damaged.data.replace_range(60..61, digit);
    read.add(&damaged.render());
    let rebuilt = rebuild(&mut read);
    assert!(rebuilt.pages.is_empty() && rebuilt.problems.is_empty());
    assert!(holds_all(&read, &codes));

    // A page lost, and the frame length in the parity codes of its slot 1 altered (every bit
    // of its first byte flipped): nothing wrong is added.
    let mut read = collected(&codes, &[1], &[]);
    let (first, second) = (&parity[0][0], &parity[0][1]);
    assert!(first.data.starts_with('2') && second.data.starts_with('2'));
    let text = format!("{}{}", &first.data[1..], &second.data[1..]);
    let mut record = record::from_decimal(&text).unwrap();
    let head = BEFORE_MAP + MAP_HEAD + EXCEPTION * Map::of(&codes).exceptions.len();
    record[head] ^= 0xFF;
    let text = record::to_decimal(&record);
    let (one, two) = text.split_at(first.data.len() - 1);
    for (code, piece) in [(first, one), (second, two)] {
        let mut altered = code.clone();
        altered.data = format!("2{piece}");
        read.add(&altered.render());
    }
    let rebuilt = rebuild(&mut read);
    assert!(rebuilt.pages.is_empty());
    assert!(
        rebuilt.problems.contains(&Ignored::ParitySlot { slot: 1 }),
        "{rebuilt:?}"
    );
    assert_eq!(read.part(codes[12].item, codes[12].part), None);
}

#[test]
fn the_map_gives_every_code_its_place_and_every_parity_code_fits_the_version_cap() {
    let codes = sheet_codes();
    let map = Map::of(&codes);
    assert!(!map.exceptions.is_empty(), "some entries take two codes");
    let places: Vec<Place> = codes.iter().map(|c| (c.item, c.part, c.count)).collect();
    assert_eq!(map.places(), places);
    let bytes = map.bytes();
    assert_eq!(parse_map(&bytes), Some((map.clone(), bytes.len())));
    // Every code as long as a code can be, and a map with exceptions: every parity code
    // still fits.
    let limit = crate::backup::paper::qr::max_data_chars(24);
    let mut full = codes::split("7F3A9C2E", Item::Key, &"A".repeat(limit), limit);
    full.extend(codes.iter().skip(1).cloned().map(|mut c| {
        c.data = "Q".repeat(limit);
        c
    }));
    for page in encode(&full, 12, 3, 8) {
        for code in page {
            crate::backup::paper::qr::encode(&code.render()).unwrap();
        }
    }
    // Entries of one code each, every code as long as a code can be: one parity code a
    // slot, each within the cap.
    let limit = crate::backup::paper::qr::max_data_chars(23);
    let mut full = codes::split("7F3A9C2E", Item::Key, &"A".repeat(limit), limit);
    for e in 1..=40 {
        full.extend(codes::split(
            "7F3A9C2E",
            Item::Entry(e),
            &"7".repeat(limit),
            limit,
        ));
    }
    full.extend(codes::split(
        "7F3A9C2E",
        Item::Details,
        &"Q".repeat(limit * 6),
        limit,
    ));
    let parity = encode(&full, 12, 3, 2);
    assert!(parity.iter().all(|page| page.len() == 12));
    for code in parity.iter().flatten() {
        assert!(code.data.starts_with('1'));
        crate::backup::paper::qr::encode(&code.render()).unwrap();
    }
}

#[test]
fn a_record_reads_back_from_its_decimal_text() {
    for len in 0..30 {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 97 + 255) as u8).collect();
        let text = record::to_decimal(&bytes);
        assert_eq!(text.len(), len / 7 * 17 + record::GROUP_DIGITS[len % 7]);
        assert_eq!(record::from_decimal(&text), Some(bytes));
    }
    let max = record::to_decimal(&[0xFF; 7]);
    assert_eq!(max, "72057594037927935");
    assert_eq!(record::from_decimal("72057594037927936"), None, "too large");
    assert_eq!(record::from_decimal("256"), None, "too large for one byte");
    assert_eq!(record::from_decimal("1234"), None, "no group has 4 digits");
    assert_eq!(record::from_decimal("12a"), None);
}

#[test]
fn a_slot_whose_parity_codes_are_all_lost_still_asks_for_more() {
    let codes = sheet_codes();
    let parity = encode(&codes, 12, 3, 1);
    // Data page 0 lost, and the parity codes of slot 1 with it (a parity page printed on
    // two pages, one of them lost): the other slots' records tell what slot 1 needs.
    let mut read = collected(&codes, &[0], &[]);
    parity[0].iter().skip(2).for_each(|c| read.add(&c.render()));
    let rebuilt = rebuild(&mut read);
    assert_eq!(
        rebuilt.pages,
        BTreeSet::from([3]),
        "the other slots come back"
    );
    let need = rebuilt.need_more.expect("slot 1 needs one more page");
    assert_eq!(
        (need.more, need.missing),
        (1, vec!["page 3".into(), "parity page 1".into()])
    );
    assert!(rebuilt.partly_read, "parity page 1 was read in part");
}

/// The default, one parity page (the XOR of the data pages' frames): every page lost alone
/// comes back, and every two data pages lost ask for one more page, naming both (the
/// parity page was read), and never give a wrong code.
#[test]
fn with_one_parity_page_any_lost_page_comes_back_and_two_ask_for_one_more() {
    let codes = sheet_codes();
    let data_pages = codes.len().div_ceil(12);
    let parity = encode(&codes, 12, 3, 1);
    for a in 0..=data_pages {
        let mut read = collected(&codes, &[a], &parity);
        let rebuilt = rebuild(&mut read);
        assert!(holds_all(&read, &codes), "lost {a}");
        assert!(
            rebuilt.need_more.is_none() && rebuilt.problems.is_empty(),
            "lost {a}"
        );
    }
    for a in 0..data_pages {
        for b in a + 1..data_pages {
            let mut read = collected(&codes, &[a, b], &parity);
            let need = rebuild(&mut read).need_more.expect("one more page");
            let named = |p: usize| format!("page {}", 3 + p);
            assert_eq!(need.more, 1, "lost {a}, {b}");
            assert_eq!(need.missing, [named(a), named(b)]);
            let printed = |c: &Code| codes.iter().any(|p| p.render() == c.render());
            for item in read.items() {
                for part in 1..=read.part(item, 1).map_or(0, |(count, _)| count) {
                    if let Some((count, data)) = read.part(item, part) {
                        let code = Code {
                            data: data.into(),
                            count,
                            part,
                            item,
                            ..codes[0].clone()
                        };
                        assert!(printed(&code), "lost {a}, {b}: {item:?} {part}");
                    }
                }
            }
        }
    }
}

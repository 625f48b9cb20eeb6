//! Typing mistakes in the fixture's typed copy, read in-process: random single mistakes are
//! all caught and nearly all mended, and a line with two mistakes, at every line of the
//! copy, is named as a typing mistake and nothing else, whatever wrong correction fits its
//! check by chance.

use super::{data_lines, fixture_typed, retype};
use keycellar::backup::paper::{self, codes::Item};
use std::collections::BTreeMap;

/// A small deterministic generator (xorshift64*), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// Each item's candidate texts with their number of corrections, or its problems.
type ItemsRead = BTreeMap<Item, Result<Vec<(String, usize)>, Vec<String>>>;

fn read_items(text: &str) -> ItemsRead {
    let sheet = paper::read_typed(text, "typed.txt").unwrap();
    sheet
        .items
        .into_iter()
        .map(|(item, read)| {
            let read = read.map(|c| c.0.into_iter().map(|(t, fixes)| (t, fixes.len())).collect());
            let words = |problems: Vec<_>| problems.iter().map(ToString::to_string).collect();
            (item, read.map_err(words))
        })
        .collect()
}

/// 1,200 random single mistakes (a wrong character anywhere in a line, confusable pairs
/// among them, or two neighbours swapped) in the fixture's typed copy: none may slip
/// through as data the line did not hold, and every one is mended (FORMAT.md 8.3).
#[test]
fn random_single_typing_mistakes_are_all_caught_and_mended() {
    let text = fixture_typed();
    let original = read_items(&text);
    let lines = data_lines(&text);
    let confusable = [
        ("0", "O"),
        ("1", "I"),
        ("1", "L"),
        ("8", "B"),
        ("5", "S"),
        ("2", "Z"),
    ];
    let symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567890";
    let mut rng = Rng(0x5EED_0FC0_FFEE);
    let (mut mended, mut total) = (0, 0);
    while total < 1200 {
        let line = &lines[rng.below(lines.len())];
        let bytes = line.as_bytes();
        let at = rng.below(bytes.len());
        let here = bytes[at] as char;
        if here == ' ' || here == '=' {
            continue;
        }
        let typed = match rng.below(3) {
            0 if at + 1 < bytes.len() && bytes[at + 1] != b' ' && bytes[at + 1] != bytes[at] => {
                let mut swapped = line.to_string();
                swapped.replace_range(at..at + 2, &format!("{}{here}", bytes[at + 1] as char));
                text.replacen(line.as_str(), &swapped, 1)
            }
            1 => match confusable
                .iter()
                .find(|(a, b)| *a == here.to_string() || *b == here.to_string())
            {
                Some((a, b)) => retype(&text, line, at, if *a == here.to_string() { b } else { a }),
                None => continue,
            },
            _ => {
                let with = symbols.chars().nth(rng.below(symbols.len())).unwrap();
                if with == here {
                    continue;
                }
                retype(&text, line, at, &with.to_string())
            }
        };
        total += 1;
        let item = Item::parse(line.split_whitespace().next().unwrap()).unwrap();
        let right = &original[&item].as_ref().unwrap()[0].0;
        let read = read_items(&typed);
        for (other, read_other) in &read {
            match original.get(other) {
                _ if *other == item => {}
                Some(before) => assert_eq!(read_other, before, "{line} changed {other:?}"),
                // A mistyped tag that names no item of the sheet: never taken as data.
                None => assert!(read_other.is_err(), "{line} made {other:?}"),
            }
        }
        if let Some(Ok(candidates)) = read.get(&item) {
            assert!(
                candidates.iter().all(|(t, fixes)| t == right || *fixes > 0),
                "undetected: {line} at {at}"
            );
            if candidates.iter().any(|(t, _)| t == right) {
                mended += 1;
            }
        }
    }
    let share = mended as f64 / total as f64;
    eprintln!(
        "{mended} of {total} single typing mistakes mended ({:.1}%)",
        share * 100.0
    );
    assert_eq!(mended, total, "FORMAT.md 8.3 says every one is mended");
}

/// Where the data of a printed line starts: after its tag and two-digit number.
fn data_start(line: &str) -> usize {
    line[4..].find(|c: char| c.is_ascii_digit()).unwrap() + 4 + 2
}

/// Two mistakes in every data line of the copy (eight pairs a line, six with the `==` lines
/// and two without), and every line typed without its check value: each line is named for
/// what it is, its item fails with that problem alone (or, without an `END` line, is read
/// only with a correction of that line, which age's authentication then refuses), and no
/// other item changes. With two mistakes a wrong single correction fits the 16-bit check
/// about once in 28 lines, and a wrong name used to fit about once in 110 (every item,
/// numbers to 99): a fresh print's lines met one of them about once in 20 runs, as a line
/// "missing" or a cascade of missing lines in another item. The fixed copy and seed make
/// every case the same each run: before names were searched among open ones only, and lines
/// with corrections named when their item failed its `END` check, 17 of them failed.
#[test]
fn two_mistakes_in_any_line_are_named_and_never_moved_or_taken() {
    let text = fixture_typed();
    let bare: String = (text.lines())
        .filter(|l| !l.trim_start().starts_with("=="))
        .map(|l| format!("{l}\n"))
        .collect();
    let (with_ends, without_ends) = (read_items(&text), read_items(&bare));
    let mut rng = Rng(0x5EED_2222);
    let mut cases = 0;
    for line in data_lines(&text) {
        let item = Item::parse(line.split_whitespace().next().unwrap()).unwrap();
        let name = format!("{} {}", item.tag(), &line[data_start(&line) - 2..][..2]);
        let (body, _check) = line.rsplit_once(' ').unwrap();
        let unchecked = text.replacen(line.as_str(), body.trim_end(), 1);
        let problem = format!("line {name} has no check value");
        expect_only(&unchecked, item, &with_ends, &problem, false);
        let data: Vec<usize> = (data_start(&line)..body.trim_end().len())
            .filter(|&i| line.as_bytes()[i].is_ascii_alphanumeric())
            .collect();
        for pair in 0..8 {
            let mut typed = line.clone();
            let first = rng.below(data.len());
            let second = (first + 1 + rng.below(data.len() - 1)) % data.len();
            for at in [data[first], data[second]] {
                let here = typed.as_bytes()[at];
                let with = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng.below(32)];
                let with = match (with == here, here) {
                    (false, _) => with,
                    (true, b'Q') => b'G',
                    (true, _) => b'Q',
                };
                typed.replace_range(at..at + 1, &char::from(with).to_string());
            }
            let (damaged, original) = match pair {
                0..6 => (text.replacen(line.as_str(), &typed, 1), &with_ends),
                _ => (bare.replacen(line.as_str(), &typed, 1), &without_ends),
            };
            let problem = format!("line {name}: a typing mistake");
            expect_only(&damaged, item, original, &problem, pair >= 6);
            cases += 1;
        }
    }
    assert_eq!(cases, 57 * 8);
}

/// Reads `damaged` and checks that `item` fails with `problem` alone, or, when
/// `may_authenticate`, holds only texts corrected by a fix of the line `problem` names;
/// every other item must read as in `original`.
fn expect_only(
    damaged: &str,
    item: Item,
    original: &ItemsRead,
    problem: &str,
    may_authenticate: bool,
) {
    let read = read_items(damaged);
    for (other, before) in original.iter().filter(|(other, _)| **other != item) {
        assert_eq!(
            read.get(other),
            Some(before),
            "{problem}: {other:?} changed"
        );
    }
    assert_eq!(read.len(), original.len(), "{problem}: {:?}", read.keys());
    let right = &original[&item].as_ref().unwrap()[0].0;
    match &read[&item] {
        Err(problems) => assert!(
            problems.len() == 1 && problems[0].starts_with(problem),
            "{problem}: {problems:?}"
        ),
        Ok(candidates) => assert!(
            may_authenticate && candidates.iter().all(|(t, fixes)| t != right && *fixes > 0),
            "{problem}: read as {candidates:?}"
        ),
    }
}

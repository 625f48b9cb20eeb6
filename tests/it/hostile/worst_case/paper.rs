//! Paper read back from typed text and scans, built to cost the reader most: lines that two
//! corrections each fit, codes read with several texts, a sheet key read as dozens of
//! different passphrase files, a typed file of the largest size full of lines, and shares
//! by the dozen.

use super::*;
use keycellar::backup::paper::codes::Item;
use keycellar::backup::paper::text::{self, ALPHABET, LINE_CHARS, line_check};
use std::collections::BTreeMap;

/// A typed line of `item` that two different single corrections each fit: a line of data
/// derived from `number`, under a check that two changed characters both give.
fn ambiguous_line(item: Item, number: usize) -> String {
    let data: String = (0..LINE_CHARS)
        .map(|i| ALPHABET[(i * 7 + number * 13) % 32] as char)
        .collect();
    let mut fits: BTreeMap<String, usize> = BTreeMap::new();
    for at in 0..data.len() {
        for &c in ALPHABET.iter().filter(|c| **c != data.as_bytes()[at]) {
            let mut changed = data.clone().into_bytes();
            changed[at] = c;
            let changed = String::from_utf8(changed).unwrap();
            *fits.entry(line_check(item, number, &changed)).or_default() += 1;
        }
    }
    let (check, _) = fits
        .into_iter()
        .find(|(check, n)| *n >= 2 && *check != line_check(item, number, &data))
        .expect("a check that two corrections fit");
    format!("{} {number:02}  {data}  {check}", item.tag())
}

#[test]
fn ambiguous_typed_lines_are_refused_by_their_count() {
    // Before the cap held across lines, 200 such lines took 940 MB and 300 exceed the limit.
    let tv = TestVault::new();
    let lines: Vec<String> = (1..=300).map(|n| ambiguous_line(Item::Key, n)).collect();
    let typed = tv.file("typed.txt", &lines.join("\n"));
    let (code, kind, message) = restore(&tv, &["--text", typed.to_str().unwrap()]);
    assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
    assert!(
        message.contains("lines K 01, K 02,") && message.contains("more ways than keycellar tries"),
        "{message}"
    );
}

#[test]
fn the_most_mending_a_typed_copy_may_ask_for_stays_within_its_memory() {
    // 85 items of 999 lines (the most an item has), the first six of each fitting two
    // corrections: 64 ways each, all 512 mended lines spent. Joining them line by line
    // copied every partial text again for each line (20 s, 970 MB in a release build).
    let tv = TestVault::new();
    let mut typed = String::new();
    for entry in 1..=85u16 {
        let item = Item::Entry(entry);
        for number in 1..=999 {
            if number <= 6 {
                typed.push_str(&ambiguous_line(item, number));
            } else {
                let data: String = (0..LINE_CHARS)
                    .map(|i| ALPHABET[(i * 7 + number * 13 + usize::from(entry)) % 32] as char)
                    .collect();
                let check = line_check(item, number, &data);
                typed.push_str(&format!("{} {number:02}  {data}  {check}", item.tag()));
            }
            typed.push('\n');
        }
    }
    let file = tv.file("mended.txt", &typed);
    let pass = tv.file("sheet-pass", &format!("{SHEET_PASS}\n"));
    let args = [
        "restore",
        "--text",
        file.to_str().unwrap(),
        "--backup-passphrase-file",
        pass.to_str().unwrap(),
        "--dry-run",
    ];
    let (code, kind, message) = failure(&limited_to(&tv, 512, &args));
    assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
    assert!(message.contains("no code or line of K"), "{message}");
}

#[test]
fn a_typed_file_of_the_most_lines_ends_in_a_clear_error_and_one_more_is_refused() {
    // As many lines as a copy is read with, each of a different line of a different item:
    // read, and no sheet key among them. One line more is refused by the count.
    let tv = TestVault::new();
    let mut typed = String::with_capacity(16 << 20);
    let lines = (1..=999).flat_map(|entry| {
        (1..=999).map(move |number| format!("E{entry:03} {number:03}  MFRGG ZDFMZ TWQ2L  0000\n"))
    });
    for line in lines.take(text::MAX_TYPED_LINES) {
        typed.push_str(&line);
    }
    assert!(typed.len() as u64 <= text::MAX_TYPED_FILE_LEN);
    let file = tv.file("full.txt", &typed);
    let (code, kind, message) = restore(&tv, &["--text", file.to_str().unwrap()]);
    assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
    assert!(message.contains("no code or line of K"), "{message}");
    typed.push_str("E999 999  MFRGG ZDFMZ TWQ2L  0000\n");
    let file = tv.file("over.txt", &typed);
    let (code, kind, message) = restore(&tv, &["--text", file.to_str().unwrap()]);
    assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
    let most = format!("more than {} typed lines", text::MAX_TYPED_LINES);
    assert!(message.contains(&most), "{message}");
}

#[test]
fn codes_read_with_many_texts_are_refused_by_their_count() {
    // Seven parts of the sheet key, each read with two texts: 128 ways.
    let tv = TestVault::new();
    let texts: Vec<String> = (1..=7u8)
        .flat_map(|part| ["MFRGGZDF", "ONSWG4TF"].map(|data| code(Item::Key, part, 7, data.into())))
        .collect();
    let images = code_images(&tv, "variant", &texts);
    let mut args = vec!["--image"];
    args.extend(images.iter().map(|p| p.to_str().unwrap()));
    let (code, kind, message) = restore(&tv, &args);
    assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
    assert!(
        message.contains("parts 1/7, 2/7,") && message.contains("more ways than keycellar tries"),
        "{message}"
    );
}

#[test]
fn a_hundred_shares_end_in_a_clear_error() {
    // Every share number a typed copy can name, none a share of anything.
    let tv = TestVault::new();
    let mut typed = String::new();
    for n in 1..=99u8 {
        let record = base32::encode(base32::Alphabet::Rfc4648 { padding: true }, &[n; 40]);
        typed.push_str(&text::render(Item::Share(n), &record, "share").join("\n"));
        typed.push('\n');
    }
    let file = tv.file("shares.txt", &typed);
    let (code, kind, message) = restore(&tv, &["--text", file.to_str().unwrap()]);
    assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
}

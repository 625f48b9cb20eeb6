//! Reading a typed copy as a person or a text extractor left it: any case, any spacing,
//! tabs, blank lines, a byte-order mark, CRLF line ends, page headers and prose in between,
//! with or without the `==` lines, and with check values moved to lines of their own (as
//! `pdftotext` without `-layout` does: it writes a page's check values after its lines, in
//! order).

use super::{MAX_TYPED_LINE_LEN, MAX_TYPED_LINES};
use crate::backup::paper::codes::Item;
use std::collections::{BTreeMap, VecDeque};

/// One data line as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedLine {
    pub item: Item,
    pub number: usize,
    /// The data, upper case, without spaces or `=` padding, and with the digits the sheet
    /// never uses read as the letters they look like (0 as O, 1 as I, 8 as B).
    pub data: String,
    /// The check value, when one was found.
    pub check: Option<String>,
}

/// Everything read from a typed copy.
#[derive(Debug, Default)]
pub struct Reading {
    /// The sheet id, from the sheet line, when it was typed.
    pub sheet: Option<String>,
    pub lines: Vec<TypedLine>,
    /// For each item whose `END` line was typed: its line count and check.
    pub ends: BTreeMap<Item, (usize, String)>,
    /// Each item's line count as the parity lines' map gives it (FORMAT.md 8.8), for items
    /// whose `END` line was not read.
    pub counts: BTreeMap<Item, usize>,
    /// The label each item's heading names, as typed.
    pub headings: BTreeMap<Item, String>,
    /// Lines of data and a check whose item tag or line number cannot be read (mistyped);
    /// the check may tell where they belong.
    pub unplaced: Vec<Unplaced>,
}

/// A data line whose name (item tag and line number) was mistyped beyond reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unplaced {
    /// The first two words as typed.
    pub typed_name: String,
    pub data: String,
    pub check: String,
}

/// A check value as typed: four characters (a mistyped one may not be hex; mending
/// finds out).
fn is_check(token: &str) -> bool {
    token.len() == 4 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A word of data: a group of at most five base32 characters (digits the sheet never uses
/// are read as letters by `data_of`).
fn is_group(token: &str) -> bool {
    (1..=5).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b"234567=0189".contains(&b))
}

/// Digits as a person may type them: the letters that look like digits are read as those.
fn digits_of(token: &str) -> Option<String> {
    token
        .chars()
        .map(|c| match c {
            'O' => Some('0'),
            'I' | 'L' => Some('1'),
            'B' => Some('8'),
            'S' => Some('5'),
            'Z' => Some('2'),
            c if c.is_ascii_digit() => Some(c),
            _ => None,
        })
        .collect()
}

/// `E001`, `E1`, `S03`, `P1`, `K`, `M` or `T`, as a person may type an item's tag.
fn item_of(token: &str) -> Option<Item> {
    match token {
        "K" => Some(Item::Key),
        "M" => Some(Item::Details),
        "T" => Some(Item::Threshold),
        _ => {
            let (letter, digits) = token.split_at_checked(1)?;
            let most = match letter {
                "S" => 2,
                "P" => 1,
                _ => 3,
            };
            let number = number_up_to(digits, most)?;
            match letter {
                "P" => u8::try_from(number)
                    .ok()
                    .filter(|i| usize::from(*i) <= crate::backup::paper::parity::MAX_PARITY_PAGES)
                    .map(Item::Parity),
                "S" => u8::try_from(number)
                    .ok()
                    .filter(|x| *x > 0)
                    .map(Item::Share),
                "E" => u16::try_from(number)
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Item::Entry),
                _ => None,
            }
        }
    }
}

/// One to `max_digits` digits as a person may type them, as a number.
fn number_up_to(token: &str, max_digits: usize) -> Option<usize> {
    let digits = digits_of(token)?;
    (1..=max_digits)
        .contains(&digits.len())
        .then(|| digits.parse().ok())
        .flatten()
}

fn number_of(token: &str) -> Option<usize> {
    number_up_to(token, 3)
}

fn data_of(tokens: &[&str]) -> String {
    tokens
        .concat()
        .chars()
        .filter(|c| *c != '=')
        .map(|c| match c {
            '0' => 'O',
            '1' => 'I',
            '8' => 'B',
            other => other,
        })
        .collect()
}

/// Reads a typed copy of format 2; `None` when it holds more than [`MAX_TYPED_LINES`] lines
/// of data (it is then read no further).
pub fn read(text: &str) -> Option<Reading> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reading = Reading::default();
    // Lines still waiting for a check value that comes later on a line of its own.
    let mut waiting: VecDeque<usize> = VecDeque::new();
    // A tag alone on its line (`pdftotext` splits `K    01 ...` at the wide gap) names the
    // item of the line after it.
    let mut lone_tag: Option<String> = None;
    for raw in text.lines().filter(|raw| raw.len() <= MAX_TYPED_LINE_LEN) {
        let mut upper = raw.replace('\t', " ").to_ascii_uppercase();
        if let Some(tag) = lone_tag.take() {
            let starts_with_number = upper
                .split_whitespace()
                .next()
                .is_some_and(|word| number_of(word).is_some());
            if starts_with_number {
                upper = format!("{tag} {upper}");
            }
        }
        let tokens: Vec<&str> = upper.split_whitespace().collect();
        match tokens.as_slice() {
            [] => {}
            ["==", rest @ ..] => marker(&mut reading, rest, raw),
            [check] if is_check(check) && !waiting.is_empty() => {
                if let Some(at) = waiting.pop_front() {
                    reading.lines[at].check = Some(check.to_string());
                }
            }
            [tag] if item_of(tag).is_some() => lone_tag = Some(tag.to_string()),
            [_, _, ..] if reading.lines.len() + reading.unplaced.len() >= MAX_TYPED_LINES => {
                return None;
            }
            [tag, number, rest @ ..] => {
                let (data, check) = match rest {
                    [data @ .., check] if is_check(check) && !data.is_empty() => {
                        (data, Some(check.to_string()))
                    }
                    data => (data, None),
                };
                let (Some(item), Some(number)) = (item_of(tag), number_of(number)) else {
                    if let Some(check) = check.filter(|_| data.iter().all(|g| is_group(g))) {
                        reading.unplaced.push(Unplaced {
                            typed_name: format!("{tag} {number}"),
                            data: data_of(data),
                            check,
                        });
                    }
                    continue;
                };
                if check.is_none() {
                    waiting.push_back(reading.lines.len());
                }
                reading.lines.push(TypedLine {
                    item,
                    number,
                    data: data_of(data),
                    check,
                });
            }
            _ => {}
        }
    }
    Some(reading)
}

/// A `==` line: the sheet line, an item's heading, or its `END` line. `raw` is the line
/// as typed, for the heading's label.
fn marker(reading: &mut Reading, words: &[&str], raw: &str) {
    match words {
        [_magic, "SHEET", sheet, "=="] => {
            reading.sheet = Some(sheet.to_string());
        }
        ["END", tag, count, check, "=="] => {
            if let (Some(item), Some(count)) = (item_of(tag), number_of(count)) {
                reading.ends.insert(item, (count, check.to_string()));
            }
        }
        [tag, _, .., "=="] => {
            if let Some(item) = item_of(tag) {
                let label = raw
                    .trim()
                    .trim_start_matches('=')
                    .trim_end_matches('=')
                    .trim();
                let label = label.split_once(char::is_whitespace).map_or("", |(_, l)| l);
                reading.headings.insert(item, label.trim().to_string());
            }
        }
        _ => {}
    }
}

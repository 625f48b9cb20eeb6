//! The typed copy of format 2: every item's base32 text as lines a person can type back,
//! each naming its item and number and ending with a check value, and the reader that
//! takes whatever a person or a text extractor makes of them.
//!
//! ```text
//! == KC2 SHEET 7F3A9C2E ==
//! == E001 kraken-grid-bot ==
//! E001 01  MFRGG ZDFMZ TWQ2L MNXW2 ZDFOR QXG5D MFRGG ZDFMZ MFRGG ZDFMZ TWQ2L MNXW2 ZDFOR QXG5D  7A1F
//! E001 02  ...
//! == END E001 10 5D1C0A9B ==
//! ```
//!
//! A line's check value is CRC-16/IBM-3740 over `TAG NN DATA` (data without spaces and
//! padding). A CRC-16 detects every error burst of up to 16 bits, so every single mistyped
//! character and every swap of two neighbouring characters is caught, as is a line typed
//! under the wrong number. Data lines carry their item, so the `==` lines may be left out;
//! when present, the `END` line's count and check tell a missing line at the end of an item.
//! `read` parses, `mend` proposes corrections, `assemble` puts items together.

mod mend;
mod read;

pub use mend::{Fix, FixPart, corrected_lines, mend_line};
pub use read::{Reading, TypedLine, read};

use super::codes::{CURRENT, Item};
use crate::crypto;
use crate::error::{ItemProblem, TooMuch};
use std::collections::{BTreeMap, BTreeSet};

/// The largest typed-text file keycellar reads: a sheet of 1,000 entries is about 2 MiB.
pub const MAX_TYPED_FILE_LEN: u64 = 16 * 1024 * 1024;

/// The most lines a typed copy is read with: a sheet of 1,000 entries has about 30,000.
/// Short lines could otherwise fill [`MAX_TYPED_FILE_LEN`] with millions, each kept with
/// what its check makes of it (gigabytes of memory).
pub const MAX_TYPED_LINES: usize = 250_000;

/// The longest line read as a line of a sheet: a printed line is about 100 characters, and
/// ten times that leaves room for any spacing a person or `pdftotext` adds. A longer line is
/// none, and is passed over before it is copied or split into words (one line of 16 MiB
/// of one-letter words cost 350 MB).
pub const MAX_TYPED_LINE_LEN: usize = 1024;

/// Data characters per printed line: fourteen groups of five.
pub const LINE_CHARS: usize = 70;

/// The characters base32 data uses (RFC 4648).
pub const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

/// The check value of a data line, as printed: 4 hex digits.
pub fn line_check(item: Item, number: usize, data: &str) -> String {
    let text = format!("{} {number:02} {data}", item.tag());
    format!("{:04X}", CRC16.checksum(text.as_bytes()))
}

/// The check of a whole item, on its `END` line: the first 4 bytes of SHA-256 of its text.
pub fn item_check(base32: &str) -> String {
    crypto::sha256(&[base32.trim_end_matches('=').as_bytes()])[..4]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The line that names the sheet, at the top of the typed copy.
pub fn sheet_line(sheet: &str) -> String {
    format!("== {} SHEET {sheet} ==", CURRENT.magic())
}

/// An item's lines as printed: its heading, its data lines, its `END` line. The last group
/// is filled out with `=` to five characters, so that a group is never taken for a check
/// value.
pub fn render(item: Item, base32: &str, heading: &str) -> Vec<String> {
    let data = base32.trim_end_matches('=');
    let chunks: Vec<&[u8]> = data.as_bytes().chunks(LINE_CHARS).collect();
    let mut lines = vec![format!("== {} {heading} ==", item.tag())];
    for (index, chunk) in chunks.iter().enumerate() {
        let number = index + 1;
        let text = String::from_utf8_lossy(chunk);
        let mut groups: Vec<String> = chunk
            .chunks(5)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect();
        if let Some(last) = groups.last_mut() {
            while last.len() < 5 {
                last.push('=');
            }
        }
        lines.push(format!(
            "{:<4} {number:02}  {:<83}  {}",
            item.tag(),
            groups.join(" "),
            line_check(item, number, &text)
        ));
    }
    lines.push(format!(
        "== END {} {:02} {} ==",
        item.tag(),
        chunks.len(),
        item_check(data)
    ));
    lines
}

/// RFC 4648 padding, put back after it was stripped.
pub fn padded(data: &str) -> String {
    let mut text = data.trim_end_matches('=').to_string();
    while !text.len().is_multiple_of(8) {
        text.push('=');
    }
    text
}

/// An item read from typed lines: the texts it may be, most likely first, each with the
/// corrections it took. More than one when a line had several corrections that fit its
/// check; the one whose decryption authenticates is the right one.
#[derive(Clone, Debug, Default)]
pub struct Candidates(pub Vec<(String, Vec<Fix>)>);

/// Most whole-item texts tried when several lines each had more than one correction.
pub const MAX_COMBINATIONS: usize = 64;

/// Most characters of candidate texts one typed copy may make, all items together: a
/// sheet's largest item of 999 lines read in all 64 ways is 4.5 MB; 85 such items (all the
/// mending a copy may ask for) would be 380 MB.
pub const MAX_CANDIDATE_CHARS: usize = 64 * 1024 * 1024;

/// Why an item's lines were not joined: more ways than [`MAX_COMBINATIONS`], or more text
/// than the budget left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooMany {
    Ways,
    Text,
}

/// Most lines searched for corrections (about 4,500 checks each), and most searched for a
/// mistyped name (about 100 checks per item): far more than a person mistypes in one go,
/// and a bound on the work a hostile file can ask for.
const MAX_MENDED_LINES: usize = 512;
const MAX_RENAMED_LINES: usize = 16;

/// A typed line with what its check makes of it: the data it holds (several when more than
/// one correction fits), or the problem.
struct Checked {
    line: TypedLine,
    found: Result<Vec<(String, Vec<Fix>)>, ItemProblem>,
}

/// Whether a line matches its check value as typed.
fn as_typed(line: &TypedLine) -> bool {
    line.check.as_ref().is_some_and(|check| {
        line.data.bytes().all(|b| ALPHABET.contains(&b))
            && line_check(line.item, line.number, &line.data) == *check
    })
}

/// A line that no correction mends, moved to the one open name its check fits, if any.
fn rename(line: &TypedLine, items: &[Item], names: &mend::OpenNames) -> Option<Checked> {
    let check = line.check.as_ref()?;
    let open = |item, number| names.open(item, number, line.data.len());
    let typed = Some((line.item, line.number));
    let (item, number) = mend::place(&line.data, check, items, typed, &open)?;
    let typed_name = format!("{} {:02}", line.item.tag(), line.number);
    Some(Checked {
        line: TypedLine {
            item,
            number,
            ..line.clone()
        },
        found: Ok(vec![(
            line.data.clone(),
            vec![mend::renamed(&typed_name, item, number)],
        )]),
    })
}

fn check_lines(reading: &Reading) -> Vec<Checked> {
    let items: Vec<Item> = (reading.lines.iter().map(|l| l.item))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names = mend::OpenNames::new(reading);
    let (mut mend_budget, mut rename_budget) = (MAX_MENDED_LINES, MAX_RENAMED_LINES);
    let mut checked = Vec::with_capacity(reading.lines.len());
    for line in &reading.lines {
        let found = if as_typed(line) {
            Ok(vec![(line.data.clone(), Vec::new())])
        } else if mend_budget == 0 {
            Err(mend::unmendable(line))
        } else {
            mend_budget -= 1;
            mend_line(line)
        };
        let renamed = match &found {
            Err(_) if rename_budget > 0 && line.check.is_some() => {
                rename_budget -= 1;
                rename(line, &items, &names)
            }
            _ => None,
        };
        checked.push(renamed.unwrap_or_else(|| Checked {
            line: line.clone(),
            found,
        }));
    }
    for unplaced in reading.unplaced.iter().take(rename_budget) {
        let open = |item, number| names.open(item, number, unplaced.data.len());
        let placed = mend::place(&unplaced.data, &unplaced.check, &items, None, &open);
        if let Some((item, number)) = placed {
            checked.push(Checked {
                line: TypedLine {
                    item,
                    number,
                    data: unplaced.data.clone(),
                    check: Some(unplaced.check.clone()),
                },
                found: Ok(vec![(
                    unplaced.data.clone(),
                    vec![mend::renamed(&unplaced.typed_name, item, number)],
                )]),
            });
        }
    }
    checked
}

/// What the typed lines make of each item: its candidate texts, or every problem that keeps
/// it from being whole, each named by its printed line.
pub fn assemble(reading: &Reading) -> BTreeMap<Item, Result<Candidates, Vec<ItemProblem>>> {
    let mut by_item: BTreeMap<Item, Vec<Checked>> = BTreeMap::new();
    for checked in check_lines(reading) {
        by_item.entry(checked.line.item).or_default().push(checked);
    }
    let mut budget = MAX_CANDIDATE_CHARS;
    by_item
        .into_iter()
        .map(|(item, lines)| {
            let end = reading.ends.get(&item);
            let count = end
                .map(|(count, _)| *count)
                .or(reading.counts.get(&item).copied());
            (item, assemble_item(item, lines, (count, end), &mut budget))
        })
        .collect()
}

/// `count`: the item's line count, from its `END` line (`end`) or the parity lines' map.
fn assemble_item(
    item: Item,
    lines: Vec<Checked>,
    (count, end): (Option<usize>, Option<&(usize, String)>),
    budget: &mut usize,
) -> Result<Candidates, Vec<ItemProblem>> {
    let mut by_number: BTreeMap<usize, Vec<Checked>> = BTreeMap::new();
    for line in lines {
        by_number.entry(line.line.number).or_default().push(line);
    }
    let mut problems = Vec::new();
    let highest = by_number.keys().next_back().copied().unwrap_or(0);
    let count = count.unwrap_or(highest);
    let mut options: Vec<Vec<(String, Vec<Fix>)>> = Vec::new();
    // Lines that more than one correction fits, for the message when there are too many.
    let mut ambiguous = Vec::new();
    for number in 1..=count.max(highest) {
        let same = by_number.get(&number).map_or(&[][..], Vec::as_slice);
        let line = format!("{} {number:02}", item.tag());
        let chosen = match same {
            // Past the count, only the lines typed there are named (below).
            [] if number > count => continue,
            [] => {
                let line = line.clone();
                problems.push(ItemProblem::LineMissing { line });
                None
            }
            [first, rest @ ..] if rest.iter().all(|l| l.line.data == first.line.data) => {
                Some(&first.found)
            }
            _ => {
                let (line, times) = (line.clone(), same.len());
                problems.push(ItemProblem::TypedDifferently { line, times });
                None
            }
        };
        match chosen {
            Some(Ok(found)) => {
                if found.len() > 1 {
                    ambiguous.push(format!("{} {number:02}", item.tag()));
                }
                options.push(found.clone());
            }
            Some(Err(problem)) => problems.push(problem.clone()),
            None => {}
        }
        if number > count {
            problems.push(ItemProblem::BeyondCount { line, count });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut candidates =
        combine(&options, budget).map_err(|too_many| vec![too_many_ways(&ambiguous, too_many)])?;
    if let Some((_, check)) = end {
        candidates.retain(|(text, _)| item_check(text) == *check);
        if candidates.is_empty() {
            return Err(end_mismatch(item, &options));
        }
    }
    Ok(Candidates(
        candidates
            .into_iter()
            .map(|(text, fixes)| (padded(&text), fixes))
            .collect(),
    ))
}

/// Why no reading of an item adds up to its `END` line's check: each line read only with a
/// correction (a wrong one fits a 16-bit check about once in 65,536 tries, so a line with
/// two mistakes may find one), or, when none was corrected, a line repeated or left out, or
/// the `END` line mistyped.
fn end_mismatch(item: Item, options: &[Vec<(String, Vec<Fix>)>]) -> Vec<ItemProblem> {
    let corrected = mend::corrected_lines(options.iter().flatten().map(|(_, fixes)| fixes));
    if corrected.is_empty() {
        return vec![ItemProblem::EndMismatch { tag: item.tag() }];
    }
    (corrected.into_iter())
        .map(|line| ItemProblem::NotMendedByEnd { line })
        .collect()
}

/// The problem of an item whose `ambiguous` lines make too many ways to read it.
fn too_many_ways(ambiguous: &[String], too_many: TooMany) -> ItemProblem {
    let too_much = match too_many {
        TooMany::Ways => TooMuch::Ways(MAX_COMBINATIONS),
        TooMany::Text => TooMuch::Text,
    };
    let lines = ambiguous.to_vec();
    ItemProblem::TooManyWays { lines, too_much }
}

/// Every way to join the lines' candidates, fewest corrections first, when there are at
/// most [`MAX_COMBINATIONS`] and their text fits in `budget` (characters, taken from it).
/// The ways are counted and measured before any is built, and each is built once from its
/// lines: 200 lines with two candidates each are refused by the count, not by memory.
pub fn combine(
    options: &[Vec<(String, Vec<Fix>)>],
    budget: &mut usize,
) -> Result<Vec<(String, Vec<Fix>)>, TooMany> {
    let ways = options
        .iter()
        .try_fold(1usize, |ways, line| {
            ways.checked_mul(line.len())
                .filter(|ways| *ways <= MAX_COMBINATIONS)
        })
        .ok_or(TooMany::Ways)?;
    let longest: usize = options
        .iter()
        .map(|line| line.iter().map(|(text, _)| text.len()).max().unwrap_or(0))
        .sum();
    *budget = budget.checked_sub(ways * longest).ok_or(TooMany::Text)?;
    let mut joined: Vec<(String, Vec<Fix>)> = (0..ways)
        .map(|way| {
            // The way's choice on each line, as digits in mixed radix: the last line's
            // candidates vary fastest.
            let mut rest = way;
            let mut chosen: Vec<&(String, Vec<Fix>)> = options
                .iter()
                .rev()
                .map(|line| {
                    let pick = &line[rest % line.len()];
                    rest /= line.len();
                    pick
                })
                .collect();
            chosen.reverse();
            let mut text = String::with_capacity(longest);
            let mut fixes = Vec::new();
            for (data, line_fixes) in chosen {
                text.push_str(data);
                fixes.extend(line_fixes.iter().cloned());
            }
            (text, fixes)
        })
        .collect();
    joined.sort_by_key(|(_, fixes)| fixes.len());
    Ok(joined)
}

#[cfg(test)]
mod tests;

//! Mending a typed line: when its data does not match its check value, the corrections a
//! person most likely needs are tried against the check (one wrong character, two
//! neighbours swapped, one character left out or typed twice, a mistyped check value, a
//! mistyped line number or item tag, among the names the copy still lacks). The check is
//! 16 bits, so a wrong correction fits it about once in 65,536 tries; where more than one
//! fits, the item's `END` check and its own authentication decide later (`assemble`), and
//! when none passes them the lines read only with corrections are named.

use super::{ALPHABET, LINE_CHARS, Reading, TypedLine, line_check};
use crate::backup::paper::codes::Item;
use crate::error::ItemProblem;
use crate::untrusted::escaped;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What part of a typed line a correction changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixPart {
    Data,
    Check,
    /// The item tag and line number at the start of the line.
    LineName,
}

/// One correction of a typed line: the paper most likely says `paper` where `typed` was
/// typed. For data, `column` (1-based, counting data characters only) says where; an empty
/// `typed` is a character left out, an empty `paper` one typed too many.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The line as it was typed, e.g. `E001 05`.
    pub line: String,
    pub part: FixPart,
    pub column: usize,
    pub typed: String,
    pub paper: String,
}

fn line_name(item: Item, number: usize) -> String {
    format!("{} {number:02}", item.tag())
}

impl Fix {
    fn new(line: &TypedLine, part: FixPart, column: usize, typed: &str, paper: &str) -> Fix {
        Fix {
            line: line_name(line.item, line.number),
            part,
            column,
            typed: typed.to_string(),
            paper: paper.to_string(),
        }
    }

    /// How a person reads the correction.
    pub fn describe(&self) -> String {
        // A line's name is as typed when it was renamed: any character, shown escaped.
        let line = escaped(&self.line);
        let place = match self.part {
            FixPart::Data => format!(
                "line {line}, column {} (group {}, character {})",
                self.column,
                self.column.saturating_sub(1) / 5 + 1,
                self.column.saturating_sub(1) % 5 + 1
            ),
            FixPart::Check => format!("line {line}, check value"),
            FixPart::LineName => format!("line {line}, its name"),
        };
        // What was typed can be any character: it is shown escaped.
        let (typed, paper) = (escaped(&self.typed), escaped(&self.paper));
        match (typed.is_empty(), paper.is_empty()) {
            (true, _) => format!("{place}: the paper probably has {paper} here, left out"),
            (_, true) => format!("{place}: {typed} was probably typed once too often"),
            _ => format!("{place}: the paper probably says {paper}, you typed {typed}"),
        }
    }
}

/// The problem reported for a line no single correction mends.
pub fn unmendable(line: &TypedLine) -> ItemProblem {
    ItemProblem::Unmendable {
        line: line_name(line.item, line.number),
    }
}

/// The lines, as typed, that `fixes` correct, in order and each once.
pub fn corrected_lines<'a>(fixes: impl IntoIterator<Item = &'a Vec<Fix>>) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for fix in fixes.into_iter().flatten() {
        if !lines.contains(&fix.line) {
            lines.push(fix.line.clone());
        }
    }
    lines
}

/// The names a line whose check does not match may be moved to (FORMAT.md 8.3): one no
/// line is typed under with a matching check, within its item's line count (from the `END`
/// line or the parity lines' map; else at most one past the highest line that matches),
/// and, for a line shorter than a full one, its item's last line. A wrong name fits a
/// 16-bit check about once in 65,536 tries: this keeps the tries to the few lines missing.
pub struct OpenNames {
    taken: BTreeSet<(Item, usize)>,
    /// Each item's last line number, as known or as far as the lines read go.
    last: BTreeMap<Item, usize>,
}

impl OpenNames {
    pub fn new(reading: &Reading) -> OpenNames {
        let taken: BTreeSet<(Item, usize)> = (reading.lines.iter())
            .filter(|l| super::as_typed(l))
            .map(|l| (l.item, l.number))
            .collect();
        let mut last: BTreeMap<Item, usize> = BTreeMap::new();
        for &(item, number) in &taken {
            let at = last.entry(item).or_default();
            *at = (*at).max(number + 1);
        }
        last.extend(reading.counts.iter().map(|(item, count)| (*item, *count)));
        last.extend(
            reading
                .ends
                .iter()
                .map(|(item, (count, _))| (*item, *count)),
        );
        OpenNames { taken, last }
    }

    /// Whether a line of `len` characters may be line `number` of `item`.
    pub fn open(&self, item: Item, number: usize, len: usize) -> bool {
        let last = self.last.get(&item).copied().unwrap_or(1);
        let fits = match len.cmp(&LINE_CHARS) {
            std::cmp::Ordering::Less => len > 0 && number == last,
            std::cmp::Ordering::Equal => number <= last,
            std::cmp::Ordering::Greater => false,
        };
        fits && !self.taken.contains(&(item, number))
    }
}

/// The item and number a line of `data` and `check` was most likely printed under: the one
/// name among `items` (the items the copy holds) and numbers up to 99, other than
/// `typed`, that `open` allows (a name the copy still lacks, where a line of this length
/// can be) and the check fits.
pub fn place(
    data: &str,
    check: &str,
    items: &[Item],
    typed: Option<(Item, usize)>,
    open: &dyn Fn(Item, usize) -> bool,
) -> Option<(Item, usize)> {
    if !could_be_a_line(data) {
        return None;
    }
    let mut fitting = items.iter().flat_map(|&item| {
        (1..=99)
            .filter(move |&n| Some((item, n)) != typed && open(item, n))
            .filter(move |&n| line_check(item, n, data) == check)
            .map(move |n| (item, n))
    });
    let found = fitting.next()?;
    fitting.next().is_none().then_some(found)
}

/// A line moved to the name its check fits, with the correction that says so.
pub fn renamed(typed_name: &str, item: Item, number: usize) -> Fix {
    Fix {
        line: typed_name.to_string(),
        part: FixPart::LineName,
        column: 0,
        typed: typed_name.to_string(),
        paper: line_name(item, number),
    }
}

/// Whether data fits `check` as line `number` of `item`, for trying many data against one
/// check (mending): the line's name is run through the CRC once. A check that is not four
/// hex digits fits nothing.
fn check_fits(item: Item, number: usize, check: &str) -> impl Fn(&[u8]) -> bool + use<> {
    let mut named = super::CRC16.digest();
    named.update(format!("{} {number:02} ", item.tag()).as_bytes());
    let hex = |b: u8| b.is_ascii_digit() || (b'A'..=b'F').contains(&b);
    let want = (check.len() == 4 && check.bytes().all(hex))
        .then(|| u16::from_str_radix(check, 16).ok())
        .flatten();
    move |data: &[u8]| {
        let mut digest = named.clone();
        digest.update(data);
        Some(digest.finalize()) == want
    }
}

/// The data a typed line most likely holds: the line itself when it matches its check, or
/// every single correction that makes it match. An error says what is wrong and where.
pub fn mend_line(line: &TypedLine) -> Result<Vec<(String, Vec<Fix>)>, ItemProblem> {
    let Some(check) = &line.check else {
        let line = line_name(line.item, line.number);
        return Err(ItemProblem::NoCheck { line });
    };
    let fits = check_fits(line.item, line.number, check);
    if line.data.bytes().all(|b| ALPHABET.contains(&b)) && fits(line.data.as_bytes()) {
        return Ok(vec![(line.data.clone(), Vec::new())]);
    }
    if !could_be_a_line(&line.data) {
        return Err(unmendable(line));
    }
    let mut found = corrections(line, &fits);
    // A mistyped check value is tried beside the data corrections (one of which may fit
    // the wrong check by chance); the item's END check or authentication chooses.
    let actual = line_check(line.item, line.number, &line.data);
    if one_apart(&actual, check) {
        found.push((
            line.data.clone(),
            vec![Fix::new(line, FixPart::Check, 0, check, &actual)],
        ));
    }
    if found.is_empty() {
        return Err(unmendable(line));
    }
    Ok(found)
}

/// Whether one correction could make `data` a printed line's: at most one character longer
/// than a full line. Only such data is searched for corrections or a name, which bounds the
/// work a hostile line can ask for (each try checks the whole line).
fn could_be_a_line(data: &str) -> bool {
    data.len() <= LINE_CHARS + 1
}

/// Every data that one correction away from `line` fits its check. The candidates are made
/// in one buffer and checked as bytes: a line takes about 2,400 tries.
fn corrections(line: &TypedLine, fits: &dyn Fn(&[u8]) -> bool) -> Vec<(String, Vec<Fix>)> {
    let data = line.data.as_bytes();
    let mut found: Vec<(String, Vec<Fix>)> = Vec::new();
    let mut keep = |candidate: &[u8], fix: &dyn Fn() -> Fix| {
        if fits(candidate)
            && candidate.iter().all(|b| ALPHABET.contains(b))
            && let Ok(text) = String::from_utf8(candidate.to_vec())
            && !found.iter().any(|(t, _)| *t == text)
        {
            found.push((text, vec![fix()]));
        }
    };
    let text = |b: u8| (b as char).to_string();
    let mut buffer = data.to_vec();
    for at in 0..data.len() {
        for &c in ALPHABET.iter().filter(|c| **c != data[at]) {
            buffer[at] = c;
            keep(&buffer, &|| {
                Fix::new(line, FixPart::Data, at + 1, &text(data[at]), &text(c))
            });
        }
        buffer[at] = data[at];
        if at + 1 < data.len() && data[at] != data[at + 1] {
            buffer.swap(at, at + 1);
            let typed = format!("{}{}", text(data[at]), text(data[at + 1]));
            let paper = format!("{}{}", text(data[at + 1]), text(data[at]));
            keep(&buffer, &|| {
                Fix::new(line, FixPart::Data, at + 1, &typed, &paper)
            });
            buffer.swap(at, at + 1);
        }
    }
    // A character left out, or typed twice: a full line has a known length.
    if data.len() < LINE_CHARS {
        for at in 0..=data.len() {
            let mut longer = data.to_vec();
            longer.insert(at, ALPHABET[0]);
            for &c in ALPHABET {
                longer[at] = c;
                keep(&longer, &|| {
                    Fix::new(line, FixPart::Data, at + 1, "", &text(c))
                });
            }
        }
    }
    if data.len() > 1 {
        for at in 0..data.len() {
            let mut shorter = data.to_vec();
            shorter.remove(at);
            keep(&shorter, &|| {
                Fix::new(line, FixPart::Data, at + 1, &text(data[at]), "")
            });
        }
    }
    found
}

/// True when two check values differ in one character, or by two neighbours swapped.
fn one_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match differ.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

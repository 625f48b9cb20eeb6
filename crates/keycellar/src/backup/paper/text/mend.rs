//! Mending a typed line: when its data does not match its check value, the corrections a
//! person most likely needs are tried against the check (one wrong character, two
//! neighbours swapped, one character left out or typed twice, a mistyped check value, a
//! mistyped line number or item tag). The check is 16 bits, so a wrong correction fits it
//! about once in 65,536 tries; where more than one fits, the item's own authentication
//! decides later (`assemble`).

use super::{ALPHABET, LINE_CHARS, TypedLine, line_check};
use crate::backup::paper::codes::Item;
use serde::Serialize;

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
        let place = match self.part {
            FixPart::Data => format!(
                "line {}, column {} (group {}, character {})",
                self.line,
                self.column,
                self.column.saturating_sub(1) / 5 + 1,
                self.column.saturating_sub(1) % 5 + 1
            ),
            FixPart::Check => format!("line {}, check value", self.line),
            FixPart::LineName => format!("line {}, its name", self.line),
        };
        match (self.typed.is_empty(), self.paper.is_empty()) {
            (true, _) => format!(
                "{place}: the paper probably has {} here, left out",
                self.paper
            ),
            (_, true) => format!("{place}: {} was probably typed once too often", self.typed),
            _ => format!(
                "{place}: the paper probably says {}, you typed {}",
                self.paper, self.typed
            ),
        }
    }
}

/// The problem reported for a line no single correction mends.
pub fn unmendable(line: &TypedLine) -> String {
    format!(
        "line {}: a typing mistake (its check value does not match); compare it with the \
         paper character by character",
        line_name(line.item, line.number)
    )
}

/// The item and number a line of `data` and `check` was most likely printed under: the one
/// name among `items` (the items the copy holds) and numbers up to 99, other than
/// `typed`, that the check fits.
pub fn place(
    data: &str,
    check: &str,
    items: &[Item],
    typed: Option<(Item, usize)>,
) -> Option<(Item, usize)> {
    let mut fitting = items.iter().flat_map(|&item| {
        (1..=99)
            .filter(move |&n| Some((item, n)) != typed)
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

/// The data a typed line most likely holds: the line itself when it matches its check, or
/// every single correction that makes it match. An error says what is wrong and where.
pub fn mend_line(line: &TypedLine) -> Result<Vec<(String, Vec<Fix>)>, String> {
    let name = format!("line {}", line_name(line.item, line.number));
    let Some(check) = &line.check else {
        return Err(format!(
            "{name} has no check value; type the four characters at the end of the printed \
             line"
        ));
    };
    let fits = |data: &str| line_check(line.item, line.number, data) == *check;
    if line.data.bytes().all(|b| ALPHABET.contains(&b)) && fits(&line.data) {
        return Ok(vec![(line.data.clone(), Vec::new())]);
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

/// Every data that one correction away from `line` fits its check.
fn corrections(line: &TypedLine, fits: &dyn Fn(&str) -> bool) -> Vec<(String, Vec<Fix>)> {
    let data = line.data.as_bytes();
    let mut found = Vec::new();
    let mut try_data = |candidate: Vec<u8>, fix: Fix| {
        if let Ok(text) = String::from_utf8(candidate)
            && fits(&text)
            && !found.iter().any(|(t, _): &(String, Vec<Fix>)| *t == text)
        {
            found.push((text, vec![fix]));
        }
    };
    let text = |b: u8| (b as char).to_string();
    for at in 0..data.len() {
        for &c in ALPHABET.iter().filter(|c| **c != data[at]) {
            let mut candidate = data.to_vec();
            candidate[at] = c;
            try_data(
                candidate,
                Fix::new(line, FixPart::Data, at + 1, &text(data[at]), &text(c)),
            );
        }
        if at + 1 < data.len() && data[at] != data[at + 1] {
            let mut candidate = data.to_vec();
            candidate.swap(at, at + 1);
            let typed = format!("{}{}", text(data[at]), text(data[at + 1]));
            let paper = format!("{}{}", text(data[at + 1]), text(data[at]));
            try_data(
                candidate,
                Fix::new(line, FixPart::Data, at + 1, &typed, &paper),
            );
        }
    }
    // A character left out, or typed twice: a full line has a known length.
    if data.len() < LINE_CHARS {
        for at in 0..=data.len() {
            for &c in ALPHABET {
                let mut candidate = data.to_vec();
                candidate.insert(at, c);
                try_data(
                    candidate,
                    Fix::new(line, FixPart::Data, at + 1, "", &text(c)),
                );
            }
        }
    }
    if data.len() > 1 {
        for at in 0..data.len() {
            let mut candidate = data.to_vec();
            candidate.remove(at);
            try_data(
                candidate,
                Fix::new(line, FixPart::Data, at + 1, &text(data[at]), ""),
            );
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

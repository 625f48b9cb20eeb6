//! Typed copies of sheets of format 1 (KC1), which keycellar no longer prints but still
//! reads: every item's base32 text as numbered lines with a check value per line and one
//! per item.
//!
//! ```text
//! == KC1 7F3A9C2E E001 ==
//! 0001  MFRGG ZDFMZ TWQ2L MNXW2 ZDFOR QXG5D MFRGG ZDFMZ MFRGG ZDFMZ TWQ2L MNXW2  7A1F
//! == END E001 5D1C0A9B ==
//! ```
//!
//! A line's check value is CRC-16/IBM-3740 over `SHEET ITEM NUMBER DATA` (data without
//! spaces). A CRC-16 detects every error burst of up to 16 bits, so every single mistyped
//! character and every swap of two neighbouring characters is caught, as is a line typed
//! under the wrong number. The END line's check is over the item's whole text.

use super::codes::Item;
use crate::crypto;
use crate::error::BackupError;
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// The first word of format 1's item lines.
const MAGIC: &str = "KC1";

/// Data characters per printed line (twelve groups of five).
#[cfg(test)]
const LINE_CHARS: usize = 60;
const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

fn line_check(sheet: &str, item: Item, number: usize, data: &str) -> String {
    let text = format!("{sheet} {} {number:04} {data}", item.tag());
    format!("{:04X}", CRC16.checksum(text.as_bytes()))
}

fn item_check(text: &str) -> String {
    crypto::sha256(&[text.as_bytes()])[..4]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Renders an item as format 1 printed it (for the tests); line numbers run on across items
/// from `first`. Returns the lines and the next free line number.
#[cfg(test)]
fn render(sheet: &str, item: Item, base32: &str, first: usize) -> (Vec<String>, usize) {
    let mut lines = vec![format!("== {MAGIC} {sheet} {} ==", item.tag())];
    let mut number = first;
    for chunk in base32.as_bytes().chunks(LINE_CHARS) {
        let data = String::from_utf8_lossy(chunk);
        let groups: Vec<String> = data
            .as_bytes()
            .chunks(5)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect();
        lines.push(format!(
            "{number:04}  {:<71}  {}",
            groups.join(" "),
            line_check(sheet, item, number, &data)
        ));
        number += 1;
    }
    lines.push(format!("== END {} {} ==", item.tag(), item_check(base32)));
    (lines, number)
}

/// Items read back from typed text.
#[derive(Debug, Default)]
pub struct Typed {
    pub sheet: Option<String>,
    pub items: BTreeMap<Item, String>,
}

/// Parses a typed copy. A wrong line is named by its printed number.
pub fn parse(text: &str, name: &str) -> Result<Typed> {
    let damaged = |what: String| {
        Error::Backup(BackupError::DamagedBackup {
            name: name.to_string(),
            what,
        })
    };
    let mut typed = Typed::default();
    let mut current: Option<(Item, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let file_line = index + 1;
        let line = raw.trim().to_ascii_uppercase();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"==") {
            marker_line(&mut typed, &mut current, &words, file_line).map_err(damaged)?;
            continue;
        }
        // Outside an item, and on lines that do not start with a line number (page headers
        // or labels pasted along), there is nothing to check: a dropped data line is still
        // caught by the item's END check.
        let Some((item, body)) = current.as_mut() else {
            continue;
        };
        let (Some(number), Some(check)) = (words.first(), words.last()) else {
            continue;
        };
        let Ok(number_value) = number.parse::<usize>() else {
            continue;
        };
        // A line cut short to its number alone has no data (and fails its check below).
        let data: String = words
            .get(1..words.len() - 1)
            .unwrap_or_default()
            .concat()
            .chars()
            .map(|c| match c {
                '0' => 'O',
                '1' => 'I',
                '8' => 'B',
                other => other,
            })
            .collect();
        let sheet = typed.sheet.as_deref().unwrap_or_default();
        if words.len() < 3 || line_check(sheet, *item, number_value, &data) != *check {
            return Err(damaged(format!(
                "has a typo on line {number}: its check value {check} does not match; compare \
                 that line with the paper (a wrong character, or two swapped)"
            )));
        }
        body.push_str(&data);
    }
    if let Some((item, _)) = current {
        return Err(damaged(format!("ends inside {} (no END line)", item.tag())));
    }
    Ok(typed)
}

/// A `== KC1 SHEET ITEM ==` line opens an item; an `== END ITEM CHECK ==` line closes the
/// open one after checking it. Returns what is wrong with the line otherwise.
fn marker_line(
    typed: &mut Typed,
    current: &mut Option<(Item, String)>,
    words: &[&str],
    file_line: usize,
) -> Result<(), String> {
    match (words, current.take()) {
        (["==", MAGIC, sheet, item, "=="], None) => {
            let item = Item::parse(item)
                .ok_or_else(|| format!("has a bad item name on line {file_line} of the file"))?;
            if typed.sheet.get_or_insert_with(|| sheet.to_string()) != sheet {
                return Err(format!(
                    "mixes two sheets (line {file_line} of the file names sheet {sheet})"
                ));
            }
            *current = Some((item, String::new()));
            Ok(())
        }
        (["==", "END", tag, check, "=="], Some((item, body))) if *tag == item.tag() => {
            if item_check(&body) != *check {
                return Err(format!(
                    "does not add up for {tag}: a line is missing or repeated before line \
                     {file_line} of the file, or that END line's check is mistyped"
                ));
            }
            typed.items.insert(item, body);
            Ok(())
        }
        _ => Err(format!(
            "has a misplaced or mistyped '==' line at line {file_line} of the file"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3DOOBZGAMFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3DOOBZGA======";

    fn sample() -> String {
        let (lines, _) = render("7F3A9C2E", Item::Entry(1), DATA, 17);
        lines.join("\n")
    }

    #[test]
    fn typed_text_round_trips_with_forgiving_case_and_glyphs() {
        let text = sample().to_lowercase().replace('O', "0");
        let typed = parse(&text, "t").unwrap();
        assert_eq!(typed.items[&Item::Entry(1)], DATA);
        assert_eq!(typed.sheet.as_deref(), Some("7F3A9C2E"));
    }

    #[test]
    fn every_single_typo_and_neighbour_swap_names_its_line() {
        let text = sample();
        let line = text.lines().nth(1).unwrap();
        let data_start = 6;
        let data_end = line.len() - 6;
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        for pos in data_start..data_end {
            let original = line.as_bytes()[pos] as char;
            if original == ' ' {
                continue;
            }
            for replacement in alphabet.chars().filter(|c| *c != original) {
                let mut bad = line.to_string();
                bad.replace_range(pos..pos + 1, &replacement.to_string());
                let err = parse(&text.replacen(line, &bad, 1), "t")
                    .unwrap_err()
                    .to_string();
                assert!(err.contains("line 0017"), "{err}");
            }
            let next = line.as_bytes()[pos + 1] as char;
            if next != ' ' && next != original && pos + 1 < data_end {
                let mut swapped = line.to_string();
                swapped.replace_range(pos..pos + 2, &format!("{next}{original}"));
                let err = parse(&text.replacen(line, &swapped, 1), "t")
                    .unwrap_err()
                    .to_string();
                assert!(err.contains("line 0017"), "{err}");
            }
        }
    }

    #[test]
    fn a_dropped_line_is_caught() {
        let text = sample();
        let second = text.lines().nth(2).unwrap().to_string();
        let err = parse(&text.replacen(&format!("{second}\n"), "", 1), "t").unwrap_err();
        assert!(err.to_string().contains("missing or repeated"), "{err}");
    }

    #[test]
    fn a_line_cut_to_its_number_is_a_typo_not_a_panic() {
        // Found by replaying truncated fuzz seeds (fuzz/regressions/paper_text/).
        let err = parse("== KC1 1B92D170 K ==\n0001\n", "typed").unwrap_err();
        assert!(err.to_string().contains("typo on line 0001"), "{err}");
    }
}

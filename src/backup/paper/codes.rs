//! The text each QR code holds, and putting items back together from codes read in any order.
//!
//! A code is one line of ASCII in the QR alphanumeric character set (plus `=` padding):
//!
//! ```text
//! KC1 <SHEET> <ITEM> <PART>/<COUNT> <CHECK> <DATA>
//! KC1 7F3A9C2E E001 01/02 5D1C0A9B MFRGGZDFMZTWQ2LK...
//! ```
//!
//! `SHEET` is 8 hex digits naming the sheet; `ITEM` is `K` (the sheet key) or `E001`...;
//! `CHECK` is the first 4 bytes of SHA-256 over everything before it plus the data, in hex;
//! `DATA` is a piece of the item's RFC 4648 base32 text. Joining the pieces of an item in part
//! order and base32-decoding them gives a binary age file.

use crate::crypto;
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// First word of every code: format "KC", version 1.
pub const MAGIC: &str = "KC1";

/// Which item of a sheet a code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    /// The sheet key, encrypted to the passphrase or to recipients.
    Key,
    /// Entry number `n` (1-based), encrypted to the sheet key.
    Entry(u16),
}

impl Item {
    /// `K`, or `E` and three digits.
    pub fn tag(self) -> String {
        match self {
            Item::Key => "K".into(),
            Item::Entry(n) => format!("E{n:03}"),
        }
    }

    pub fn parse(tag: &str) -> Option<Item> {
        match tag {
            "K" => Some(Item::Key),
            _ => {
                let digits = tag.strip_prefix('E')?;
                (digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| digits.parse().ok())
                    .flatten()
                    .filter(|n| *n > 0)
                    .map(Item::Entry)
            }
        }
    }
}

/// One decoded QR code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub sheet: String,
    pub item: Item,
    pub part: u8,
    pub count: u8,
    pub data: String,
}

fn check(prefix: &str, data: &str) -> String {
    let digest = crypto::sha256(&[prefix.as_bytes(), data.as_bytes()]);
    digest[..4].iter().map(|b| format!("{b:02X}")).collect()
}

impl Code {
    /// The line the QR code holds.
    pub fn render(&self) -> String {
        let prefix = format!(
            "{MAGIC} {} {} {:02}/{:02} ",
            self.sheet,
            self.item.tag(),
            self.part,
            self.count
        );
        format!("{prefix}{} {}", check(&prefix, &self.data), self.data)
    }

    /// Parses a code's text; `Err` explains what is wrong with it.
    pub fn parse(text: &str) -> Result<Code, String> {
        let text = text.trim_end_matches(['\n', '\r']);
        let fields: Vec<&str> = text.split(' ').collect();
        let [magic, sheet, item, parts, sum, data] = fields[..] else {
            return Err("it is not a keycellar code (wrong number of fields)".into());
        };
        if magic != MAGIC {
            return Err(format!("it starts with {magic:?}, not {MAGIC}"));
        }
        let (part, count) = parts
            .split_once('/')
            .and_then(|(p, c)| Some((p.parse::<u8>().ok()?, c.parse::<u8>().ok()?)))
            .filter(|(p, c)| *p >= 1 && p <= c)
            .ok_or("its part number is malformed")?;
        let item = Item::parse(item).ok_or("its item tag is malformed")?;
        let prefix = format!("{magic} {sheet} {} {parts} ", item.tag());
        if check(&prefix, data) != sum {
            return Err("its check value does not match (damaged or mistyped)".into());
        }
        Ok(Code {
            sheet: sheet.to_string(),
            item,
            part,
            count,
            data: data.to_string(),
        })
    }
}

/// Splits an item's base32 text into codes of at most `max_data` characters each.
pub fn split(sheet: &str, item: Item, base32: &str, max_data: usize) -> Vec<Code> {
    let pieces: Vec<&[u8]> = base32.as_bytes().chunks(max_data.max(1)).collect();
    let count = pieces.len() as u8;
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| Code {
            sheet: sheet.to_string(),
            item,
            part: i as u8 + 1,
            count,
            data: String::from_utf8_lossy(piece).into_owned(),
        })
        .collect()
}

/// Codes gathered from scans, in any order, with duplicates dropped.
#[derive(Debug, Default)]
pub struct Collected {
    sheet: Option<String>,
    parts: BTreeMap<Item, (u8, BTreeMap<u8, String>)>,
    /// Codes that were read but refused, with the reason.
    pub refused: Vec<String>,
}

impl Collected {
    /// Adds one decoded code text. Codes of a second sheet are refused.
    pub fn add(&mut self, text: &str) {
        let code = match Code::parse(text) {
            Ok(code) => code,
            Err(why) => {
                self.refused.push(format!("a code was ignored: {why}"));
                return;
            }
        };
        match &self.sheet {
            Some(sheet) if *sheet != code.sheet => {
                self.refused.push(format!(
                    "a code of another sheet ({}) was ignored; this is sheet {sheet}",
                    code.sheet
                ));
                return;
            }
            None => self.sheet = Some(code.sheet.clone()),
            _ => {}
        }
        let (count, parts) = self
            .parts
            .entry(code.item)
            .or_insert_with(|| (code.count, BTreeMap::new()));
        if *count != code.count {
            self.refused.push(format!(
                "{} says {} parts here and {} elsewhere; ignored",
                code.item.tag(),
                code.count,
                count
            ));
            return;
        }
        parts.insert(code.part, code.data);
    }

    /// True when the sheet key was read and every item seen has all its parts. (Whether
    /// every entry was seen is only known once the key is decrypted.)
    pub fn complete(&self) -> bool {
        let entries_seen = self
            .parts
            .keys()
            .filter_map(|item| match item {
                Item::Entry(n) => Some(*n),
                Item::Key => None,
            })
            .collect::<Vec<_>>();
        let no_gaps = entries_seen
            .iter()
            .max()
            .is_none_or(|max| usize::from(*max) == entries_seen.len());
        no_gaps
            && self.parts.contains_key(&Item::Key)
            && self
                .parts
                .values()
                .all(|(count, parts)| parts.len() == usize::from(*count))
    }

    /// The items seen so far.
    pub fn items(&self) -> Vec<Item> {
        self.parts.keys().copied().collect()
    }

    /// The base32 text of an item, if every part of it was read.
    pub fn assemble(&self, item: Item) -> Result<String> {
        let Some((count, parts)) = self.parts.get(&item) else {
            return Err(Error::PaperUnreadable {
                problem: format!("no code of {} was read", item.tag()),
            });
        };
        let missing: Vec<String> = (1..=*count)
            .filter(|p| !parts.contains_key(p))
            .map(|p| format!("{p}/{count}"))
            .collect();
        if !missing.is_empty() {
            return Err(Error::PaperUnreadable {
                problem: format!(
                    "{} is incomplete: part(s) {} were not read; scan those codes again",
                    item.tag(),
                    missing.join(", ")
                ),
            });
        }
        Ok(parts.values().map(String::as_str).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_render_and_parse_back_and_catch_damage() {
        let codes = split("7F3A9C2E", Item::Entry(3), "MFRGGZDFMZTWQ2LK====", 8);
        assert_eq!(codes.len(), 3);
        let line = codes[1].render();
        assert!(line.starts_with("KC1 7F3A9C2E E003 02/03 "), "{line}");
        assert_eq!(Code::parse(&format!("{line}\n")).unwrap(), codes[1]);
        let typo = line.replacen("MZTW", "MZWT", 1);
        assert!(Code::parse(&typo).unwrap_err().contains("check value"));
        assert!(Code::parse("hello").is_err());
    }

    #[test]
    fn any_order_duplicates_and_foreign_sheets() {
        let codes = split("AAAAAAAA", Item::Key, "ABCDEFGHIJKLMNOP", 5);
        let foreign = split("BBBBBBBB", Item::Key, "ZZZZ", 5);
        let mut collected = Collected::default();
        for code in codes.iter().rev().chain(&codes[..1]).chain(&foreign) {
            collected.add(&code.render());
        }
        assert_eq!(collected.assemble(Item::Key).unwrap(), "ABCDEFGHIJKLMNOP");
        assert_eq!(collected.refused.len(), 1);
        assert!(collected.refused[0].contains("another sheet"));

        let mut partial = Collected::default();
        partial.add(&codes[0].render());
        assert!(!partial.complete());
        assert!(collected.complete());
        let err = partial.assemble(Item::Key).unwrap_err().to_string();
        assert!(err.contains("2/4, 3/4, 4/4"), "{err}");
    }
}

//! The text each QR code holds, and putting items back together from codes read in any order.
//!
//! A code is one line of ASCII in the QR alphanumeric character set:
//!
//! ```text
//! KC2 <SHEET> <ITEM> <PART>/<COUNT> <DATA>
//! KC2 7F3A9C2E E001 01/02 MFRGGZDFMZTWQ2LK...
//! ```
//!
//! The first word names the paper format: `KC2` is written, `KC1` (sheets printed before
//! it) is still read. `SHEET` is 8 hex digits naming the sheet; `ITEM` is `K` (the sheet
//! key), `M` (the details of every entry, format 2 only) or `E001`...; `DATA` is a piece of
//! the item's RFC 4648 base32 text without its `=` padding. Joining the pieces of an item
//! in part order, padding and base32-decoding them gives a binary age file, which
//! authenticates itself. Format 1 codes also carried `<CHECK>` before the data (the first
//! 4 bytes of SHA-256 over everything before it plus the data, in hex) and kept the
//! padding; format 2 leaves the check to the QR code's own error correction and to age.

use crate::crypto;
use crate::error::Result;
use super::notes::Ignored;
use crate::error::ItemProblem;
use super::text::{self, Candidates, Fix};
use std::collections::BTreeMap;

/// Paper format versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Sheets printed before format 2: full export documents per entry.
    V1,
    /// Compact entries and one block of details.
    V2,
}

impl Format {
    /// The first word of a code, and of a typed copy's sheet line.
    pub fn magic(self) -> &'static str {
        match self {
            Format::V1 => "KC1",
            Format::V2 => "KC2",
        }
    }

    fn from_magic(magic: &str) -> Option<Format> {
        [Format::V1, Format::V2]
            .into_iter()
            .find(|f| f.magic() == magic)
    }
}

/// The format keycellar prints.
pub const CURRENT: Format = Format::V2;

/// Which item of a sheet a code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    /// The sheet key, encrypted to the passphrase or to recipients.
    Key,
    /// Entry number `n` (1-based), encrypted to the sheet key.
    Entry(u16),
    /// The details of every entry (format 2), encrypted to the sheet key.
    Details,
    /// On a split sheet, instead of `K`: the split record (sheet, K, N, digest).
    Threshold,
    /// Share number `x` of a split sheet key (on its own page).
    Share(u8),
    /// Parity page `i` (from 1) of the codes, its parts two per slot, or of the typed
    /// copy's lines; `P0` is the map of the typed copy's lines (FORMAT.md 8.8).
    Parity(u8),
}

impl Item {
    /// `K`, `M`, `T`, `E` and three digits, `S` and two, or `P` and one.
    pub fn tag(self) -> String {
        match self {
            Item::Key => "K".into(),
            Item::Entry(n) => format!("E{n:03}"),
            Item::Details => "M".into(),
            Item::Threshold => "T".into(),
            Item::Share(x) => format!("S{x:02}"),
            Item::Parity(i) => format!("P{i}"),
        }
    }

    pub fn parse(tag: &str) -> Option<Item> {
        match tag {
            "K" => Some(Item::Key),
            "M" => Some(Item::Details),
            "T" => Some(Item::Threshold),
            _ => match tag.split_at_checked(1)? {
                ("S", digits) => tag_number(digits, 2)?.try_into().ok().map(Item::Share),
                ("E", digits) => tag_number(digits, 3).map(Item::Entry),
                ("P", digit) => tag_number(digit, 1)
                    .filter(|&i| (1..=super::parity::MAX_PARITY_PAGES).contains(&usize::from(i)))
                    .map(|i| Item::Parity(i as u8)),
                _ => None,
            },
        }
    }
}

/// Exactly `width` ASCII digits, as a number above zero.
fn tag_number(digits: &str, width: usize) -> Option<u16> {
    let all_digits = digits.len() == width && digits.bytes().all(|b| b.is_ascii_digit());
    all_digits
        .then(|| digits.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// One decoded QR code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub format: Format,
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
            "{} {} {} {:02}/{:02} ",
            self.format.magic(),
            self.sheet,
            self.item.tag(),
            self.part,
            self.count
        );
        match self.format {
            Format::V1 => format!("{prefix}{} {}", check(&prefix, &self.data), self.data),
            Format::V2 => format!("{prefix}{}", self.data),
        }
    }

    /// Parses a code's text; `Err` explains what is wrong with it.
    pub fn parse(text: &str) -> Result<Code, String> {
        let text = text.trim_end_matches(['\n', '\r']);
        let fields: Vec<&str> = text.split(' ').collect();
        let format = fields
            .first()
            .and_then(|magic| Format::from_magic(magic))
            .ok_or_else(|| {
                format!(
                    "it starts with {}, not KC1 or KC2",
                    crate::untrusted::quoted(fields.first().copied().unwrap_or_default())
                )
            })?;
        let (sheet, item, parts, data) = match (format, &fields[..]) {
            (Format::V1, [_, sheet, item, parts, sum, data]) => {
                let prefix = format!("{} {sheet} {item} {parts} ", format.magic());
                if check(&prefix, data) != *sum {
                    return Err("its check value does not match (damaged or mistyped)".into());
                }
                (sheet, item, parts, data)
            }
            (Format::V2, [_, sheet, item, parts, data]) => (sheet, item, parts, data),
            _ => return Err("it is not a keycellar code (wrong number of fields)".into()),
        };
        let (part, count) = parts
            .split_once('/')
            .and_then(|(p, c)| Some((p.parse::<u8>().ok()?, c.parse::<u8>().ok()?)))
            .filter(|(p, c)| *p >= 1 && p <= c)
            .ok_or("its part number is malformed")?;
        let item = Item::parse(item).ok_or("its item tag is malformed")?;
        let is_base32 = |b: u8| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b) || b == b'=';
        if sheet.len() != 8 || !sheet.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("its sheet number is malformed".into());
        }
        // A parity code's data is decimal (FORMAT.md 8.8), any other's base32.
        match item {
            Item::Parity(_) if data.bytes().all(|b| b.is_ascii_digit()) && !data.is_empty() => {}
            Item::Parity(_) => return Err("its data is not decimal".into()),
            _ if data.is_empty() || !data.bytes().all(is_base32) => {
                return Err("its data is not base32".into());
            }
            _ => {}
        }
        Ok(Code {
            format,
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
    // Without its padding, the text is all in QR's alphanumeric set, the densest mode; it
    // is put back on reading. Equal pieces: a code holds the same share of an item.
    let base32 = base32.trim_end_matches('=');
    let count = base32.len().div_ceil(max_data.max(1)).max(1);
    let max_data = base32.len().div_ceil(count).max(1);
    let pieces: Vec<&[u8]> = base32.as_bytes().chunks(max_data.max(1)).collect();
    let count = pieces.len() as u8;
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| Code {
            format: CURRENT,
            sheet: sheet.to_string(),
            item,
            part: i as u8 + 1,
            count,
            data: String::from_utf8_lossy(piece).into_owned(),
        })
        .collect()
}

/// Codes gathered from scans, in any order, with duplicates dropped. Should one part be
/// read with two different texts (a damaged code that decoded wrongly, or a forged one),
/// both are kept, and the one whose item authenticates wins.
#[derive(Debug, Default)]
pub struct Collected {
    sheet: Option<(Format, String)>,
    parts: BTreeMap<Item, (u8, BTreeMap<u8, Vec<String>>)>,
    /// Codes that were read but refused, with the reason.
    pub refused: Vec<Ignored>,
}

impl Collected {
    /// Adds one decoded code text. Codes of a second sheet are refused.
    pub fn add(&mut self, text: &str) {
        let code = match Code::parse(text) {
            Ok(code) => code,
            Err(why) => {
                self.refused.push(Ignored::NotACode(why));
                return;
            }
        };
        let is_share = matches!(code.item, Item::Share(_));
        match &self.sheet {
            // A share names its sheet inside; restore refuses one of another split by name.
            _ if is_share => {}
            Some((format, sheet)) if (*format, sheet) != (code.format, &code.sheet) => {
                self.refused.push(Ignored::OtherSheet {
                    format: code.format,
                    sheet: code.sheet,
                    this_format: *format,
                    this_sheet: sheet.clone(),
                });
                return;
            }
            None => self.sheet = Some((code.format, code.sheet.clone())),
            _ => {}
        }
        let (count, parts) = self
            .parts
            .entry(code.item)
            .or_insert_with(|| (code.count, BTreeMap::new()));
        if *count != code.count {
            self.refused.push(Ignored::PartCount {
                item: code.item,
                said: code.count,
                first: *count,
            });
            return;
        }
        let variants = parts.entry(code.part).or_default();
        if !variants.contains(&code.data) {
            variants.push(code.data);
        }
    }

    /// True when the sheet key was read and every item seen has all its parts. (Whether
    /// every entry was seen is only known once the key is decrypted.)
    pub fn complete(&self) -> bool {
        let entries_seen = self
            .parts
            .keys()
            .filter_map(|item| match item {
                Item::Entry(n) => Some(*n),
                _ => None,
            })
            .collect::<Vec<_>>();
        let no_gaps = entries_seen
            .iter()
            .max()
            .is_none_or(|max| usize::from(*max) == entries_seen.len());
        let has_key = self.parts.contains_key(&Item::Key)
            || self.parts.contains_key(&Item::Threshold);
        no_gaps
            && has_key
            && self
                .parts
                .iter()
                .filter(|(item, _)| !matches!(item, Item::Parity(_)))
                .all(|(_, (count, parts))| parts.len() == usize::from(*count))
    }

    /// The format of the sheet the codes belong to, once one was read.
    pub fn format(&self) -> Option<Format> {
        self.sheet.as_ref().map(|(format, _)| *format)
    }

    /// The items seen so far (parity pages are not items of the sheet).
    pub fn items(&self) -> Vec<Item> {
        let items = self.parts.keys().copied();
        items.filter(|i| !matches!(i, Item::Parity(_))).collect()
    }

    /// Each item seen (parity pages aside) with its count of parts.
    pub fn counts(&self) -> Vec<(Item, u8)> {
        let items = self.parts.iter().map(|(item, (count, _))| (*item, *count));
        items.filter(|(i, _)| !matches!(i, Item::Parity(_))).collect()
    }

    /// The item's count of parts and the text first read for one part, if it was read.
    pub fn part(&self, item: Item, part: u8) -> Option<(u8, &str)> {
        let (count, parts) = self.parts.get(&item)?;
        Some((*count, parts.get(&part)?.first()?.as_str()))
    }

    /// The sheet the codes belong to, once one was read.
    pub fn sheet(&self) -> Option<&str> {
        self.sheet.as_ref().map(|(_, sheet)| sheet.as_str())
    }

    /// The base32 texts an item may be, if every part of it was read: one, unless a part
    /// was read with different texts.
    pub fn assemble(&self, item: Item) -> std::result::Result<Candidates, ItemProblem> {
        let Some((count, parts)) = self.parts.get(&item) else {
            return Err(ItemProblem::NoCode { tag: item.tag() });
        };
        let missing: Vec<String> = (1..=*count)
            .filter(|p| !parts.contains_key(p))
            .map(|p| format!("{p}/{count}"))
            .collect();
        if !missing.is_empty() {
            let tag = item.tag();
            return Err(ItemProblem::PartsMissing { tag, missing });
        }
        let options: Vec<Vec<(String, Vec<Fix>)>> = parts
            .values()
            .map(|variants| variants.iter().map(|v| (v.clone(), Vec::new())).collect())
            .collect();
        // Codes are read from scans of at most 40 megapixels each; the texts of one item
        // are bounded like a typed copy's, item by item.
        let mut budget = text::MAX_CANDIDATE_CHARS;
        let Ok(joined) = text::combine(&options, &mut budget) else {
            let differing: Vec<String> = parts
                .iter()
                .filter(|(_, variants)| variants.len() > 1)
                .map(|(part, _)| format!("{part}/{count}"))
                .collect();
            return Err(ItemProblem::PartsDiffer {
                tag: item.tag(),
                parts: differing,
                combinations: text::MAX_COMBINATIONS,
            });
        };
        Ok(Candidates(
            joined
                .into_iter()
                .map(|(joined, fixes)| (text::padded(&joined), fixes))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests;

//! The parity pages of a sheet's codes (docs/FORMAT.md section 8.8): the codes `P1` ...
//! `P8`, one per slot of a page (more only when a slot's record does not fit one code),
//! each slot's record (`record`) holding the sheet's map (how many codes each item has, so
//! where every code is printed) and the slot's parity; and rebuilding the codes of lost
//! pages from them.
//!
//! A code's `DATA` goes into parity packed, five bits a character, and the record is
//! written in decimal, a QR numeric segment (3.3 bits a digit, against 5.5 bits a base32
//! character's 5): so a slot's record, map and all, fits one code as large as the largest
//! data code it covers, and a parity page takes as many printed pages as a page of codes.

mod record;

use super::codes::{CURRENT, Code, Collected, Item};
use super::notes::Ignored;
use super::parity::{self, Unrebuilt, unpack};
use record::{Record, from_decimal, parse_record, slot_text, to_decimal};
use std::collections::BTreeSet;

/// The header of a parity code's text, `KC2 7F3A9C2E P1 01/12 `: its length.
const HEADER_LEN: usize = 22;

/// The parity codes of a sheet whose data codes, in print order, are `codes`, printed
/// `per_page` to a page from page `first_page` on: `parity_pages` lists of codes, as many
/// for each slot of the first page as its record takes (the same for every slot: one,
/// unless a record is longer than a code holds).
pub fn encode(
    codes: &[Code],
    per_page: usize,
    first_page: u16,
    parity_pages: usize,
) -> Vec<Vec<Code>> {
    let pages: Vec<&[Code]> = codes.chunks(per_page.max(1)).collect();
    let Some(first) = pages.first() else {
        return vec![Vec::new(); parity_pages];
    };
    let slots = first.len();
    let head = record::head(codes, parity_pages, pages.len(), first_page);
    // Each slot's records, one per parity page, in decimal.
    let records: Vec<Vec<String>> = (0..slots)
        .map(|j| {
            let texts: Vec<Vec<u8>> = (pages.iter())
                .map(|page| page.get(j).map(|c| slot_text(&c.data)).unwrap_or_default())
                .collect();
            let texts: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
            (parity::encode(&texts, parity_pages).into_iter())
                .map(|block| to_decimal(&[head.as_slice(), &block].concat()))
                .collect()
        })
        .collect();
    // Each code's data starts with the digit that says how many codes a slot takes.
    let room = super::qr::max_digits(HEADER_LEN).saturating_sub(1).max(1);
    let longest = records.iter().flatten().map(String::len).max().unwrap_or(0);
    let per_slot = longest.div_ceil(room).clamp(1, MAX_CODES_PER_SLOT);
    let mut out = vec![Vec::with_capacity(per_slot * slots); parity_pages];
    for (j, slot) in records.iter().enumerate() {
        for (i, record) in slot.iter().enumerate() {
            let piece = record.len().div_ceil(per_slot).max(1);
            for (n, text) in record.as_bytes().chunks(piece).enumerate() {
                out[i].push(Code {
                    format: CURRENT,
                    sheet: first[0].sheet.clone(),
                    item: Item::Parity(i as u8 + 1),
                    part: (per_slot * j + n + 1) as u8,
                    count: (per_slot * slots) as u8,
                    data: format!("{per_slot}{}", String::from_utf8_lossy(text)),
                });
            }
        }
    }
    out
}

/// Most codes a slot's record is cut into: the digit each parity code starts with.
const MAX_CODES_PER_SLOT: usize = 9;

/// What rebuilding from parity pages did.
#[derive(Debug, Default)]
pub struct Rebuilt {
    /// The printed numbers of the pages whose codes were rebuilt.
    pub pages: BTreeSet<u16>,
    /// The typed lines rebuilt from parity lines, as runs (`E004 03 to E009 01`).
    pub lines: Vec<String>,
    /// When pages are missing that parity cannot make up for: how many more pages are
    /// needed (any of `missing`).
    pub need_more: Option<NeedMore>,
    /// Slots where the pages read did not fit together.
    pub problems: Vec<Ignored>,
    /// Whether a page that `need_more` names had some of its codes read: reading the
    /// scans again may then find the rest, where for pages not scanned at all it cannot.
    pub partly_read: bool,
}

/// How many more pages a restore needs, and which pages are missing (any will do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedMore {
    pub more: usize,
    /// Printed page numbers of missing data pages, then `parity page N` for parity pages.
    pub missing: Vec<String>,
}

/// Every parity record read whose map fits the codes read (a parity code damaged in its
/// map, or of another sheet, does not), as (slot from 1, parity page from 0, record).
fn records(collected: &Collected) -> Vec<(u8, usize, Record)> {
    let counts = collected.counts();
    let mut out = Vec::new();
    for i in 1..=parity::MAX_PARITY_PAGES as u8 {
        let Some((per_slot, slots)) = shape(collected, i) else {
            continue;
        };
        for slot in 1..=slots {
            match record_of(collected, i, slot, per_slot) {
                Some(record) if fits_codes(&record, &counts) => {
                    out.push((slot, usize::from(i) - 1, record));
                }
                _ => {}
            }
        }
    }
    out
}

/// Rebuilds the codes of lost pages from the parity codes read, and adds them to
/// `collected`. Codes still missing after this are named by `need_more` when parity could
/// have made up for them with more pages.
pub fn rebuild(collected: &mut Collected) -> Rebuilt {
    let mut rebuilt = Rebuilt::default();
    let records = records(collected);
    // The first record read tells the sheet's map; records whose head differs from it
    // belong elsewhere.
    let Some((_, _, reference)) = records.first() else {
        return rebuilt;
    };
    let mut need = Needed::default();
    for slot in 1..=reference.per_page as u8 {
        let blocks: Vec<Option<&[u8]>> = (0..reference.parity_pages)
            .map(|i| {
                let found = records
                    .iter()
                    .find(|(s, at, r)| (*s, *at) == (slot, i) && r.head == reference.head);
                found.map(|(_, _, r)| r.block.as_slice())
            })
            .collect();
        let texts = slot_texts(collected, reference, slot);
        let k = texts.len();
        need.read.extend((0..k).filter(|&d| texts[d].is_some()));
        need.read.extend(
            (0..blocks.len())
                .filter(|&i| blocks[i].is_some())
                .map(|i| k + i),
        );
        match rebuild_slot(collected, reference, slot, &texts, &blocks) {
            Ok(pages) => rebuilt.pages.extend(pages),
            Err(Unrebuilt::NeedMore { more, missing }) => need.add(reference, more, missing),
            Err(Unrebuilt::Inconsistent) => rebuilt.problems.push(Ignored::ParitySlot { slot }),
        }
    }
    rebuilt.partly_read = need.short.intersection(&need.read).next().is_some();
    rebuilt.need_more = (need.more > 0).then_some(NeedMore {
        more: need.more,
        missing: need.missing,
    });
    rebuilt
}

/// What the slots that could not be rebuilt need, gathered over the slots.
#[derive(Default)]
struct Needed {
    more: usize,
    /// The names of the pages missing, in the order first named.
    missing: Vec<String>,
    /// Pages (data pages from 0, then parity pages) some code of which was read, and those
    /// some code of which is missing where parity cannot make up for it.
    read: BTreeSet<usize>,
    short: BTreeSet<usize>,
}

impl Needed {
    fn add(&mut self, record: &Record, more: usize, missing: Vec<usize>) {
        self.more = self.more.max(more);
        self.short.extend(missing.iter().copied());
        for index in missing {
            let name = match index.checked_sub(record.data_pages) {
                None => format!("page {}", usize::from(record.first_page) + index),
                Some(i) => format!("parity page {}", i + 1),
            };
            if !self.missing.contains(&name) {
                self.missing.push(name);
            }
        }
    }
}

/// How parity page `i` (from 1) is cut, from the first of its codes read: codes a slot
/// (its data's first digit) and slots (its count over that).
fn shape(collected: &Collected, i: u8) -> Option<(u8, u8)> {
    let (count, data) = (1..=u8::MAX).find_map(|part| collected.part(Item::Parity(i), part))?;
    let per_slot = data.bytes().next().filter(u8::is_ascii_digit)? - b'0';
    let fits = per_slot >= 1 && count.is_multiple_of(per_slot);
    fits.then(|| (per_slot, count / per_slot))
}

/// The record of `slot` (from 1) on parity page `i` (from 1), if all its codes were read,
/// each says it is one of `per_slot`, and it is one.
fn record_of(collected: &Collected, i: u8, slot: u8, per_slot: u8) -> Option<Record> {
    let first = usize::from(per_slot) * (usize::from(slot) - 1) + 1;
    let mut text = String::new();
    let mut count = 0;
    for part in first..first + usize::from(per_slot) {
        let (c, piece) = collected.part(Item::Parity(i), u8::try_from(part).ok()?)?;
        let piece = piece.strip_prefix(char::from(b'0' + per_slot))?;
        (count, text) = (c, text + piece);
    }
    parse_record(&from_decimal(&text)?, count / per_slot)
}

/// Whether a record's map gives every item read the count it was read with.
fn fits_codes(record: &Record, counts: &[(Item, u8)]) -> bool {
    let mapped: std::collections::BTreeMap<Item, u8> = record
        .places
        .iter()
        .map(|&(item, _, count)| (item, count))
        .collect();
    let shares = |item: &Item| matches!(item, Item::Share(_));
    counts
        .iter()
        .filter(|(item, _)| !shares(item))
        .all(|(item, count)| mapped.get(item) == Some(count))
}

/// Each data page's text in `slot` (from 1): empty where the page has no code there, the
/// text of the code read, or `None` where that code was not read.
fn slot_texts(collected: &Collected, record: &Record, slot: u8) -> Vec<Option<Vec<u8>>> {
    (0..record.data_pages)
        .map(|d| {
            match record
                .places
                .get(d * record.per_page + usize::from(slot) - 1)
            {
                None => Some(Vec::new()),
                Some(&(item, part, _)) => {
                    collected.part(item, part).map(|(_, data)| slot_text(data))
                }
            }
        })
        .collect()
}

/// Rebuilds one slot: returns the printed numbers of the pages whose code was rebuilt.
fn rebuild_slot(
    collected: &mut Collected,
    record: &Record,
    slot: u8,
    texts: &[Option<Vec<u8>>],
    blocks: &[Option<&[u8]>],
) -> Result<Vec<u16>, Unrebuilt> {
    if texts.iter().all(Option::is_some) {
        return Ok(Vec::new());
    }
    let known: Vec<Option<&[u8]>> = texts.iter().map(|t| t.as_deref()).collect();
    let rebuilt = parity::rebuild(&known, blocks)?;
    let sheet = collected.sheet().unwrap_or_default().to_string();
    let mut codes = Vec::new();
    for (d, text) in texts.iter().enumerate() {
        let place = record
            .places
            .get(d * record.per_page + usize::from(slot) - 1);
        let (None, Some(&(item, part, count))) = (text, place) else {
            continue;
        };
        let (length, packed) = rebuilt[d]
            .split_first_chunk()
            .ok_or(Unrebuilt::Inconsistent)?;
        let chars = usize::from(u16::from_be_bytes(*length));
        let data = unpack(packed, chars).ok_or(Unrebuilt::Inconsistent)?;
        let code = Code {
            format: CURRENT,
            sheet: sheet.clone(),
            item,
            part,
            count,
            data,
        };
        codes.push((record.first_page + d as u16, code.render()));
    }
    // Added only once every lost code of the slot came back whole.
    for (_, code) in &codes {
        collected.add(code);
    }
    Ok(codes.into_iter().map(|(page, _)| page).collect())
}

#[cfg(test)]
#[path = "parity_pages/tests.rs"]
mod tests;

//! A parity code's record (docs/FORMAT.md section 8.8): the head every parity code of a
//! sheet carries (the record's version, the parity and data pages, the first data page's
//! number and the map of every code's place) and the slot's parity block; and a code's
//! text in its slot.

use super::super::codes::{Code, Item};
use super::super::parity::{self, pack};

/// The record's version byte: 2 since records are written in decimal, as many codes a slot
/// as it takes (version 1, base32 in two codes a slot, was never released).
pub const RECORD_VERSION: u8 = 2;
/// Digits of a group of 0 to 7 bytes in a record's decimal text: ceil(8r log10 2).
pub const GROUP_DIGITS: [usize; 8] = [0, 3, 5, 8, 10, 13, 15, 17];
/// Bytes of a record before its map: version, parity pages, data pages, first page (2).
pub const BEFORE_MAP: usize = 5;
/// Bytes of the map before its exceptions: key item, its count, entries (2), the details'
/// count, exceptions.
pub const MAP_HEAD: usize = 6;
/// Bytes of one exception: an entry number (2) and its count.
pub const EXCEPTION: usize = 3;

/// One code's place in print order: its item, part and count.
pub type Place = (Item, u8, u8);

/// How many codes each item of the sheet has: the key item (`K` or `T`), the entries
/// (those of other than one code listed), the details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Map {
    pub(super) key: (Item, u8),
    pub(super) entries: u16,
    pub(super) details: u8,
    pub(super) exceptions: Vec<(u16, u8)>,
}

impl Map {
    /// The map of a sheet whose codes, in print order, are `codes`.
    pub fn of(codes: &[Code]) -> Map {
        let count = |item: Item| codes.iter().find(|c| c.item == item).map_or(0, |c| c.count);
        let key = codes.first().map_or((Item::Key, 0), |c| (c.item, c.count));
        let entries = codes.iter().filter_map(|c| match c.item {
            Item::Entry(n) => Some(n),
            _ => None,
        });
        let entries = entries.max().unwrap_or(0);
        let exceptions = (1..=entries)
            .map(|n| (n, count(Item::Entry(n))))
            .filter(|&(_, c)| c != 1)
            .collect();
        Map {
            key,
            entries,
            details: count(Item::Details),
            exceptions,
        }
    }

    /// Every code's place, in print order.
    pub fn places(&self) -> Vec<Place> {
        let parts = |item: Item, count: u8| (1..=count).map(move |p| (item, p, count));
        let mut places: Vec<Place> = parts(self.key.0, self.key.1).collect();
        for n in 1..=self.entries {
            let count = self.exceptions.iter().find(|e| e.0 == n).map_or(1, |e| e.1);
            places.extend(parts(Item::Entry(n), count));
        }
        places.extend(parts(Item::Details, self.details));
        places
    }

    pub fn bytes(&self) -> Vec<u8> {
        let key_tag = self.key.0.tag().as_bytes()[0];
        let mut out = vec![key_tag, self.key.1];
        out.extend_from_slice(&self.entries.to_be_bytes());
        out.extend([self.details, self.exceptions.len() as u8]);
        for (n, count) in &self.exceptions {
            out.extend_from_slice(&n.to_be_bytes());
            out.push(*count);
        }
        out
    }
}

/// A slot's text for parity: the data's length in characters (2 bytes) and the data
/// packed.
pub fn slot_text(data: &str) -> Vec<u8> {
    [(data.len() as u16).to_be_bytes().as_slice(), &pack(data)].concat()
}

/// The head of every parity code of a sheet: the record's version, the parity pages, the
/// data pages, the first data page's printed number and the map of the sheet's `codes`.
pub fn head(codes: &[Code], parity_pages: usize, data_pages: usize, first_page: u16) -> Vec<u8> {
    let mut head = vec![RECORD_VERSION, parity_pages as u8, data_pages as u8];
    head.extend_from_slice(&first_page.to_be_bytes());
    head.extend(Map::of(codes).bytes());
    head
}

/// A parity code's record: the sheet's map and the slot's parity block.
pub struct Record {
    pub parity_pages: usize,
    pub data_pages: usize,
    /// Codes a data page holds: the slots of the first page.
    pub per_page: usize,
    pub first_page: u16,
    /// The head as bytes: every parity code of one sheet carries the same.
    pub head: Vec<u8>,
    pub places: Vec<Place>,
    pub block: Vec<u8>,
}

pub fn parse_map(bytes: &[u8]) -> Option<(Map, usize)> {
    let (&[key, key_count, hi, lo, details, exceptions], rest) = bytes.split_first_chunk()?;
    let key = Item::parse(std::str::from_utf8(&[key]).ok()?)?;
    let exceptions: Vec<(u16, u8)> = rest
        .get(..EXCEPTION * usize::from(exceptions))?
        .chunks(EXCEPTION)
        .map(|e| (u16::from_be_bytes([e[0], e[1]]), e[2]))
        .collect();
    let entries = u16::from_be_bytes([hi, lo]);
    let ordered = exceptions.windows(2).all(|w| w[0].0 < w[1].0);
    let fits = exceptions
        .iter()
        .all(|&(n, c)| (1..=entries).contains(&n) && c >= 1);
    let len = MAP_HEAD + EXCEPTION * exceptions.len();
    let map = Map {
        key: (key, key_count),
        entries,
        details,
        exceptions,
    };
    let valid = matches!(key, Item::Key | Item::Threshold) && ordered && fits && entries < 1000;
    valid.then_some((map, len))
}

/// A record's decimal text: its bytes in groups of seven (the last may be shorter), each a
/// big-endian number written in [`GROUP_DIGITS`] digits, leading zeros kept.
pub fn to_decimal(bytes: &[u8]) -> String {
    (bytes.chunks(7))
        .map(|group| {
            let value = group.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b));
            format!("{value:0width$}", width = GROUP_DIGITS[group.len()])
        })
        .collect()
}

/// The bytes of a record's decimal text, or `None` when it is not one: a group of a length
/// no group has, or a number too large for its bytes.
pub fn from_decimal(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len() * 7 / 17 + 7);
    for group in text.as_bytes().chunks(GROUP_DIGITS[7]) {
        let r = GROUP_DIGITS.iter().position(|&d| d == group.len())?;
        if r == 0 || !group.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value: u64 = std::str::from_utf8(group).ok()?.parse().ok()?;
        if value >> (8 * r) != 0 {
            return None;
        }
        bytes.extend_from_slice(&value.to_be_bytes()[8 - r..]);
    }
    Some(bytes)
}

/// A parity code's record, if it is one (`slots` being the slots of a page).
pub fn parse_record(bytes: &[u8], slots: u8) -> Option<Record> {
    let (&[version, parity_pages, data_pages, hi, lo], rest) = bytes.split_first_chunk()?;
    let (map, map_len) = parse_map(rest)?;
    let places = map.places();
    let (parity_pages, data_pages) = (usize::from(parity_pages), usize::from(data_pages));
    let fits = version == RECORD_VERSION
        && (1..=parity::MAX_PARITY_PAGES).contains(&parity_pages)
        && (1..=parity::MAX_DATA_PAGES).contains(&data_pages)
        && places.len().div_ceil(usize::from(slots)) == data_pages
        && rest.len() >= map_len + 2;
    fits.then(|| Record {
        parity_pages,
        data_pages,
        per_page: usize::from(slots),
        first_page: u16::from_be_bytes([hi, lo]),
        head: bytes[..BEFORE_MAP + map_len].to_vec(),
        places,
        block: rest[map_len..].to_vec(),
    })
}

//! The parity lines of the typed copy (docs/FORMAT.md section 8.8): for each parity page,
//! the map of the copy's lines (item `P0`) and one parity line per column (`P1` ...), typed
//! lines like any other, with their check values; and rebuilding the lines of lost pages
//! from them.
//!
//! The copy's data lines, in print order, are cut into rows of `stride` lines, `stride`
//! being at least the most data lines a printed page holds: a lost page then takes at most
//! one line from each column, and each column is an erasure code over the rows, character
//! by character in GF(2^5), so that a parity line is again 70 base32 characters.

use super::codes::Item;
use super::notes::Ignored;
use super::parity::{self, GF32, Unrebuilt};
use super::parity_pages::{NeedMore, Rebuilt};
use super::text::{self, ALPHABET, LINE_CHARS, Reading, TypedLine};
use std::collections::{BTreeMap, BTreeSet};

/// The map's version byte.
const MAP_VERSION: u8 = 1;
/// The item of the map's lines.
pub const MAP_ITEM: Item = Item::Parity(0);

/// Where parity puts every data line of a typed copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMap {
    pub parity_pages: usize,
    /// Data lines a row holds.
    pub stride: usize,
    /// Each item in print order (the key item, the entries, the details) with the length
    /// of its base32 text without padding.
    pub items: Vec<(Item, usize)>,
}

impl LineMap {
    fn bytes(&self) -> Vec<u8> {
        let key = self
            .items
            .first()
            .map_or(b'K', |(item, _)| item.tag().as_bytes()[0]);
        let entries = self.items.len().saturating_sub(2) as u16;
        let mut out = vec![MAP_VERSION, self.parity_pages as u8];
        out.extend_from_slice(&(self.stride as u16).to_be_bytes());
        out.push(key);
        out.extend_from_slice(&entries.to_be_bytes());
        for (_, len) in &self.items {
            out.extend_from_slice(&(*len as u16).to_be_bytes());
        }
        out
    }

    fn parse(bytes: &[u8]) -> Option<LineMap> {
        let (&[version, parity_pages, s1, s0, key, e1, e0], lengths) = bytes.split_first_chunk()?;
        let entries = u16::from_be_bytes([e1, e0]);
        let key = match key {
            b'K' => Item::Key,
            b'T' => Item::Threshold,
            _ => return None,
        };
        let stride = usize::from(u16::from_be_bytes([s1, s0]));
        let fits = version == MAP_VERSION
            && (1..=parity::MAX_PARITY_PAGES).contains(&usize::from(parity_pages))
            && stride > 0
            && entries < 1000
            && lengths.len() == 2 * (usize::from(entries) + 2);
        let items = std::iter::once(key)
            .chain((1..=entries).map(Item::Entry))
            .chain([Item::Details]);
        let lengths = lengths
            .chunks(2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])));
        fits.then(|| LineMap {
            parity_pages: usize::from(parity_pages),
            stride,
            items: items.zip(lengths).collect(),
        })
    }

    /// Every data line in print order: its item, number (from 1) and characters.
    fn lines(&self) -> Vec<(Item, usize, usize)> {
        let mut out = Vec::new();
        for &(item, len) in &self.items {
            for number in 1..=len.div_ceil(LINE_CHARS) {
                let chars = (len - (number - 1) * LINE_CHARS).min(LINE_CHARS);
                out.push((item, number, chars));
            }
        }
        out
    }
}

/// A line's text in parity: each character's value (`A` = 0 ... `7` = 31), filled out with
/// zeros (`A`) to 70.
fn line_block(data: &str) -> Vec<u8> {
    let value = |c: u8| ALPHABET.iter().position(|&a| a == c).unwrap_or(0) as u8;
    let mut block: Vec<u8> = data.bytes().map(value).collect();
    block.resize(LINE_CHARS, 0);
    block
}

/// Characters back from their values.
fn chars_of(values: &[u8]) -> String {
    values
        .iter()
        .map(|&v| char::from(ALPHABET[usize::from(v) % 32]))
        .collect()
}

/// The rows' length: at least `per_page` (the most data lines a printed page holds), and
/// enough that `lines` fit in the rows GF(2^5) has room for.
fn stride_for(per_page: usize, lines: usize) -> usize {
    per_page
        .max(lines.div_ceil(GF32.max_data_pages()))
        .clamp(1, lines.max(1))
}

/// The typed lines of each parity page of a sheet whose items, in print order, are
/// `items`: the map (`P0`), then that page's parity lines, with their headings and `END`
/// lines. `stride`: at least the most data lines a printed page of the copy holds.
pub fn render(items: &[(Item, &str)], parity_pages: usize, stride: usize) -> Vec<Vec<String>> {
    let blocks: Vec<Vec<u8>> = (items.iter())
        .flat_map(|(_, base32)| base32.trim_end_matches('=').as_bytes().chunks(LINE_CHARS))
        .map(|chunk| line_block(&String::from_utf8_lossy(chunk)))
        .collect();
    let stride = stride_for(stride, blocks.len());
    let map = LineMap {
        parity_pages,
        stride,
        items: (items.iter())
            .map(|(item, base32)| (*item, base32.trim_end_matches('=').len()))
            .collect(),
    };
    let rows = blocks.len().div_ceil(stride);
    let mut columns = vec![String::new(); parity_pages];
    for j in 0..stride {
        let column: Vec<&[u8]> = (0..rows)
            .map(|r| blocks.get(r * stride + j).map_or(&[][..], Vec::as_slice))
            .collect();
        let parity = parity::encode_blocks(GF32, &column, parity_pages);
        for (i, block) in parity.iter().enumerate() {
            columns[i].push_str(&chars_of(block));
        }
    }
    let map_text = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &map.bytes());
    (0..parity_pages)
        .map(|i| {
            let mut out = text::render(MAP_ITEM, &map_text, "map of the lines parity covers");
            out.push(String::new());
            let heading = format!("parity lines {} of {parity_pages}", i + 1);
            out.extend(text::render(
                Item::Parity(i as u8 + 1),
                &columns[i],
                &heading,
            ));
            out
        })
        .collect()
}

/// The lines read whose check value matches as typed: their data by item and number (the
/// first read, when a line was typed twice).
fn checked_lines(reading: &Reading) -> BTreeMap<(Item, usize), String> {
    let mut out = BTreeMap::new();
    for line in &reading.lines {
        let valid = line.data.bytes().all(|b| ALPHABET.contains(&b))
            && line.check.as_deref() == Some(&text::line_check(line.item, line.number, &line.data));
        if valid {
            out.entry((line.item, line.number))
                .or_insert_with(|| line.data.clone());
        }
    }
    out
}

/// The map, from its lines read (and checked against its `END` line when that was read).
fn read_map(reading: &Reading, checked: &BTreeMap<(Item, usize), String>) -> Option<LineMap> {
    let text: String = (1..)
        .map_while(|number| checked.get(&(MAP_ITEM, number)))
        .map(String::as_str)
        .collect();
    if let Some((_, check)) = reading.ends.get(&MAP_ITEM)
        && text::item_check(&text) != *check
    {
        return None;
    }
    let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &text)?;
    LineMap::parse(&bytes)
}

/// Whether the map fits the lines read: every data line names an item of the map and a
/// line it has, and every `END` line the count the map gives.
fn fits(map: &LineMap, reading: &Reading) -> bool {
    let counts: BTreeMap<Item, usize> = (map.items.iter())
        .map(|&(item, len)| (item, len.div_ceil(LINE_CHARS)))
        .collect();
    let data = |item: &Item| !matches!(item, Item::Parity(_) | Item::Share(_));
    let lines_fit = (reading.lines.iter())
        .filter(|l| data(&l.item))
        .all(|l| counts.get(&l.item).is_some_and(|&count| l.number <= count));
    let ends_fit = (reading.ends.iter())
        .filter(|(item, _)| data(item))
        .all(|(item, (count, _))| counts.get(item) == Some(count));
    lines_fit && ends_fit
}

/// A line's name as printed: `E004 03`.
fn name(item: Item, number: usize) -> String {
    format!("{} {number:02}", item.tag())
}

/// Runs of consecutive names, as `E004 03 to E009 01` (or one name).
fn runs(names: impl IntoIterator<Item = (usize, String)>) -> Vec<String> {
    let mut out: Vec<(usize, String, String)> = Vec::new();
    for (at, name) in names {
        match out.last_mut() {
            Some((last, _, end)) if *last + 1 == at => (*last, *end) = (at, name),
            _ => out.push((at, name.clone(), name)),
        }
    }
    let run = |(_, first, last): (usize, String, String)| match first == last {
        true => first,
        false => format!("{first} to {last}"),
    };
    out.into_iter().map(run).collect()
}

/// Rebuilds the data lines of lost pages from the parity lines read and adds them to
/// `reading`, as if typed; takes the parity lines out of it. Lines read whose check does
/// not match are left to mending: parity counts them as lost, and never replaces them.
pub fn rebuild(reading: &mut Reading) -> Rebuilt {
    let checked = checked_lines(reading);
    let present: BTreeSet<(Item, usize)> =
        reading.lines.iter().map(|l| (l.item, l.number)).collect();
    let map = read_map(reading, &checked).filter(|map| fits(map, reading));
    let parity_item = |item: &Item| matches!(item, Item::Parity(_));
    reading.lines.retain(|l| !parity_item(&l.item));
    reading.ends.retain(|item, _| !parity_item(item));
    reading.headings.retain(|item, _| !parity_item(item));
    let mut rebuilt = Rebuilt::default();
    let Some(map) = map else {
        return rebuilt;
    };
    // Items whose END line was lost still have their line count.
    reading.counts = (map.items.iter())
        .map(|&(item, len)| (item, len.div_ceil(LINE_CHARS)))
        .collect();
    let lines = map.lines();
    if lines.len().div_ceil(map.stride) > GF32.max_data_pages() {
        return rebuilt;
    }
    let (mut more, mut added) = (0, Vec::new());
    for j in 0..map.stride {
        match rebuild_column(&map, &lines, j, &checked) {
            Ok(texts) => added.extend(texts),
            Err(Unrebuilt::NeedMore { more: m, .. }) => more = more.max(m),
            Err(Unrebuilt::Inconsistent) => {
                (rebuilt.problems).push(Ignored::ParityColumn { column: j + 1 })
            }
        }
    }
    added.retain(|(q, _)| !present.contains(&(lines[*q].0, lines[*q].1)));
    added.sort_by_key(|(q, _)| *q);
    for (q, data) in &added {
        let (item, number, _) = lines[*q];
        let check = Some(text::line_check(item, number, data));
        let data = data.clone();
        reading.lines.push(TypedLine {
            item,
            number,
            data,
            check,
        });
    }
    let names = added
        .iter()
        .map(|(q, _)| (*q, name(lines[*q].0, lines[*q].1)));
    rebuilt.lines = runs(names);
    if more > 0 {
        let absent = (0..lines.len())
            .filter(|&q| !present.contains(&(lines[q].0, lines[q].1)))
            .map(|q| (q, name(lines[q].0, lines[q].1)));
        let mut missing: Vec<String> = runs(absent).iter().map(|r| format!("lines {r}")).collect();
        for i in 1..=map.parity_pages as u8 {
            let absent = (1..=map.stride)
                .filter(|&n| !present.contains(&(Item::Parity(i), n)))
                .map(|n| (n, name(Item::Parity(i), n)));
            missing.extend(runs(absent).iter().map(|r| format!("parity lines {r}")));
        }
        rebuilt.need_more = Some(NeedMore { more, missing });
    }
    rebuilt
}

/// Rebuilds column `j` (from 0): the data lines lost in it (by their place in `lines`)
/// with their text.
fn rebuild_column(
    map: &LineMap,
    lines: &[(Item, usize, usize)],
    j: usize,
    checked: &BTreeMap<(Item, usize), String>,
) -> Result<Vec<(usize, String)>, Unrebuilt> {
    let rows = lines.len().div_ceil(map.stride);
    let places: Vec<usize> = (0..rows).map(|r| r * map.stride + j).collect();
    let data: Vec<Option<Vec<u8>>> = (places.iter())
        .map(|&q| match lines.get(q) {
            None => Some(Vec::new()),
            Some(&(item, number, chars)) => (checked.get(&(item, number)))
                .filter(|data| data.len() == chars)
                .map(|data| line_block(data)),
        })
        .collect();
    let parity: Vec<Option<Vec<u8>>> = (1..=map.parity_pages as u8)
        .map(|i| {
            let line = checked.get(&(Item::Parity(i), j + 1));
            line.filter(|data| data.len() == LINE_CHARS)
                .map(|data| line_block(data))
        })
        .collect();
    let data_refs: Vec<Option<&[u8]>> = data.iter().map(|b| b.as_deref()).collect();
    let parity_refs: Vec<Option<&[u8]>> = parity.iter().map(|b| b.as_deref()).collect();
    let blocks = parity::rebuild_blocks(GF32, &data_refs, &parity_refs)?;
    let mut out = Vec::new();
    for (r, &q) in places.iter().enumerate() {
        let (Some(&(_, _, chars)), None) = (lines.get(q), &data[r]) else {
            continue;
        };
        // The characters past the line's end must be the filling zeros.
        let (text, filling) = blocks[r].split_at(chars);
        if filling.iter().any(|&v| v != 0) {
            return Err(Unrebuilt::Inconsistent);
        }
        out.push((q, chars_of(text)));
    }
    Ok(out)
}

#[cfg(test)]
#[path = "parity_lines/tests.rs"]
mod tests;

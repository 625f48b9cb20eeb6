//! Paper backups: a PDF with QR codes and a checked, typeable copy of every code, and
//! restoring from scans or typed text. docs/FORMAT.md section 8 specifies the sheet.
//!
//! - [`sheet`]: what is encrypted, and how (a random age key per sheet; one item per entry,
//!   one for the details of all), and getting entries back; [`blocks`]: the items'
//!   plaintexts.
//! - `codes`: the line each QR code holds, and reassembly from codes in any order;
//!   [`notes`]: what reading and restoring tell besides entries (codes set aside, pages
//!   rebuilt, lines mended), for a front end to say.
//! - [`text`]: the typed copy with per-line checks, its tolerant reader and the mending of
//!   typing mistakes; [`text_v1`]: typed copies of format 1.
//! - [`shares`]: k-of-n shares of a sheet key, and combining them with every check.
//! - [`qr`]: QR encoding (version cap, self-check) and loading scans; [`detect`]: finding
//!   every code of a page at any angle, and other views of a scan to read it again in.
//! - [`parity`]: the erasure code over page slots that rebuilds lost pages (FORMAT.md 8.8);
//!   [`parity_pages`]: the parity codes; [`parity_lines`]: the typed copy's parity lines.
//! - [`layout`]: what goes on the pages (`cover.txt` is the first page's text); [`pdf`]:
//!   drawing them.

pub mod blocks;
internal_mod!(codes);
pub mod detect;
pub mod layout;
pub mod notes;
pub mod parity;
pub mod parity_lines;
pub mod parity_pages;
pub mod pdf;
pub mod qr;
pub mod shares;
pub mod sheet;
pub mod text;
pub mod text_v1;

pub use layout::{Printed, render};

use crate::error::{Error, Result};
use crate::error::{InputError, ItemProblem, PaperError, Unreadable};
use crate::source::read_file_bounded;
use codes::{Format, Item};
use notes::{Ignored, Note};
use std::collections::BTreeMap;
use std::path::PathBuf;
use text::Candidates;

/// A sheet as read from scans or typed text.
#[derive(Debug)]
pub struct ReadSheet {
    pub format: Format,
    /// Each item's candidate texts, or every problem that kept it from being read.
    pub items: BTreeMap<Item, std::result::Result<Candidates, Vec<ItemProblem>>>,
    /// The labels a typed copy's headings give its items, for messages.
    pub labels: BTreeMap<Item, String>,
    /// What the parity pages rebuilt, or how many more pages they need (FORMAT.md 8.8).
    pub parity: parity_pages::Rebuilt,
}

/// Where a sheet is read from.
#[derive(Clone, Copy, Debug)]
pub enum SheetSource<'a> {
    /// Scans of its pages (and of its shares' pages), in any order.
    Scans(&'a [PathBuf]),
    /// Typed copies (a data sheet's and its shares'), read as one.
    Typed(&'a [PathBuf]),
}

/// A sheet as read, the name messages give it, and what reading went on without.
#[derive(Debug)]
pub struct SheetRead {
    pub sheet: ReadSheet,
    pub name: String,
    pub ignored: Vec<Ignored>,
}

impl SheetRead {
    /// What a front end says once the sheet is read, before it is restored (so also when
    /// the restore then fails): what was set aside, and what parity rebuilt.
    pub fn notes(&self) -> Vec<Note> {
        let mut notes: Vec<Note> = self.ignored.iter().cloned().map(Note::Ignored).collect();
        let parity = &self.sheet.parity;
        if !parity.pages.is_empty() {
            notes.push(Note::PagesRebuilt(parity.pages.iter().copied().collect()));
        }
        if !parity.lines.is_empty() {
            notes.push(Note::LinesRebuilt(parity.lines.clone()));
        }
        notes
    }
}

/// Reads a sheet from `source`: scans ([`read_scans`], `progress` told which is being
/// read) or typed copies, each at most [`text::MAX_TYPED_FILE_LEN`] bytes ([`read_typed`]).
pub fn read_sheet(source: SheetSource, progress: &dyn Fn(String)) -> Result<SheetRead> {
    let name = |paths: &[PathBuf], many: &str| match paths {
        [one] => one.display().to_string(),
        _ => format!("{} {many}", paths.len()),
    };
    match source {
        SheetSource::Typed(files) => {
            let name = name(files, "typed files");
            // The bound is on all the files together: one file given many times is no
            // larger a copy to read.
            let mut content = String::new();
            for path in files {
                let left = text::MAX_TYPED_FILE_LEN.saturating_sub(content.len() as u64);
                let bytes = read_file_bounded(path, "typed text", left).map_err(|e| match e {
                    Error::Input(InputError::InputTooLarge { what, .. }) => {
                        let (source_name, limit) = (name.clone(), text::MAX_TYPED_FILE_LEN);
                        Error::Input(InputError::InputTooLarge {
                            what,
                            source_name,
                            limit,
                        })
                    }
                    other => other,
                })?;
                push_typed(&mut content, bytes);
                content.push('\n');
            }
            let sheet = read_typed(&content, &name)?;
            // Parity columns whose lines did not fit are told, as a scan's slots are.
            let ignored = sheet.parity.problems.clone();
            Ok(SheetRead {
                sheet,
                name,
                ignored,
            })
        }
        SheetSource::Scans(scans) => {
            let (sheet, ignored) = read_scans(scans, progress)?;
            Ok(SheetRead {
                sheet,
                name: name(scans, "scans"),
                ignored,
            })
        }
    }
}

/// Adds a typed file's text to `content`: as it is when it is UTF-8; else each byte that is
/// not ASCII read as `?`. A sheet's lines are ASCII, and a replacement character for each
/// bad byte would triple a hostile file's size (16 MiB of them were 48 MiB of text).
fn push_typed(content: &mut String, bytes: Vec<u8>) {
    match String::from_utf8(bytes) {
        Ok(text) => content.push_str(&text),
        Err(not_utf8) => {
            let ascii = |byte: &u8| {
                if byte.is_ascii() {
                    char::from(*byte)
                } else {
                    '?'
                }
            };
            content.extend(not_utf8.as_bytes().iter().map(ascii));
        }
    }
}

/// One text, exactly as read from codes.
fn exact(text: String) -> Candidates {
    Candidates(vec![(text, Vec::new())])
}

/// A typed copy: format 1 (`== KC1` lines) or format 2, read as tolerantly as each allows.
pub fn read_typed(content: &str, name: &str) -> Result<ReadSheet> {
    if content.contains("== KC1 ") {
        let typed = text_v1::parse(content, name)?;
        return Ok(ReadSheet {
            format: Format::V1,
            items: typed
                .items
                .into_iter()
                .map(|(item, text)| (item, Ok(exact(text))))
                .collect(),
            labels: BTreeMap::new(),
            parity: parity_pages::Rebuilt::default(),
        });
    }
    let unreadable = |why| Error::Paper(PaperError::PaperUnreadable { why: Box::new(why) });
    let name = name.to_string();
    let Some(mut reading) = text::read(content) else {
        let most = text::MAX_TYPED_LINES;
        return Err(unreadable(Unreadable::TooManyLines { name, most }));
    };
    let parity = parity_lines::rebuild(&mut reading);
    if reading.lines.is_empty() {
        return Err(unreadable(Unreadable::NoTypedLine { name }));
    }
    Ok(ReadSheet {
        format: Format::V2,
        items: text::assemble(&reading),
        labels: reading.headings.clone(),
        parity,
    })
}

/// A sheet read from scans: every code found, reassembled; items with parts missing carry
/// the problem that says which. When something is missing, the scans are read again in
/// other views (smoothed, resized, sharpened) before giving up. Also returns the codes
/// that were refused, and why. `progress` is told which scan is being read.
pub fn read_scans(
    scans: &[PathBuf],
    progress: &dyn Fn(String),
) -> Result<(ReadSheet, Vec<Ignored>)> {
    let mut collected = codes::Collected::default();
    for (n, scan) in scans.iter().enumerate() {
        progress(format!(
            "Reading the codes in {} ({} of {})",
            scan.display(),
            n + 1,
            scans.len()
        ));
        for text in qr::read(&qr::load(scan)?) {
            collected.add(&text);
        }
    }
    let mut parity = parity_pages::Rebuilt::default();
    'retry: for (n, scan) in scans.iter().enumerate() {
        if settled(&mut collected, &mut parity) {
            break;
        }
        let image = qr::load(scan)?;
        let (width, height) = image.dimensions();
        for view in detect::retry_views(width, height, qr::MAX_IMAGE_PIXELS) {
            progress(format!(
                "Codes are missing: reading {} again, {} ({} of {})",
                scan.display(),
                view.describe(),
                n + 1,
                scans.len()
            ));
            for text in qr::read(&view.of(&image)) {
                collected.add(&text);
            }
            if settled(&mut collected, &mut parity) {
                break 'retry;
            }
        }
    }
    settled(&mut collected, &mut parity);
    Ok(finish(collected, parity))
}

/// A sheet from the texts of codes already read (each page's, say), with what its parity
/// pages rebuild; and the codes refused, and why. [`read_scans`] without the scans.
pub fn read_codes<'a>(texts: impl IntoIterator<Item = &'a str>) -> (ReadSheet, Vec<Ignored>) {
    let mut collected = codes::Collected::default();
    for text in texts {
        collected.add(text);
    }
    let mut parity = parity_pages::Rebuilt::default();
    settled(&mut collected, &mut parity);
    finish(collected, parity)
}

/// The sheet the codes collected make, and the codes refused.
fn finish(
    mut collected: codes::Collected,
    parity: parity_pages::Rebuilt,
) -> (ReadSheet, Vec<Ignored>) {
    collected.refused.extend(parity.problems.iter().cloned());
    let items = collected
        .items()
        .into_iter()
        .map(|item| {
            let read = collected.assemble(item);
            (item, read.map_err(|problem| vec![problem]))
        })
        .collect();
    let format = collected.format().unwrap_or(codes::CURRENT);
    // In the order of their words, each once, as they are told.
    let mut refused = collected.refused;
    refused.sort_by_cached_key(Ignored::to_string);
    refused.dedup();
    let sheet = ReadSheet {
        format,
        items,
        labels: BTreeMap::new(),
        parity,
    };
    (sheet, refused)
}

/// Whether reading the scans again cannot change the outcome: every code is there, once
/// the parity pages read rebuilt what they can, or pages are missing whole. Keeps
/// what they rebuilt, and what they last said was needed, in `parity`. Parity is asked
/// even when the codes look complete: only its maps know of an item none of whose codes
/// was read.
fn settled(collected: &mut codes::Collected, parity: &mut parity_pages::Rebuilt) -> bool {
    let now = parity_pages::rebuild(collected);
    parity.pages.extend(now.pages);
    parity.need_more = now.need_more;
    parity.problems = now.problems;
    parity.partly_read = now.partly_read;
    // Pages parity needs and none of whose codes was read were not scanned: reading the
    // scans again cannot bring them.
    let unscanned_only = parity.need_more.is_some() && !parity.partly_read;
    unscanned_only || (collected.complete() && parity.need_more.is_none())
}

//! What reading and restoring a sheet tell besides its entries ([`Note`]): what reading
//! set aside and went on without ([`Ignored`]: codes refused, parity slots whose pages did
//! not fit together), what parity rebuilt, typed lines mended, shares set aside, a details
//! block not read. A front end says each; what a note costs (an item not read) is said by
//! the restore's problems.

use super::codes::{Format, Item};
use super::text::Fix;
use crate::error::{SetAside, Unread};
use crate::wording::noun;
use std::fmt;

/// Something a front end tells about a sheet it read or restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A code or a parity slot reading went on without.
    Ignored(Ignored),
    /// The codes of these pages (their printed numbers) were rebuilt from the parity pages.
    PagesRebuilt(Vec<u16>),
    /// These runs of typed lines (`E004 03 to E009 01`) were rebuilt from the parity lines.
    LinesRebuilt(Vec<String>),
    /// A typed line was corrected to fit its check, and its item authenticated.
    Mended(Fix),
    /// A share read was not used.
    SetAside(SetAside),
    /// The details block was not read: entries come back with their credentials only.
    DetailsMissing(Unread),
}

impl Note {
    /// Whether the note warns (something was lost, set aside or changed), rather than only
    /// saying what parity did (which a document of the repairs also carries).
    pub fn is_warning(&self) -> bool {
        !matches!(self, Note::PagesRebuilt(_) | Note::LinesRebuilt(_))
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Ignored(ignored) => ignored.fmt(f),
            Note::PagesRebuilt(pages) => {
                let numbers: Vec<String> = pages.iter().map(u16::to_string).collect();
                write!(
                    f,
                    "Rebuilt the codes of {} {} from the parity pages",
                    noun(pages.len(), "page", "pages"),
                    numbers.join(", ")
                )
            }
            Note::LinesRebuilt(runs) => write!(
                f,
                "Rebuilt typed lines {} from the parity lines",
                runs.join(", ")
            ),
            Note::Mended(fix) => write!(f, "mended {}", fix.describe()),
            Note::SetAside(set_aside) => set_aside.fmt(f),
            Note::DetailsMissing(why) => write!(
                f,
                "the details block M was not read ({why}); entries come back without their \
                 permissions, allow-lists, notes, dates and history"
            ),
        }
    }
}

/// A code, or a parity slot, that reading went on without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// A code whose text is not one keycellar prints (the reader's words).
    NotACode(String),
    /// A code of another sheet than the first code read.
    OtherSheet {
        format: Format,
        sheet: String,
        this_format: Format,
        this_sheet: String,
    },
    /// A code of `item` that says it has `said` parts, where others said `first`.
    PartCount { item: Item, said: u8, first: u8 },
    /// The codes read in parity slot `slot` do not fit its parity codes.
    ParitySlot { slot: u8 },
    /// The typed lines read in parity column `column` (from 1) do not fit its parity lines.
    ParityColumn { column: usize },
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ignored::NotACode(why) => write!(f, "a code was ignored: {why}"),
            Ignored::OtherSheet {
                format,
                sheet,
                this_format,
                this_sheet,
            } => write!(
                f,
                "a code of another sheet ({} {sheet}) was ignored; this is sheet {} \
                 {this_sheet}",
                format.magic(),
                this_format.magic()
            ),
            Ignored::PartCount { item, said, first } => write!(
                f,
                "{} says {said} parts here and {first} elsewhere; ignored",
                item.tag()
            ),
            Ignored::ParitySlot { slot } => write!(
                f,
                "the codes read in slot {slot} of the pages do not fit their parity codes (a \
                 page of another sheet, or a misread code); nothing was rebuilt there"
            ),
            Ignored::ParityColumn { column } => write!(
                f,
                "the typed lines read in column {column} do not fit their parity lines (a line \
                 of another sheet, or a mistyped one that still fits its check); nothing was \
                 rebuilt there"
            ),
        }
    }
}

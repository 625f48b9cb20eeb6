//! What reading scans set aside and went on without: codes refused, and parity slots whose
//! pages did not fit together. Each is a warning; what it costs (an item not read) is said
//! by the restore.

use super::codes::{Format, Item};
use std::fmt;

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

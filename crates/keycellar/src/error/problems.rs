//! Problems the parsers report without a file name (a JSON document refused, a file that is
//! not age, a decrypted backup that is not an export); the caller that knows the file
//! wraps them once, in an [`crate::Error`] that names it. They live here, with the errors
//! that carry them, so that the errors depend on no layer above.

use crate::untrusted::quoted;
use std::fmt;

/// Why a JSON document was refused; never quotes a secret field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// The value at `path` does not fit the schema (or the text is not JSON there).
    BadValue {
        path: String,
        line: usize,
        column: usize,
        /// The parser's explanation, left out for secret fields.
        detail: Option<String>,
    },
    /// Something follows the document.
    TrailingText,
    /// More entries than one document may add.
    TooManyEntries { count: usize, limit: usize },
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonProblem::BadValue {
                path,
                line,
                column,
                detail,
            } => {
                write!(f, "bad value at `{path}` (line {line}, column {column})")?;
                match detail {
                    Some(detail) => write!(f, ": {detail}"),
                    None => Ok(()),
                }
            }
            JsonProblem::TrailingText => f.write_str("unexpected text after the JSON"),
            JsonProblem::TooManyEntries { count, limit } => write!(
                f,
                "it holds {count} entries; keycellar adds at most {limit} at once"
            ),
        }
    }
}

/// What a file that is not an age file is, as far as its first bytes tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotAge {
    #[error("it is empty")]
    Empty,
    #[error("it is a PDF")]
    Pdf,
    #[error("it is an image (PNG or JPEG)")]
    Image,
    #[error("it is a keycellar vault")]
    Vault,
    #[error("it is JSON text, not encrypted")]
    Json,
    #[error("it is plain text")]
    Text,
    #[error("its first bytes are neither an age header nor age's armor")]
    Binary,
}

/// Why a decrypted backup is not an export document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotExport {
    #[error("the decrypted content is not UTF-8 text")]
    NotUtf8,
    #[error("the decrypted content is not a JSON object")]
    NotJson,
    #[error("not a keycellar export (no \"keycellar_export\" field; see docs/FORMAT.md)")]
    NoVersionField,
}

/// A fingerprint a backup records that its keys do not give: the backup was altered, or
/// damaged in a way its authentication did not catch. Fingerprints are as printed
/// (`XXXX-XXXX-XXXX-XXXX`); a recorded one that does not parse is quoted as found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Altered {
    #[error("{}: the backup records {recorded} but its key gives {actual}", quoted(.label))]
    Entry {
        label: String,
        recorded: String,
        actual: String,
    },
    #[error(
        "the backup records entries fingerprint {} but its entries give {actual}",
        quoted(.recorded)
    )]
    Entries { recorded: String, actual: String },
}

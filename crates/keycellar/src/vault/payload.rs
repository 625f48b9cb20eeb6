//! The payload document sealed inside a vault file (docs/FORMAT.md section 2): its
//! versions, its shape, and decoding it with errors that name a newer vault as newer.

use crate::clock::Timestamp;
use crate::credential::entry::Entry;
use super::format::FormatError;
use crate::vault::backup_log::BackupRecord;
use serde::{Deserialize, Serialize};

/// Version of the JSON document this code writes inside the payload.
pub const PAYLOAD_SCHEMA: u32 = 2;
/// Oldest payload version this code reads (1 had no backup records).
pub const OLDEST_PAYLOAD_SCHEMA: u32 = 1;

/// The decrypted payload: everything the vault holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contents {
    pub(crate) schema: u32,
    /// When the vault was created.
    pub(crate) created_at: Timestamp,
    pub(crate) entries: Vec<Entry>,
    /// Exports and prints made of this vault (schema 2 and later).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) backups: Vec<BackupRecord>,
}

/// Decodes a decrypted payload document (docs/FORMAT.md section 2).
pub fn decode_contents(plaintext: &[u8]) -> Result<Contents, FormatError> {
    let unsupported = |found: u32| FormatError::UnsupportedSchema {
        found,
        supported: PAYLOAD_SCHEMA,
    };
    let supported = |schema: u32| (OLDEST_PAYLOAD_SCHEMA..=PAYLOAD_SCHEMA).contains(&schema);
    // One pass in the common case; only a document that fails to decode is read a second
    // time, for its schema number, so that a newer vault is named as newer, not as damaged.
    match serde_json::from_slice::<Contents>(plaintext) {
        Ok(contents) if supported(contents.schema) => Ok(contents),
        Ok(contents) => Err(unsupported(contents.schema)),
        Err(error) => {
            #[derive(Deserialize)]
            struct SchemaProbe {
                schema: u32,
            }
            match serde_json::from_slice::<SchemaProbe>(plaintext) {
                Ok(probe) if !supported(probe.schema) => Err(unsupported(probe.schema)),
                Ok(_) => Err(FormatError::DamagedPayload(format!(
                    "holds an entry this version cannot read (line {}, column {})",
                    error.line(),
                    error.column()
                ))),
                Err(e) => Err(FormatError::DamagedPayload(format!(
                    "is not a keycellar document (line {})",
                    e.line()
                ))),
            }
        }
    }
}

//! The payload document sealed inside a vault file (docs/FORMAT.md section 2): its
//! versions, its shape, and decoding it with errors that name a newer vault as newer.

use crate::clock::Timestamp;
use crate::credential::entry::Entry;
use super::format::FormatError;
use crate::vault::backup_log::BackupRecord;
use serde::{Deserialize, Serialize};

/// Newest version of the JSON document inside the payload that this code reads and writes:
/// 3, whose entries may hold an authenticator seed (`otp_seed`).
pub const PAYLOAD_SCHEMA: u32 = 3;
/// The version written when no entry holds an authenticator seed, so that a vault without
/// one stays readable by the keycellar before schema 3.
pub const BASE_PAYLOAD_SCHEMA: u32 = 2;
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

/// The document as it is written: `contents` in the schema its entries need (3 when one
/// holds an authenticator seed; else the schema it has: [`BASE_PAYLOAD_SCHEMA`] once
/// changed, as read before, so that a vault only read keeps its state code).
#[derive(Serialize)]
pub(crate) struct Written<'a> {
    schema: u32,
    created_at: &'a Timestamp,
    entries: &'a [Entry],
    #[serde(skip_serializing_if = "<[BackupRecord]>::is_empty")]
    backups: &'a [BackupRecord],
}

impl<'a> Written<'a> {
    pub(crate) fn of(contents: &'a Contents) -> Written<'a> {
        let needs_seed = contents.entries.iter().any(|e| e.otp_seed().is_some());
        Written {
            schema: match needs_seed {
                true => PAYLOAD_SCHEMA,
                false => contents.schema.min(BASE_PAYLOAD_SCHEMA),
            },
            created_at: &contents.created_at,
            entries: &contents.entries,
            backups: &contents.backups,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::entry::sample;
    use crate::credential::exchange::Exchange;
    use crate::secret::Secret;

    fn schema_written(contents: &Contents) -> u64 {
        let value = serde_json::to_value(Written::of(contents)).unwrap();
        value["schema"].as_u64().unwrap()
    }

    /// Schema 3 only for a vault that needs it: one without a seed stays readable by the
    /// keycellar before seeds, and one only read keeps its number (and state code).
    #[test]
    fn schema_3_is_written_only_for_an_authenticator_seed() {
        let entry = sample("grid", Exchange::Kraken, "KEY", "SECRET");
        let mut contents = Contents {
            schema: BASE_PAYLOAD_SCHEMA,
            created_at: Timestamp::now(),
            entries: vec![entry],
            backups: Vec::new(),
        };
        assert_eq!(schema_written(&contents), 2);
        contents.schema = 1;
        assert_eq!(schema_written(&contents), 1);
        contents.entries[0].otp_seed = Some(Secret::new("GEZDGNBVGY3TQOJQ".into()));
        assert_eq!(schema_written(&contents), 3);
        let document = serde_json::to_vec(&Written::of(&contents)).unwrap();
        let read = decode_contents(&document).unwrap();
        assert_eq!(read.schema, 3);
        assert!(read.entries[0].otp_seed().is_some());
    }
}

//! The export document: the versioned JSON that an age-encrypted backup holds, how it is
//! built from a vault, and how a decrypted one (ours, or hand-written) is read back with
//! every fingerprint recomputed. Specified in docs/FORMAT.md section 7.

use crate::clock::Timestamp;
use crate::credential::entry::{Entry, ImportedEntry};
use crate::credential::fingerprint::{self, Fingerprint};
use crate::credential::validate;
use crate::error::{Altered, BackupError, InputError, VaultError};
use crate::error::{Error, NotExport, Result};
use crate::secret::SecretBytes;
use crate::vault::Vault;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Version of the export document this code writes and reads.
pub const EXPORT_VERSION: u32 = 1;
/// The largest export file keycellar reads: far above an export of 10,000 entries (about
/// 5 MiB), checked before the file is read.
pub const MAX_EXPORT_FILE_LEN: u64 = 256 * 1024 * 1024;

#[derive(Serialize)]
struct Document<'a> {
    keycellar_export: u32,
    created_at: Timestamp,
    keycellar_version: &'static str,
    vault_id: String,
    vault_fingerprint: Fingerprint,
    entries_fingerprint: Fingerprint,
    entries: Vec<&'a Entry>,
}

/// Selects entries by label (all when `labels` is empty); unknown labels are an error.
pub fn select<'a>(vault: &'a Vault, labels: &[String]) -> Result<Vec<&'a Entry>> {
    if labels.is_empty() {
        return Ok(vault.entries().iter().collect());
    }
    labels.iter().map(|label| vault.find(label)).collect()
}

/// Builds the export document for `entries` as pretty JSON, readable by a person who
/// decrypts it with `age -d`. `vault_fingerprint` is the vault's current fingerprint,
/// which the caller also records.
pub fn build(
    vault: &Vault,
    entries: Vec<&Entry>,
    vault_fingerprint: Fingerprint,
) -> Result<SecretBytes> {
    // All of the vault's entries, in order (the usual export), share the vault's
    // fingerprint; it is recomputed only for a selection.
    let whole_vault = entries.len() == vault.entries().len()
        && entries
            .iter()
            .zip(vault.entries())
            .all(|(selected, stored)| std::ptr::eq(*selected, stored));
    let entries_fingerprint = if whole_vault {
        vault_fingerprint
    } else {
        fingerprint::of_vault(entries.iter().map(|e| e.fingerprint))
    };
    let document = Document {
        keycellar_export: EXPORT_VERSION,
        created_at: Timestamp::now(),
        keycellar_version: env!("CARGO_PKG_VERSION"),
        vault_id: vault.id_hex(),
        vault_fingerprint,
        entries_fingerprint,
        entries,
    };
    // Pretty printing about doubles the compact vault payload at most.
    crate::secret::to_json(&document, true, 2 * vault.payload_len())
        .map_err(|e| Error::Internal(format!("serialising the export: {e}")))
}

/// The smallest valid export document for one entry, compact, for paper where every byte
/// costs QR codes: only the version and the entry (the optional fields are left out).
pub fn build_single(entry: &Entry) -> Result<SecretBytes> {
    #[derive(Serialize)]
    struct Single<'a> {
        keycellar_export: u32,
        entries: [&'a Entry; 1],
    }
    let document = Single {
        keycellar_export: EXPORT_VERSION,
        entries: [entry],
    };
    crate::secret::to_json(&document, false, 0)
        .map_err(|e| Error::Internal(format!("serialising an entry: {e}")))
}

/// An export document as read back; optional fields make hand-written documents easy.
/// Recorded fingerprints are kept as text: one that is not even well formed is a mismatch
/// like any other, named in the error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportDocument {
    /// Checked by the probe in [`parse`] before this struct is read.
    #[serde(rename = "keycellar_export")]
    _version: u32,
    #[serde(default)]
    created_at: Option<Timestamp>,
    #[serde(default)]
    keycellar_version: Option<String>,
    #[serde(default)]
    vault_id: Option<String>,
    #[serde(default)]
    vault_fingerprint: Option<String>,
    #[serde(default)]
    entries_fingerprint: Option<String>,
    entries: Vec<ImportedEntry>,
}

/// A decrypted export, every entry checked.
#[derive(Debug)]
pub struct Imported {
    pub entries: Vec<Entry>,
    pub created_at: Option<Timestamp>,
    pub keycellar_version: Option<String>,
    pub vault_id: Option<String>,
    pub vault_fingerprint: Option<String>,
}

/// Why a decrypted backup was refused; path-free, so the caller that knows the file names
/// it ([`ExportProblem::at`]).
#[derive(Debug)]
pub enum ExportProblem {
    /// Not an export document at all.
    NotExport(NotExport),
    /// An export of a version this code does not read.
    Version { found: u32 },
    /// The document does not fit the schema.
    Json(crate::source::JsonProblem),
    /// Recorded fingerprints differ from what the keys give.
    Altered(Vec<Altered>),
    /// An entry was refused by the admission checks.
    Entry(Error),
}

impl ExportProblem {
    /// The library error for this problem in the backup called `name`.
    pub fn at(self, name: &str) -> Error {
        let name = name.to_string();
        match self {
            ExportProblem::NotExport(problem) => {
                Error::Backup(BackupError::NotAnExport { name, problem })
            }
            ExportProblem::Version { found } => Error::Vault(VaultError::UnsupportedVersion {
                what: "the export format of",
                path: PathBuf::from(name),
                found,
                supported: EXPORT_VERSION,
            }),
            ExportProblem::Json(problem) => Error::Input(InputError::BadJson {
                source_name: name,
                problem,
            }),
            ExportProblem::Altered(problems) => {
                Error::Backup(BackupError::BackupAltered { name, problems })
            }
            ExportProblem::Entry(error) => error,
        }
    }
}

/// Reads a decrypted export document. Each entry passes the admission checks and its
/// fingerprint is recomputed; a fingerprint that differs from the one the document records
/// is a verification failure, and nothing is returned.
pub fn parse(plaintext: &[u8]) -> Result<Imported, ExportProblem> {
    let document = read_document(plaintext)?;
    let mut entries = Vec::with_capacity(document.entries.len());
    let mut mismatches = Vec::new();
    for item in document.entries {
        let admitted = validate::admit(item).map_err(ExportProblem::Entry)?;
        if let Some(recorded) = admitted.recorded_differs {
            mismatches.push(Altered::Entry {
                label: admitted.entry.label.to_string(),
                recorded: recorded.to_string(),
                actual: admitted.entry.fingerprint.to_string(),
            });
        }
        entries.push(admitted.entry);
    }
    if let Some(recorded) = &document.entries_fingerprint {
        let actual = fingerprint::of_vault(entries.iter().map(Entry::fingerprint));
        if recorded.parse::<Fingerprint>() != Ok(actual) {
            mismatches.push(Altered::Entries {
                recorded: recorded.clone(),
                actual: actual.to_string(),
            });
        }
    }
    if !mismatches.is_empty() {
        return Err(ExportProblem::Altered(mismatches));
    }
    Ok(Imported {
        entries,
        created_at: document.created_at,
        keycellar_version: document.keycellar_version,
        vault_id: document.vault_id,
        vault_fingerprint: document.vault_fingerprint,
    })
}

/// The document's version, probed first so that another version is named as such, then
/// the document itself.
fn read_document(plaintext: &[u8]) -> Result<ImportDocument, ExportProblem> {
    #[derive(Deserialize)]
    struct Probe {
        keycellar_export: Option<u32>,
    }
    let text =
        std::str::from_utf8(plaintext).map_err(|_| ExportProblem::NotExport(NotExport::NotUtf8))?;
    let probe: Probe =
        serde_json::from_str(text).map_err(|_| ExportProblem::NotExport(NotExport::NotJson))?;
    match probe.keycellar_export {
        None => Err(ExportProblem::NotExport(NotExport::NoVersionField)),
        Some(EXPORT_VERSION) => crate::source::parse_json(text).map_err(ExportProblem::Json),
        Some(found) => Err(ExportProblem::Version { found }),
    }
}

#[cfg(test)]
mod tests;

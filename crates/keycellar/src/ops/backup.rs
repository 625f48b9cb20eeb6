//! What a backup takes from the vault, and what a backup is compared with: the entries an
//! export or a print encrypts (only those chosen), and the comparison of a decrypted backup
//! with the vault. The caller encrypts and writes the backup itself (who can open it is its
//! business) and then records it in the vault with [`super::ChangeRequest::RecordBackup`].

use crate::backup::export;
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::Result;
use crate::secret::Secret;
use crate::vault::Vault;
use crate::vault::merge::{self, Comparison, Read};
use serde::{Deserialize, Serialize};

/// The export document of the entries `labels` names (every entry when none), with what
/// the vault's record of the export holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExportDocument {
    /// The plaintext export document (JSON), to be encrypted by the caller.
    pub document: Secret,
    pub fingerprints: Vec<Fingerprint>,
    pub labels: Vec<String>,
    pub vault_fingerprint: Fingerprint,
}

/// The export document for `labels` in `vault`.
pub fn export_document(vault: &Vault, labels: &[String]) -> Result<ExportDocument> {
    let entries = export::select(vault, labels)?;
    let fingerprints = entries.iter().map(|e| e.fingerprint()).collect();
    let labels = entries.iter().map(|e| e.label().to_string()).collect();
    let vault_fingerprint = vault.fingerprint();
    let mut bytes = export::build(vault, entries, vault_fingerprint)?;
    // The document is JSON, so UTF-8; it moves into the secret holder without a copy.
    let text = String::from_utf8(std::mem::take(&mut *bytes)).map_err(|e| {
        crate::Error::Internal(format!(
            "the export document is not UTF-8: {}",
            e.utf8_error()
        ))
    })?;
    Ok(ExportDocument {
        document: Secret::new(text),
        fingerprints,
        labels,
        vault_fingerprint,
    })
}

/// The entries `labels` names (every entry when none), secrets included, for a sheet.
pub fn print_entries(vault: &Vault, labels: &[String]) -> Result<Vec<Entry>> {
    Ok(export::select(vault, labels)?
        .into_iter()
        .cloned()
        .collect())
}

/// How `backup` (entries decrypted from a backup, as far as `read` says) differs from the
/// vault.
pub fn compare(vault: &Vault, backup: &[Entry], read: Read) -> Comparison {
    merge::compare(vault.entries(), backup, read)
}

//! What a backup takes from the vault, and what a backup is compared with: the entries an
//! export or a print encrypts (only those chosen), and the comparison of a decrypted backup
//! with the vault. The caller encrypts and writes the backup itself (who can open it is its
//! business) and then records it in the vault with [`super::ChangeRequest::RecordBackup`].

use crate::backup::export;
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::credential::validate;
use crate::error::{Altered, BackupError, Error, Result};
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
/// vault, once they pass [`readmit`].
pub fn compare(vault: &Vault, backup: Vec<Entry>, read: Read) -> Result<Comparison> {
    Ok(merge::compare(vault.entries(), &readmit(backup)?, read))
}

/// Entries a front end decoded from a backup, admitted again here as any entry joining a
/// vault is (`validate::admit`: labels, ids, key and secret shapes), whoever sent them: a
/// request through the agent carries whatever its client wrote. A recorded fingerprint
/// other than the one the entry's key gives refuses them all (a fingerprint is what a user
/// compares with a paper sheet). Ids that collide are made fresh by the merge itself
/// (`vault::merge::plan`).
pub fn readmit(entries: Vec<Entry>) -> Result<Vec<Entry>> {
    let mut admitted = Vec::with_capacity(entries.len());
    let mut mismatches = Vec::new();
    for entry in entries {
        let recorded = entry.fingerprint();
        let checked = validate::admit(entry.with_fingerprint(Some(recorded)))?;
        if let Some(recorded) = checked.recorded_differs {
            mismatches.push(Altered::Entry {
                label: checked.entry.label().to_string(),
                recorded: recorded.to_string(),
                actual: checked.entry.fingerprint().to_string(),
            });
        }
        admitted.push(checked.entry);
    }
    if !mismatches.is_empty() {
        return Err(Error::Backup(BackupError::BackupAltered {
            name: "the backup's entries".into(),
            problems: mismatches,
        }));
    }
    Ok(admitted)
}

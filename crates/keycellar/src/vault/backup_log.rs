//! The vault's record of its own backups: when an export or a print was made, of which
//! entries, to whom, and the vault fingerprint at that moment (for `status` and `audit`).

use crate::clock::Timestamp;
use crate::credential::fingerprint::Fingerprint;
use serde::{Deserialize, Serialize};

/// What kind of backup was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackupKind {
    /// An age-encrypted export file.
    Export,
    /// A printed paper copy.
    Print,
}

/// One backup made of the vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupRecord {
    pub kind: BackupKind,
    /// When it was made.
    pub at: Timestamp,
    /// The vault fingerprint when it was made.
    pub vault_fingerprint: Fingerprint,
    /// Fingerprints of the entries it holds.
    pub entries: Vec<Fingerprint>,
    /// Who can open it: age recipient strings, or `passphrase (scrypt)`.
    pub recipients: Vec<String>,
}

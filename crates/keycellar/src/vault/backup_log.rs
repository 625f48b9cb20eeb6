//! The vault's record of its own backups: when an export or a print was made, of which
//! entries, to whom, and the vault fingerprint at that moment (for `status`, `audit` and
//! rotate's guard).
//!
//! Whether a key is backed up is judged entry by entry: an entry is in a backup when that
//! backup holds its fingerprint (its key as it is now). A backup of some entries says
//! nothing about the others, however recent it is.

use super::Vault;
use crate::clock::Timestamp;
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

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
    /// The vault fingerprint when it was made (of every entry, whichever it holds).
    pub vault_fingerprint: Fingerprint,
    /// Fingerprints of the entries it holds.
    pub entries: Vec<Fingerprint>,
    /// Who can open it: age recipient strings, or `passphrase (scrypt)`.
    pub recipients: Vec<String>,
}

impl BackupRecord {
    /// The vault's entries whose key as it is now this backup does not hold.
    pub fn missing<'a>(&self, vault: &'a Vault) -> Vec<&'a Entry> {
        let held: HashSet<Fingerprint> = self.entries.iter().copied().collect();
        not_held(vault, &held)
    }

    /// True when this backup holds every key of the vault as it is now and the vault has
    /// no other keys: nothing was added, rotated or removed since, and it was not a
    /// backup of some entries only.
    pub fn is_current(&self, vault: &Vault) -> bool {
        self.vault_fingerprint == vault.fingerprint() && self.missing(vault).is_empty()
    }
}

fn not_held<'a>(vault: &'a Vault, held: &HashSet<Fingerprint>) -> Vec<&'a Entry> {
    vault
        .entries()
        .iter()
        .filter(|e| !held.contains(&e.fingerprint()))
        .collect()
}

impl Vault {
    /// The exports and prints made of this vault, oldest first.
    pub fn backups(&self) -> &[BackupRecord] {
        &self.contents.backups
    }

    /// Records a backup made now of the entries with these fingerprints.
    pub fn record_backup(
        &mut self,
        kind: BackupKind,
        entries: Vec<Fingerprint>,
        recipients: Vec<String>,
    ) {
        let vault_fingerprint = self.fingerprint();
        self.contents.backups.push(BackupRecord {
            kind,
            at: Timestamp::now(),
            vault_fingerprint,
            entries,
            recipients,
        });
    }

    /// The most recent backup of `kind`, if any.
    pub fn last_backup(&self, kind: BackupKind) -> Option<&BackupRecord> {
        self.contents.backups.iter().rev().find(|b| b.kind == kind)
    }

    /// True when an export or print holds the current key of `label`: the test a rotation
    /// must pass, as the key it retires should be in a backup first.
    pub fn is_backed_up(&self, label: &str) -> Result<bool> {
        let entry = self.find(label)?;
        Ok(self
            .contents
            .backups
            .iter()
            .any(|b| b.entries.contains(&entry.fingerprint())))
    }

    /// The entries (of every status) whose key as it is now no export or print holds, in
    /// the vault's order.
    pub fn entries_in_no_backup(&self) -> Vec<&Entry> {
        let held: HashSet<Fingerprint> = self
            .contents
            .backups
            .iter()
            .flat_map(|b| b.entries.iter().copied())
            .collect();
        not_held(self, &held)
    }
}

//! Key lifecycle: rotation with lineage, the history of a label, and backup freshness.
//!
//! A rotation is one change saved atomically: the old entry becomes `rotated` (with the
//! date, the reason and a link to its successor) and the new entry takes over the label,
//! linked back to the old one. Apps listed in used-by move to the new key.

use crate::credential::entry::{Entry, NewEntry, Status};
use crate::error::{Error, Result};
use crate::vault::backup_log::{BackupKind, BackupRecord};
use crate::vault::{Vault, now_utc};

/// The most recent backup of `kind`, if any.
pub fn last_backup(vault: &Vault, kind: BackupKind) -> Option<&BackupRecord> {
    vault.contents.backups.iter().rev().find(|b| b.kind == kind)
}

/// True when the newest export or print captured the vault as it is now.
pub fn backup_is_current(vault: &Vault) -> Result<bool> {
    let current = vault.fingerprint()?;
    Ok(vault
        .contents
        .backups
        .last()
        .is_some_and(|b| b.vault_fingerprint == current))
}

/// What a rotation did.
pub struct Rotated {
    pub old: Entry,
    pub new_id: String,
    pub warnings: Vec<String>,
}

/// Replaces the key under `label` with `new` (whose label must be the same).
pub fn rotate(vault: &mut Vault, new: NewEntry, reason: Option<String>) -> Result<Rotated> {
    let label = new.label.clone();
    let old = vault.find(&label)?.clone();
    if old.status == Status::Rotated {
        return Err(Error::NothingToRotate { label });
    }
    let old_index = vault
        .contents
        .entries
        .iter()
        .position(|e| e.id == old.id)
        .ok_or_else(|| Error::Internal("the entry to rotate vanished".into()))?;
    vault.contents.entries[old_index].status = Status::Rotated;
    let (added, warnings) = vault.add(new)?;
    if added.fingerprint == old.fingerprint {
        return Err(Error::SameKey { label });
    }
    let new_id = added.id.clone();
    for entry in &mut vault.contents.entries {
        if entry.id == new_id {
            entry.lineage.supersedes = Some(old.id.clone());
        } else if entry.id == old.id {
            entry.lineage.replaced_by = Some(new_id.clone());
            entry.lineage.rotated_at = Some(now_utc());
            entry.lineage.reason = reason.clone();
            entry.used_by.clear();
        }
    }
    Ok(Rotated {
        old,
        new_id,
        warnings,
    })
}

/// The keys that have held `label`, newest first, following the rotation links.
pub fn history<'a>(vault: &'a Vault, label: &str) -> Result<Vec<&'a Entry>> {
    let mut chain = vec![vault.find(label)?];
    while let Some(previous) = chain
        .last()
        .and_then(|e| e.lineage.supersedes.as_deref())
        .and_then(|id| vault.contents.entries.iter().find(|e| e.id == id))
    {
        if chain.iter().any(|e| e.id == previous.id) {
            break;
        }
        chain.push(previous);
    }
    Ok(chain)
}

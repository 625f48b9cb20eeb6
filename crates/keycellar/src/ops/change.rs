//! Requests that change the vault: [`ChangeRequest`], run by [`execute_change`] on a vault
//! opened for change (holding its lock), which saves when the request changed something.
//! Each request carries everything from outside the vault that its change needs (a typed
//! secret, entries decrypted from a backup), gathered before the vault is opened, so an
//! agent that runs it never asks anything. The rules a front end must not skip are applied
//! here: rotate's backup guard, the permission names an exchange knows, what a backup
//! record holds, and the admission of imported entries (`super::backup::readmit`).

use super::backup::readmit;
use super::reply::{self, VaultReply};
use super::request::{EntryView, rotatable};
use crate::clock::Date;
use crate::credential::entry::{Entry, NewEntry};
use crate::credential::fingerprint::Fingerprint;
use crate::credential::validate::{self, EntryWarning, Warning};
use crate::error::Result;
use crate::vault::backup_log::BackupKind;
use crate::vault::merge::{Action, OnConflict};
use crate::vault::{EntryChange, LockedVault, Replacement, Saved};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A change to the vault. Secrets it carries (a new entry's, a rotation's, imported
/// entries') are [`crate::secret::Secret`]s: wiped when dropped, redacted in `Debug`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChangeRequest {
    /// New entries, each admitted as any new entry is.
    Add { entries: Vec<NewEntry> },
    /// A change to an entry's details. The permissions `edit` adds must be ones the
    /// entry's exchange knows; `permissions_other` are added without that check, on purpose.
    Edit {
        label: String,
        edit: EntryChange,
        permissions_other: Vec<String>,
    },
    /// Removes an entry.
    Remove { label: String },
    /// A new key for `label`. Refused while the label's key is in no backup as it is now,
    /// unless `unbacked` says to go ahead; `replacement.permissions` must be known to the
    /// exchange, `permissions_other` join them unchecked.
    Rotate {
        label: String,
        replacement: Replacement,
        permissions_other: Vec<String>,
        reason: Option<String>,
        unbacked: bool,
    },
    /// Entries from a backup, joined by the merge rules (`dry_run`: only the plan).
    Import {
        entries: Vec<Entry>,
        on_conflict: OnConflict,
        dry_run: bool,
    },
    /// Records in the vault that a backup of `kind` now holds `entries` (fingerprints),
    /// readable by `recipients` (who can open it, as the backup describes them).
    RecordBackup {
        kind: BackupKind,
        entries: Vec<Fingerprint>,
        recipients: Vec<String>,
    },
}

/// Names the change and its labels; never a secret.
impl fmt::Debug for ChangeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChangeRequest::Add { entries } => {
                let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
                f.debug_struct("Add").field("labels", &labels).finish()
            }
            ChangeRequest::Edit { label, .. } => {
                f.debug_struct("Edit").field("label", label).finish()
            }
            ChangeRequest::Remove { label } => {
                f.debug_struct("Remove").field("label", label).finish()
            }
            ChangeRequest::Rotate { label, .. } => {
                f.debug_struct("Rotate").field("label", label).finish()
            }
            ChangeRequest::Import { entries, .. } => f
                .debug_struct("Import")
                .field("count", &entries.len())
                .finish(),
            ChangeRequest::RecordBackup { kind, .. } => {
                f.debug_struct("RecordBackup").field("kind", kind).finish()
            }
        }
    }
}

/// One step of an import as the plan shows it: the label, what is done, and why or with
/// which fingerprint. No secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAction {
    pub label: String,
    /// `add`, `skip`, `replace` or `add-renamed`.
    pub action: String,
    pub detail: String,
}

impl PlannedAction {
    /// How the plan shows `action`.
    pub fn of(action: &Action) -> PlannedAction {
        let quoted = crate::untrusted::quoted;
        let (label, what, detail) = match action {
            Action::Add { entry, twin } => (
                entry.label(),
                "add",
                match twin {
                    Some(twin) => format!(
                        "{} (the same key is also {})",
                        entry.fingerprint(),
                        quoted(twin)
                    ),
                    None => entry.fingerprint().to_string(),
                },
            ),
            Action::Skip { label, reason } => (label.as_str(), "skip", reason.clone()),
            Action::Replace(e) => (e.label(), "replace", e.fingerprint().to_string()),
            Action::Rename { from, entry } => (
                entry.label(),
                "add-renamed",
                format!("{} (label {} was taken)", entry.fingerprint(), quoted(from)),
            ),
        };
        PlannedAction {
            label: label.to_string(),
            action: what.to_string(),
            detail,
        }
    }
}

/// Runs `change` on `vault` and saves it when it changed something; the reply says what
/// was done, with the vault's fingerprint after it.
pub fn execute_change(
    vault: &mut LockedVault,
    change: ChangeRequest,
    today: Date,
) -> Result<VaultReply> {
    match change {
        ChangeRequest::Add { entries } => add(vault, entries, today),
        ChangeRequest::Edit {
            label,
            mut edit,
            permissions_other,
        } => {
            let exchange = vault.find(&label)?.exchange();
            validate::check_permission_names(exchange, &edit.add_permissions)?;
            edit.add_permissions.extend(permissions_other);
            let warnings = vault.edit(&label, &edit)?;
            changed(vault, warnings)
        }
        ChangeRequest::Remove { label } => {
            vault.remove(&label)?;
            changed(vault, Vec::new())
        }
        ChangeRequest::Rotate {
            label,
            replacement,
            permissions_other,
            reason,
            unbacked,
        } => rotate(
            vault,
            &label,
            replacement,
            permissions_other,
            reason,
            unbacked,
            today,
        ),
        ChangeRequest::Import {
            entries,
            on_conflict,
            dry_run: true,
        } => Ok(VaultReply::Imported(reply::Imported {
            plan: plan_view(&vault.plan_import(readmit(entries)?, on_conflict)?),
            written: false,
            vault_fingerprint: vault.fingerprint(),
        })),
        ChangeRequest::Import {
            entries,
            on_conflict,
            dry_run: false,
        } => {
            let plan = plan_view(&vault.import(readmit(entries)?, on_conflict)?);
            let written = vault.save()? == Saved::Written;
            Ok(VaultReply::Imported(reply::Imported {
                plan,
                written,
                vault_fingerprint: vault.fingerprint(),
            }))
        }
        ChangeRequest::RecordBackup {
            kind,
            entries,
            recipients,
        } => {
            vault.record_backup(kind, entries, recipients);
            changed(vault, Vec::new())
        }
    }
}

fn plan_view(actions: &[Action]) -> Vec<PlannedAction> {
    actions.iter().map(PlannedAction::of).collect()
}

/// Saves `vault` and says whether a file was written.
fn changed(vault: &mut LockedVault, warnings: Vec<Warning>) -> Result<VaultReply> {
    let written = vault.save()? == Saved::Written;
    Ok(VaultReply::Changed(reply::Changed {
        written,
        warnings,
        vault_fingerprint: vault.fingerprint(),
    }))
}

fn add(vault: &mut LockedVault, entries: Vec<NewEntry>, today: Date) -> Result<VaultReply> {
    let mut ids = Vec::new();
    let mut warnings = Vec::new();
    for (label, id, said) in vault.add_all(entries)? {
        warnings.extend(said.into_iter().map(|warning| EntryWarning {
            label: label.clone(),
            warning,
        }));
        ids.push(id);
    }
    // On this thread: the agent runs changes, and it wipes only the stack of the thread
    // that served the request (a save prepared on a second thread left the vault key and
    // the added secret on that thread's stack after `lock`).
    vault.save()?;
    let vault_fingerprint = vault.fingerprint();
    let added = ids
        .iter()
        .filter_map(|id| vault.find_id(id))
        .map(|e| EntryView::of(e, today))
        .collect();
    Ok(VaultReply::Added(reply::Added {
        added,
        warnings,
        vault_fingerprint,
    }))
}

fn rotate(
    vault: &mut LockedVault,
    label: &str,
    mut replacement: Replacement,
    permissions_other: Vec<String>,
    reason: Option<String>,
    unbacked: bool,
    today: Date,
) -> Result<VaultReply> {
    rotatable(vault, label, &replacement.permissions, unbacked)?;
    replacement.permissions.extend(permissions_other);
    let rotated = vault.rotate(label, replacement, reason)?;
    vault.save()?;
    Ok(VaultReply::Rotated(reply::Rotated {
        old: Box::new(EntryView::of(&rotated.old, today)),
        new: Box::new(EntryView::of(&rotated.new, today)),
        warnings: rotated.warnings,
        vault_fingerprint: vault.fingerprint(),
    }))
}

#[cfg(test)]
mod tests;

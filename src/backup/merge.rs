//! Bringing backed-up entries into a vault (the import plan), and comparing a backup with a
//! vault by fingerprint (`verify --backup`).
//!
//! Entries are matched by fingerprint first: the same key is the same entry whatever its
//! label. A label held by a different key is a conflict, settled by [`OnConflict`].

use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::{Error, Result};
use std::collections::HashSet;

/// What to do when an imported entry's label is taken by a different key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnConflict {
    /// Refuse the whole import (the default).
    #[default]
    Refuse,
    /// Keep the vault's entry, leave the imported one out.
    Skip,
    /// Replace the vault's entry with the imported one.
    Replace,
    /// Import under a new label, `LABEL-imported` (or `-imported-2`, ...).
    Rename,
}

impl OnConflict {
    /// Every choice.
    pub const ALL: [OnConflict; 4] = [
        OnConflict::Refuse,
        OnConflict::Skip,
        OnConflict::Replace,
        OnConflict::Rename,
    ];

    /// The name used on the command line.
    pub fn id(self) -> &'static str {
        match self {
            OnConflict::Refuse => "refuse",
            OnConflict::Skip => "skip",
            OnConflict::Replace => "replace",
            OnConflict::Rename => "rename",
        }
    }
}

/// One step of an import.
#[derive(Debug)]
pub enum Action {
    Add(Entry),
    Skip { label: String, reason: String },
    Replace(Entry),
    Rename { from: String, entry: Entry },
}

fn is_current(entry: &Entry) -> bool {
    entry.is_current()
}

/// Plans the import of `incoming` into `existing`. With [`OnConflict::Refuse`], any label
/// conflict refuses the whole import and names every conflicting label.
pub fn plan(
    existing: &[Entry],
    incoming: Vec<Entry>,
    on_conflict: OnConflict,
) -> Result<Vec<Action>> {
    let mut fingerprints: HashSet<Fingerprint> = existing.iter().map(Entry::fingerprint).collect();
    let mut labels: HashSet<String> = existing
        .iter()
        .filter(|e| is_current(e))
        .map(|e| e.label.clone())
        .collect();
    let mut ids: HashSet<String> = existing.iter().map(|e| e.id.clone()).collect();
    let mut actions = Vec::new();
    let mut conflicts = Vec::new();
    for mut entry in incoming {
        if fingerprints.contains(&entry.fingerprint) {
            let holder = existing
                .iter()
                .find(|e| e.fingerprint == entry.fingerprint)
                .map_or("an earlier entry of this backup".to_string(), |e| {
                    format!("{:?}", e.label)
                });
            actions.push(Action::Skip {
                label: entry.label,
                reason: format!("same key already present as {holder}"),
            });
            continue;
        }
        if !ids.insert(entry.id.clone()) {
            entry.id = uuid::Uuid::new_v4().to_string();
            ids.insert(entry.id.clone());
        }
        fingerprints.insert(entry.fingerprint);
        let taken = is_current(&entry) && labels.contains(&entry.label);
        if !taken {
            if is_current(&entry) {
                labels.insert(entry.label.clone());
            }
            actions.push(Action::Add(entry));
            continue;
        }
        match on_conflict {
            OnConflict::Refuse => conflicts.push(entry.label),
            OnConflict::Skip => actions.push(Action::Skip {
                label: entry.label,
                reason: "label taken by a different key (--on-conflict skip)".into(),
            }),
            OnConflict::Replace => actions.push(Action::Replace(entry)),
            OnConflict::Rename => {
                let from = entry.label.clone();
                entry.label = (1..)
                    .map(|n| match n {
                        1 => format!("{from}-imported"),
                        n => format!("{from}-imported-{n}"),
                    })
                    .find(|candidate| !labels.contains(candidate))
                    .unwrap_or_else(|| from.clone());
                labels.insert(entry.label.clone());
                actions.push(Action::Rename { from, entry });
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(Error::Conflict { labels: conflicts });
    }
    Ok(actions)
}

/// Carries out a plan. Returns how many entries were added or replaced.
pub fn apply(entries: &mut Vec<Entry>, actions: &[Action]) -> usize {
    let mut changed = 0;
    for action in actions {
        match action {
            Action::Add(entry) | Action::Rename { entry, .. } => {
                entries.push(entry.clone());
                changed += 1;
            }
            Action::Replace(entry) => {
                entries.retain(|e| !(is_current(e) && e.label == entry.label));
                entries.push(entry.clone());
                changed += 1;
            }
            Action::Skip { .. } => {}
        }
    }
    changed
}

/// How a backup differs from the vault.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// In both, same key.
    pub same: Vec<String>,
    /// In the vault, not in the backup.
    pub missing: Vec<String>,
    /// In the backup, not in the vault.
    pub extra: Vec<String>,
    /// Same label, different key.
    pub different: Vec<String>,
}

impl Comparison {
    pub fn matches(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.different.is_empty()
    }

    /// The differences counted, for an error message.
    pub fn summary(&self) -> String {
        format!(
            "does not hold the vault's keys: {} missing, {} extra, {} different",
            self.missing.len(),
            self.extra.len(),
            self.different.len()
        )
    }
}

/// Compares by fingerprint; labels only pair up entries whose keys differ.
pub fn compare(vault: &[Entry], backup: &[Entry]) -> Comparison {
    let in_backup: HashSet<Fingerprint> = backup.iter().map(Entry::fingerprint).collect();
    let in_vault: HashSet<Fingerprint> = vault.iter().map(Entry::fingerprint).collect();
    let mut result = Comparison::default();
    let unmatched_backup: Vec<&Entry> = backup
        .iter()
        .filter(|e| !in_vault.contains(&e.fingerprint))
        .collect();
    for entry in vault {
        if in_backup.contains(&entry.fingerprint) {
            result.same.push(entry.label.clone());
        } else if unmatched_backup.iter().any(|b| b.label == entry.label) {
            result.different.push(entry.label.clone());
        } else {
            result.missing.push(entry.label.clone());
        }
    }
    for entry in unmatched_backup {
        if !result.different.contains(&entry.label) {
            result.extra.push(entry.label.clone());
        }
    }
    result
}

#[cfg(test)]
mod tests;

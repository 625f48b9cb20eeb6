//! Bringing backed-up entries into a vault (the import plan), and comparing a backup with a
//! vault entry by entry (`verify --backup`, `verify --paper`).
//!
//! An entry is its label and its key: an incoming entry whose label and key are both in the
//! vault is already there and is skipped. The same key under another label is another
//! entry, and is kept (the plan says so): a restore never drops an entry for sharing a key.
//! A label held by a different key is a conflict, settled by [`OnConflict`].

use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::BackupError;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// What to do when an imported entry's label is taken by a different key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// A new entry; `twin` names an entry that holds the same key under another label.
    Add {
        entry: Entry,
        twin: Option<String>,
    },
    Skip {
        label: String,
        reason: String,
    },
    Replace(Entry),
    Rename {
        from: String,
        entry: Entry,
    },
}

impl Action {
    /// True when the action changes the vault.
    pub fn changes(&self) -> bool {
        !matches!(self, Action::Skip { .. })
    }
}

/// Plans the import of `incoming` into `existing`. With [`OnConflict::Refuse`], any label
/// conflict refuses the whole import and names every conflicting label.
pub fn plan(
    existing: &[Entry],
    incoming: Vec<Entry>,
    on_conflict: OnConflict,
) -> Result<Vec<Action>> {
    let held: HashMap<(String, Fingerprint), &Entry> = existing
        .iter()
        .map(|e| ((e.label.clone(), e.fingerprint), e))
        .collect();
    let mut by_key: HashMap<Fingerprint, String> = existing
        .iter()
        .map(|e| (e.fingerprint, e.label.clone()))
        .collect();
    let mut labels: HashSet<String> = existing
        .iter()
        .filter(|e| e.is_current())
        .map(|e| e.label.clone())
        .collect();
    let mut ids: HashSet<String> = existing.iter().map(|e| e.id.clone()).collect();
    let mut actions = Vec::new();
    let mut conflicts = Vec::new();
    let mut seen: HashSet<(String, Fingerprint)> = HashSet::new();
    for mut entry in incoming {
        let identity = (entry.label.clone(), entry.fingerprint);
        if let Some(present) = held.get(&identity) {
            actions.push(Action::Skip {
                reason: already_present(present, &entry),
                label: entry.label,
            });
            continue;
        }
        if !seen.insert(identity) {
            actions.push(Action::Skip {
                label: entry.label,
                reason: "listed twice in the backup with the same key".into(),
            });
            continue;
        }
        if !ids.insert(entry.id.clone()) {
            entry.id = uuid::Uuid::new_v4().to_string();
            ids.insert(entry.id.clone());
        }
        let twin = by_key.get(&entry.fingerprint).cloned();
        by_key
            .entry(entry.fingerprint)
            .or_insert_with(|| entry.label.clone());
        let taken = entry.is_current() && labels.contains(&entry.label);
        if !taken {
            if entry.is_current() {
                labels.insert(entry.label.clone());
            }
            actions.push(Action::Add { entry, twin });
            continue;
        }
        match on_conflict {
            OnConflict::Refuse => conflicts.push(entry.label),
            OnConflict::Skip => actions.push(Action::Skip {
                label: entry.label,
                reason: "label taken by a different key".into(),
            }),
            OnConflict::Replace => actions.push(Action::Replace(entry)),
            OnConflict::Rename => {
                let from = entry.label.clone();
                entry.label = free_label(&from, &labels);
                labels.insert(entry.label.clone());
                actions.push(Action::Rename { from, entry });
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(Error::Backup(BackupError::Conflict { labels: conflicts }));
    }
    Ok(actions)
}

/// `LABEL-imported`, or `LABEL-imported-2`, ..., the first that no current entry holds.
fn free_label(from: &str, taken: &HashSet<String>) -> String {
    (1..)
        .map(|n| match n {
            1 => format!("{from}-imported"),
            n => format!("{from}-imported-{n}"),
        })
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| from.to_string())
}

/// Why an entry already in the vault is skipped, naming what the vault keeps that differs.
fn already_present(present: &Entry, incoming: &Entry) -> String {
    let differences = present.differences(incoming);
    if differences.is_empty() {
        "already in the vault, identical".into()
    } else {
        format!(
            "already in the vault with the same key; the vault's {} kept",
            differences.join(", ")
        )
    }
}

/// Carries out a plan. Returns how many entries were added or replaced.
pub fn apply(entries: &mut Vec<Entry>, actions: &[Action]) -> usize {
    let mut changed = 0;
    for action in actions {
        match action {
            Action::Add { entry, .. } | Action::Rename { entry, .. } => {
                entries.push(entry.clone());
                changed += 1;
            }
            Action::Replace(entry) => {
                entries.retain(|e| !(e.is_current() && e.label == entry.label));
                entries.push(entry.clone());
                changed += 1;
            }
            Action::Skip { .. } => {}
        }
    }
    changed
}

/// How much of each entry a backup gave back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Read {
    /// Every field: an export, or a paper sheet with its details block.
    Everything,
    /// Only what a paper sheet's entry items hold (label, exchange, public key, key
    /// version and the secret): its details block was not read.
    Credentials,
}

/// How a backup differs from the vault, entry by entry (labels and field names only, no
/// secret: it crosses an agent's socket).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// False when only the credentials were compared ([`Read::Credentials`]).
    pub details_checked: bool,
    /// In both: same label, same key, same details.
    pub same: Vec<String>,
    /// In the vault, not in the backup.
    pub missing: Vec<String>,
    /// In the backup, not in the vault.
    pub extra: Vec<String>,
    /// Same label, different key.
    pub different: Vec<String>,
    /// Same label and key, but details differ: each label with the fields that differ.
    pub changed: Vec<(String, Vec<String>)>,
}

impl Comparison {
    pub fn matches(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.different.is_empty()
            && self.changed.is_empty()
    }

    /// Every difference named, for an error message.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let mut name = |what: &str, labels: &[String]| {
            if !labels.is_empty() {
                parts.push(format!("{what}: {}", labels.join(", ")));
            }
        };
        name("missing", &self.missing);
        name("extra", &self.extra);
        name("different key", &self.different);
        for (label, fields) in &self.changed {
            let verb = crate::wording::noun(fields.len(), "differs", "differ");
            parts.push(format!("{label}: {} {verb}", fields.join(", ")));
        }
        format!("does not hold the vault's entries ({})", parts.join("; "))
    }
}

/// Compares entry by entry: pairs with the same label and key first (their details must
/// match too, as far as `read` brought them back), then labels whose key differs; what is
/// left is missing or extra.
pub fn compare(vault: &[Entry], backup: &[Entry], read: Read) -> Comparison {
    let mut result = Comparison {
        details_checked: read == Read::Everything,
        same: Vec::new(),
        missing: Vec::new(),
        extra: Vec::new(),
        different: Vec::new(),
        changed: Vec::new(),
    };
    let mut unmatched: Vec<&Entry> = backup.iter().collect();
    let mut unpaired_vault = Vec::new();
    for entry in vault {
        let found = unmatched
            .iter()
            .position(|b| b.label == entry.label && b.fingerprint == entry.fingerprint);
        match found.map(|i| unmatched.remove(i)) {
            Some(copy) => {
                let differences = match read {
                    Read::Everything => entry.differences(copy),
                    Read::Credentials => entry.credential_differences(copy),
                };
                if differences.is_empty() {
                    result.same.push(entry.label.clone());
                } else {
                    let differences = differences.into_iter().map(String::from).collect();
                    result.changed.push((entry.label.clone(), differences));
                }
            }
            None => unpaired_vault.push(entry),
        }
    }
    for entry in unpaired_vault {
        match unmatched.iter().position(|b| b.label == entry.label) {
            Some(i) => {
                unmatched.remove(i);
                result.different.push(entry.label.clone());
            }
            None => result.missing.push(entry.label.clone()),
        }
    }
    result.extra = unmatched.iter().map(|e| e.label.clone()).collect();
    result
}

#[cfg(test)]
mod tests;

//! The vault's operations on its entries and on its record of backups. Each one checks
//! everything it needs before it changes anything, so it either completes or leaves the
//! vault as it was. None of them saves: the caller saves once, under the lock. What an edit
//! may change, and how, is `change`.

use super::Vault;
use crate::clock::{Date, Timestamp};
use crate::credential::entry::{Entry, NewEntry, Status};
use crate::credential::fingerprint::Fingerprint;
use crate::credential::lifecycle;
use crate::credential::validate::{self, Admitted, Warning};
use crate::error::EntryError;
use crate::error::{Error, Result};
use crate::untrusted::quoted;
use crate::vault::merge::{self, Action, OnConflict};
use std::collections::{HashMap, HashSet};

mod change;
pub use change::EntryChange;

pub use crate::credential::lifecycle::Replacement;

/// What a rotation did.
pub struct Rotated {
    /// The old entry as it was before the rotation.
    pub old: Entry,
    /// The new entry as it now stands under the label.
    pub new: Entry,
    pub warnings: Vec<Warning>,
}

impl Vault {
    /// Every entry, current and rotated, in the order they were added.
    pub fn entries(&self) -> &[Entry] {
        &self.contents.entries
    }

    /// When the vault was created.
    pub fn created_at(&self) -> Timestamp {
        self.contents.created_at
    }

    /// The current entry with this label (a rotated key never shadows the current one).
    pub fn find(&self, label: &str) -> Result<&Entry> {
        Ok(&self.contents.entries[self.index_of(label)?])
    }

    /// The entry a label hands out: the one that holds it now, or, when none does (it was
    /// removed), the key most recently rotated out of it, which `Entry::check_usable` then
    /// refuses by its status unless inactive keys are allowed.
    pub fn find_for_use(&self, label: &str) -> Result<&Entry> {
        let entries = &self.contents.entries;
        entries
            .iter()
            .find(|e| e.label == label && e.is_current())
            .or_else(|| entries.iter().rev().find(|e| e.label == label))
            .ok_or_else(|| self.not_found(label))
    }

    /// The error for a label no entry holds, naming up to three labels close to it.
    fn not_found(&self, label: &str) -> Error {
        let mut close: Vec<(f64, &str)> = self
            .contents
            .entries
            .iter()
            .filter(|e| e.is_current())
            .map(|e| (strsim::jaro_winkler(label, &e.label), e.label.as_str()))
            .filter(|(score, _)| *score >= 0.8)
            .collect();
        close.sort_by(|a, b| b.0.total_cmp(&a.0));
        Error::Entry(EntryError::EntryNotFound {
            label: label.to_string(),
            similar: close.iter().take(3).map(|(_, l)| l.to_string()).collect(),
        })
    }

    /// The entry with this id.
    pub fn find_id(&self, id: &str) -> Option<&Entry> {
        self.contents.entries.iter().find(|e| e.id == id)
    }

    fn index_of(&self, label: &str) -> Result<usize> {
        let entries = &self.contents.entries;
        entries
            .iter()
            .position(|e| e.label == label && e.is_current())
            .or_else(|| entries.iter().position(|e| e.label == label))
            .ok_or_else(|| self.not_found(label))
    }

    fn label_taken(&self, label: &str, except: Option<usize>) -> bool {
        self.contents
            .entries
            .iter()
            .enumerate()
            .any(|(i, e)| Some(i) != except && e.label == label && e.is_current())
    }

    /// Checks and adds a new entry, recording its fingerprint. Returns the stored entry
    /// and the checks' warnings.
    pub fn add(&mut self, new: NewEntry) -> Result<(&Entry, Vec<Warning>)> {
        let Admitted {
            entry,
            mut warnings,
            ..
        } = validate::admit_new(new.into_entry(), Date::today())?;
        if self.label_taken(&entry.label, None) {
            return Err(Error::Entry(EntryError::LabelExists { label: entry.label }));
        }
        warnings.extend(self.same_key_as(&entry));
        self.contents.entries.push(entry);
        let added = &self.contents.entries[self.contents.entries.len() - 1];
        Ok((added, warnings))
    }

    /// Checks and adds new entries (`add --from-json`) as [`Vault::add`] does each, in one
    /// pass: labels and keys are looked up in sets, not searched for each entry, so that a
    /// document of a hundred thousand entries costs time in proportion to its size.
    /// Completes or changes nothing. Returns each added entry's label, id and warnings.
    pub fn add_all(&mut self, news: Vec<NewEntry>) -> Result<Vec<(String, String, Vec<Warning>)>> {
        let entries = &self.contents.entries;
        let mut labels: HashSet<String> = entries
            .iter()
            .filter(|e| e.is_current())
            .map(|e| e.label.clone())
            .collect();
        let mut keys: HashMap<Fingerprint, String> = HashMap::new();
        for e in entries {
            keys.entry(e.fingerprint).or_insert_with(|| e.label.clone());
        }
        let mut added = Vec::with_capacity(news.len());
        for new in news {
            let Admitted {
                entry,
                mut warnings,
                ..
            } = validate::admit_new(new.into_entry(), Date::today())?;
            if !labels.insert(entry.label.clone()) {
                return Err(Error::Entry(EntryError::LabelExists { label: entry.label }));
            }
            match keys.get(&entry.fingerprint) {
                Some(twin) => warnings.push(Warning::SameKeyAs {
                    quoted: quoted(twin),
                }),
                None => {
                    keys.insert(entry.fingerprint, entry.label.clone());
                }
            }
            added.push((entry, warnings));
        }
        let report = added
            .iter()
            .map(|(e, warnings)| (e.label.clone(), e.id.clone(), warnings.clone()))
            .collect();
        self.contents
            .entries
            .extend(added.into_iter().map(|(entry, _)| entry));
        Ok(report)
    }

    /// Applies `change` to the entry's metadata and checks the result. Returns the checks'
    /// warnings.
    pub fn edit(&mut self, label: &str, change: &EntryChange) -> Result<Vec<Warning>> {
        let index = self.index_of(label)?;
        let mut changed = self.contents.entries[index].clone();
        change.apply(&mut changed)?;
        let recorded = changed.fingerprint;
        let Admitted {
            entry,
            warnings,
            recorded_differs,
        } = validate::admit(changed.with_fingerprint(Some(recorded)))?;
        // A rename, or a rotated key made current again, must not give a label two keys.
        if entry.is_current() && self.label_taken(&entry.label, Some(index)) {
            return Err(Error::Entry(EntryError::LabelExists { label: entry.label }));
        }
        if recorded_differs.is_some() {
            return Err(Error::Internal("an edit changed key material".into()));
        }
        self.contents.entries[index] = entry;
        Ok(warnings)
    }

    /// Removes the entry and returns it.
    pub fn remove(&mut self, label: &str) -> Result<Entry> {
        let index = self.index_of(label)?;
        Ok(self.contents.entries.remove(index))
    }

    /// Replaces the key under `label`: the old entry becomes `rotated` (with the date, the
    /// reason and a link to its successor), the new one takes over the label.
    pub fn rotate(
        &mut self,
        label: &str,
        replacement: Replacement,
        reason: Option<String>,
    ) -> Result<Rotated> {
        let old_index = self.index_of(label)?;
        let old = self.contents.entries[old_index].clone();
        if !old.is_current() {
            return Err(Error::Entry(EntryError::NothingToRotate {
                label: label.to_string(),
            }));
        }
        let Admitted {
            entry: mut new,
            mut warnings,
            ..
        } = validate::admit_new(
            lifecycle::successor(&old, replacement).into_entry(),
            Date::today(),
        )?;
        self.check_new_to_label(label, &new)?;
        warnings.extend(self.same_key_as(&new));
        new.lineage.supersedes = Some(old.id.clone());
        let retired = &mut self.contents.entries[old_index];
        retired.status = Status::Rotated;
        retired.lineage.replaced_by = Some(new.id.clone());
        retired.lineage.rotated_at = Some(Timestamp::now());
        retired.lineage.reason = reason;
        retired.used_by.clear();
        self.contents.entries.push(new.clone());
        Ok(Rotated { old, new, warnings })
    }

    /// The warning that another entry holds the key `entry` holds (the same fingerprint).
    fn same_key_as(&self, entry: &Entry) -> Option<Warning> {
        let twin = self
            .contents
            .entries
            .iter()
            .find(|e| e.fingerprint == entry.fingerprint)?;
        Some(Warning::SameKeyAs {
            quoted: quoted(&twin.label),
        })
    }

    /// Refuses a rotation's new key when its public key or its secret is that of the key
    /// `label` holds now or of any key it held before.
    fn check_new_to_label(&self, label: &str, new: &Entry) -> Result<()> {
        for (age, earlier) in self.history(label)?.into_iter().enumerate() {
            if let Some(part) = lifecycle::repeated_part(new, earlier) {
                let held = match (age, earlier.lineage.rotated_at.as_ref()) {
                    (0, _) => "holds now".to_string(),
                    (_, Some(at)) => format!("held until {at} (key {})", earlier.masked_key()),
                    (_, None) => format!("held before (key {})", earlier.masked_key()),
                };
                return Err(Error::Entry(EntryError::RotationReuses {
                    label: label.to_string(),
                    part,
                    held,
                }));
            }
        }
        Ok(())
    }

    /// What importing `incoming` would do, by the merge rules; changes nothing.
    pub fn plan_import(
        &self,
        incoming: Vec<Entry>,
        on_conflict: OnConflict,
    ) -> Result<Vec<Action>> {
        merge::plan(&self.contents.entries, incoming, on_conflict)
    }

    /// Imports `incoming` by the merge rules and returns what was done; a refused plan
    /// changes nothing.
    pub fn import(&mut self, incoming: Vec<Entry>, on_conflict: OnConflict) -> Result<Vec<Action>> {
        let actions = self.plan_import(incoming, on_conflict)?;
        merge::apply(&mut self.contents.entries, &actions);
        Ok(actions)
    }

    /// The keys that have held `label`, newest first, following the rotation links.
    pub fn history(&self, label: &str) -> Result<Vec<&Entry>> {
        let mut chain = vec![self.find(label)?];
        while let Some(previous) = chain
            .last()
            .and_then(|e| e.lineage.supersedes.as_deref())
            .and_then(|id| self.find_id(id))
        {
            if chain.iter().any(|e| e.id == previous.id) {
                break;
            }
            chain.push(previous);
        }
        Ok(chain)
    }
}

#[cfg(feature = "internals")]
impl Vault {
    /// Overwrites an entry's recorded fingerprint, as damage or tampering would; only for
    /// tests of what `verify` and `audit` report.
    pub fn damage_recorded_fingerprint(
        &mut self,
        label: &str,
        fingerprint: Fingerprint,
    ) -> Result<()> {
        let index = self.index_of(label)?;
        self.contents.entries[index].fingerprint = fingerprint;
        Ok(())
    }
}

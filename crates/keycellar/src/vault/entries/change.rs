//! A change to an entry's metadata, as `edit` asks for it: what it may change, the
//! mistakes it is refused for before the vault opens, and how it applies to an entry.

use crate::clock::Date;
use crate::credential::entry::{Entry, Status};
use crate::error::{EntryError, Error, Result};
use crate::untrusted::quoted;
use serde::{Deserialize, Serialize};

/// A change to an entry's metadata (never its key material). Lists are edited item by
/// item; an empty note or account clears it. It crosses an agent's socket as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntryChange {
    pub rename: Option<String>,
    pub add_permissions: Vec<String>,
    pub remove_permissions: Vec<String>,
    pub add_ips: Vec<String>,
    pub remove_ips: Vec<String>,
    pub add_used_by: Vec<String>,
    pub remove_used_by: Vec<String>,
    pub note: Option<String>,
    pub account: Option<String>,
    /// `Some(None)` clears the expiry (`null` in JSON; an absent field keeps it).
    #[serde(
        default,
        deserialize_with = "given",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires: Option<Option<Date>>,
    pub status: Option<Status>,
    pub key_version: Option<String>,
}

/// The lists an edit can add to and remove from: (what, added, removed).
type ListEdits<'a> = [(&'static str, &'a [String], &'a [String]); 3];

impl EntryChange {
    fn list_edits(&self) -> ListEdits<'_> {
        [
            (
                "permission",
                &self.add_permissions,
                &self.remove_permissions,
            ),
            ("IP", &self.add_ips, &self.remove_ips),
            ("used-by", &self.add_used_by, &self.remove_used_by),
        ]
    }

    /// A value the change both adds and removes, which is certainly a mistake; checked
    /// before the vault is opened.
    pub fn contradiction(&self) -> Option<String> {
        self.list_edits().iter().find_map(|(what, add, remove)| {
            add.iter()
                .find(|value| remove.contains(value))
                .map(|value| format!("the {what} {} is both added and removed", quoted(value)))
        })
    }

    /// Applies the change; refuses it when it names a value to remove that the entry does
    /// not hold, or contradicts itself.
    pub(super) fn apply(&self, e: &mut Entry) -> Result<()> {
        let refused = |problem: String| {
            Error::Entry(EntryError::EditRefused {
                label: e.label.clone(),
                problem,
            })
        };
        if let Some(problem) = self.contradiction() {
            return Err(refused(problem));
        }
        let lists = [&e.permissions, &e.ip_allowlist, &e.used_by];
        for ((what, _, remove), held) in self.list_edits().iter().zip(lists) {
            if let Some(absent) = remove.iter().find(|value| !held.contains(value)) {
                return Err(refused(format!(
                    "it has no {what} {} to remove",
                    quoted(absent)
                )));
            }
        }
        if let Some(new) = &self.rename {
            e.label = new.clone();
        }
        edit_list(
            &mut e.permissions,
            &self.add_permissions,
            &self.remove_permissions,
        );
        edit_list(&mut e.ip_allowlist, &self.add_ips, &self.remove_ips);
        edit_list(&mut e.used_by, &self.add_used_by, &self.remove_used_by);
        if let Some(note) = &self.note {
            e.notes = Some(note.clone()).filter(|n| !n.is_empty());
        }
        if let Some(account) = &self.account {
            e.account_ref = Some(account.clone()).filter(|a| !a.is_empty());
        }
        if let Some(expires) = self.expires {
            e.expires = expires;
        }
        if let Some(status) = self.status {
            e.status = status;
        }
        if let Some(version) = &self.key_version {
            e.key_version = Some(version.clone());
        }
        Ok(())
    }
}

/// A field that is present, `null` included: `Some` of what it holds.
fn given<'de, D, T>(deserializer: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn edit_list(list: &mut Vec<String>, add: &[String], remove: &[String]) {
    list.retain(|item| !remove.contains(item));
    for item in add {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

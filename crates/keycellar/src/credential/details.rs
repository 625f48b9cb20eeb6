//! An entry's details beyond its credential (the label, exchange, keys, secret and API
//! passphrase): what a paper sheet keeps in one block apart from the keys, so that a person
//! who types one key back need not type them.

use crate::clock::{Date, Timestamp};
use crate::credential::entry::{Entry, ImportedEntry, Lineage, Status};
use crate::credential::fingerprint::Fingerprint;
use serde::{Deserialize, Serialize};

/// Everything about an entry but its credential; optional fields are left out when empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Details {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_allowlist: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Date>,
    pub added_at: Timestamp,
    #[serde(default, skip_serializing_if = "is_active")]
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<String>,
    /// The fingerprint recorded when the key was added: the restored key must give it.
    pub fingerprint: Fingerprint,
    #[serde(default, skip_serializing_if = "Lineage::is_empty")]
    pub lineage: Lineage,
}

fn is_active(status: &Status) -> bool {
    *status == Status::Active
}

impl Entry {
    /// The entry's details.
    pub fn details(&self) -> Details {
        Details {
            id: self.id.clone(),
            account_ref: self.account_ref.clone(),
            permissions: self.permissions.clone(),
            ip_allowlist: self.ip_allowlist.clone(),
            expires: self.expires,
            created: self.created,
            added_at: self.added_at,
            status: self.status,
            notes: self.notes.clone(),
            used_by: self.used_by.clone(),
            fingerprint: self.fingerprint,
            lineage: self.lineage.clone(),
        }
    }
}

impl ImportedEntry {
    /// The entry with `details` in place of the defaults it was made with; its recorded
    /// fingerprint becomes the one the details carry.
    pub fn with_details(mut self, details: Details) -> ImportedEntry {
        self.id = details.id;
        self.account_ref = details.account_ref;
        self.permissions = details.permissions;
        self.ip_allowlist = details.ip_allowlist;
        self.expires = details.expires;
        self.created = details.created;
        self.added_at = details.added_at;
        self.status = details.status;
        self.notes = details.notes;
        self.used_by = details.used_by;
        self.fingerprint = Some(details.fingerprint);
        self.lineage = details.lineage;
        self
    }
}

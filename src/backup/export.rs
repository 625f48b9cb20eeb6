//! The export document: the versioned JSON that an age-encrypted backup holds, how it is
//! built from a vault, and how a decrypted one (ours, or hand-written) is read back with
//! every fingerprint recomputed. Specified in docs/FORMAT.md section 7.

use crate::credential::entry::{Date, Entry, Exchange, Lineage, Status};
use crate::credential::fingerprint;
use crate::credential::validate;
use crate::error::{Error, NotExport, Result};
use crate::secret::{Secret, SecretBytes};
use crate::vault::{Vault, now_utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Version of the export document this code writes and reads.
pub const EXPORT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    keycellar_export: u32,
    created_at: String,
    keycellar_version: &'static str,
    vault_id: String,
    vault_fingerprint: String,
    entries_fingerprint: String,
    entries: Vec<&'a Entry>,
}

/// Selects entries by label (all when `labels` is empty); unknown labels are an error.
pub fn select<'a>(vault: &'a Vault, labels: &[String]) -> Result<Vec<&'a Entry>> {
    if labels.is_empty() {
        return Ok(vault.contents.entries.iter().collect());
    }
    labels.iter().map(|label| vault.find(label)).collect()
}

/// Builds the export document for `entries` as pretty JSON, readable by a person who
/// decrypts it with `age -d`. `vault_fingerprint` is the vault's current fingerprint,
/// which the caller also records.
pub fn build(vault: &Vault, entries: Vec<&Entry>, vault_fingerprint: &str) -> Result<SecretBytes> {
    // All of the vault's entries, in order (the usual export), share the vault's
    // fingerprint; it is recomputed only for a selection.
    let whole_vault = entries.len() == vault.contents.entries.len()
        && entries
            .iter()
            .zip(&vault.contents.entries)
            .all(|(selected, stored)| std::ptr::eq(*selected, stored));
    let entries_fingerprint = if whole_vault {
        vault_fingerprint.to_string()
    } else {
        fingerprint::of_vault(entries.iter().map(|e| e.fingerprint.as_str()))?
    };
    let document = Document {
        keycellar_export: EXPORT_VERSION,
        created_at: now_utc(),
        keycellar_version: env!("CARGO_PKG_VERSION"),
        vault_id: vault.id_hex(),
        vault_fingerprint: vault_fingerprint.to_string(),
        entries_fingerprint,
        entries,
    };
    // Pretty printing about doubles the compact vault payload at most.
    crate::secret::to_json(&document, true, 2 * vault.payload_len())
        .map_err(|e| Error::Internal(format!("serialising the export: {e}")))
}

/// The smallest valid export document for one entry, compact, for paper where every byte
/// costs QR codes: only the version and the entry (the optional fields are left out).
pub fn build_single(entry: &Entry) -> Result<SecretBytes> {
    #[derive(Serialize)]
    struct Single<'a> {
        keycellar_export: u32,
        entries: [&'a Entry; 1],
    }
    let document = Single {
        keycellar_export: EXPORT_VERSION,
        entries: [entry],
    };
    crate::secret::to_json(&document, false, 0)
        .map_err(|e| Error::Internal(format!("serialising an entry: {e}")))
}

/// An export document as read back; optional fields make hand-written documents easy.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportDocument {
    /// Checked by the probe in [`parse`] before this struct is read.
    #[serde(rename = "keycellar_export")]
    _version: u32,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    keycellar_version: Option<String>,
    #[serde(default)]
    vault_id: Option<String>,
    #[serde(default)]
    vault_fingerprint: Option<String>,
    #[serde(default)]
    entries_fingerprint: Option<String>,
    entries: Vec<ImportEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportEntry {
    #[serde(default)]
    id: Option<String>,
    label: String,
    exchange: Exchange,
    api_key: String,
    secret: Secret,
    #[serde(default)]
    api_passphrase: Option<Secret>,
    #[serde(default)]
    key_version: Option<String>,
    #[serde(default)]
    account_ref: Option<String>,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    ip_allowlist: Vec<String>,
    #[serde(default)]
    expires: Option<Date>,
    #[serde(default)]
    created: Option<Date>,
    #[serde(default)]
    added_at: Option<String>,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    used_by: Vec<String>,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    lineage: Lineage,
}

/// A decrypted export, every entry checked.
#[derive(Debug)]
pub struct Imported {
    pub entries: Vec<Entry>,
    pub created_at: Option<String>,
    pub keycellar_version: Option<String>,
    pub vault_id: Option<String>,
    pub vault_fingerprint: Option<String>,
}

/// Reads a decrypted export document. Each entry is validated and its fingerprint
/// recomputed; a fingerprint that differs from the one the document records is a
/// verification failure (exit 4), and nothing is returned.
pub fn parse(plaintext: &[u8], name: &str) -> Result<Imported> {
    let not_export = |problem| Error::NotAnExport {
        name: name.to_string(),
        problem,
    };
    let text = std::str::from_utf8(plaintext).map_err(|_| not_export(NotExport::NotUtf8))?;
    #[derive(Deserialize)]
    struct Probe {
        keycellar_export: Option<u32>,
    }
    let probe: Probe = serde_json::from_str(text).map_err(|_| not_export(NotExport::NotJson))?;
    match probe.keycellar_export {
        None => return Err(not_export(NotExport::NoVersionField)),
        Some(EXPORT_VERSION) => {}
        Some(found) => {
            return Err(Error::UnsupportedVersion {
                what: "the export format of",
                path: PathBuf::from(name),
                found,
                supported: EXPORT_VERSION,
            });
        }
    }
    let document: ImportDocument =
        crate::source::parse_json(text).map_err(|problem| Error::BadJson {
            source_name: name.to_string(),
            problem,
        })?;
    let mut entries = Vec::with_capacity(document.entries.len());
    let mut mismatches = Vec::new();
    for item in document.entries {
        let recorded = item.fingerprint.clone();
        let mut entry = item.into_entry();
        validate::normalize(&mut entry);
        let report = validate::check(&entry);
        if !report.errors.is_empty() {
            return Err(Error::Invalid {
                label: entry.label,
                problems: report.errors,
            });
        }
        entry.fingerprint = fingerprint::of_entry(&entry)?;
        if let Some(recorded) = recorded
            && !fingerprint::same(&recorded, &entry.fingerprint)
        {
            mismatches.push(format!(
                "{}: the backup records {recorded} but its key gives {}",
                entry.label, entry.fingerprint
            ));
        }
        entries.push(entry);
    }
    if let Some(recorded) = &document.entries_fingerprint {
        let actual = fingerprint::of_vault(entries.iter().map(|e| e.fingerprint.as_str()))?;
        if !fingerprint::same(recorded, &actual) {
            mismatches.push(format!(
                "the backup records entries fingerprint {recorded} but its entries give {actual}"
            ));
        }
    }
    if !mismatches.is_empty() {
        return Err(Error::BackupAltered {
            name: name.to_string(),
            problems: mismatches,
        });
    }
    Ok(Imported {
        entries,
        created_at: document.created_at,
        keycellar_version: document.keycellar_version,
        vault_id: document.vault_id,
        vault_fingerprint: document.vault_fingerprint,
    })
}

impl ImportEntry {
    fn into_entry(self) -> Entry {
        Entry {
            id: self.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            label: self.label,
            exchange: self.exchange,
            api_key: self.api_key,
            secret: self.secret,
            api_passphrase: self.api_passphrase,
            key_version: self.key_version,
            account_ref: self.account_ref,
            permissions: self.permissions,
            ip_allowlist: self.ip_allowlist,
            expires: self.expires,
            created: self.created,
            added_at: self.added_at.unwrap_or_else(now_utc),
            status: self.status,
            notes: self.notes,
            used_by: self.used_by,
            fingerprint: String::new(),
            lineage: self.lineage,
        }
    }
}

#[cfg(test)]
mod tests;

//! An unlocked vault: create, open, change entries, re-key, and save durably.
//!
//! Opening derives the passphrase key once; the vault key stays in memory (zeroized on
//! drop) so a command that reads and then saves runs the KDF a single time, and the
//! read-back check after a save needs no second derivation.

use crate::credential::entry::{Entry, NewEntry, Status};
use crate::credential::fingerprint;
use crate::credential::validate::{self, Report};
use crate::crypto::{self, NONCE_LEN};
use crate::error::{Error, Result};
use crate::secret::{Key32, Secret, SecretBytes};
use crate::vault::format::keyslot::{Keyslot, PassphraseSlot};
use format::Header;
use kdf::KdfParams;
use payload::{Contents, PAYLOAD_SCHEMA, decode_contents};
use std::path::{Path, PathBuf};
use std::time::Duration;
use store::VaultLock;
use zeroize::Zeroizing;

pub mod backup_log;
pub mod format;
pub mod kdf;
pub mod payload;
mod save;
pub mod store;

/// The current time as RFC 3339 UTC with whole seconds, e.g. `2026-11-22T09:30:00Z`.
pub fn now_utc() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// An open vault with its key in memory.
pub struct Vault {
    path: PathBuf,
    header: Header,
    key: Key32,
    /// The entries and other payload data.
    pub contents: Contents,
    /// Length of the payload document last read or written, to size the next one.
    payload_len: usize,
    lock: Option<VaultLock>,
}

impl Vault {
    /// Creates a new vault file at `path` (never overwriting) with one passphrase keyslot,
    /// holding `entries` (already validated, e.g. restored from a backup).
    pub fn create(
        path: &Path,
        passphrase: &Secret,
        params: KdfParams,
        entries: Vec<Entry>,
    ) -> Result<Vault> {
        let vault_id = crypto::random_array::<16>()?;
        let key: Key32 = Zeroizing::new(crypto::random_array::<32>()?);
        let slot = PassphraseSlot::create(&vault_id, &key, passphrase.expose().as_bytes(), params)?;
        let mut vault = Vault {
            path: path.to_path_buf(),
            header: Header {
                vault_id,
                generation: 0,
                payload_nonce: [0; NONCE_LEN],
                keyslots: vec![Keyslot::Passphrase(slot)],
            },
            key,
            contents: Contents {
                schema: PAYLOAD_SCHEMA,
                created_at: now_utc(),
                entries,
                backups: Vec::new(),
            },
            payload_len: 0,
            lock: None,
        };
        let (header, bytes, plaintext) = vault.seal_next()?;
        store::create(path, &bytes, &|written| {
            vault.check_written(written, &plaintext)
        })?;
        vault.header = header;
        vault.payload_len = plaintext.len();
        Ok(vault)
    }

    /// Opens a vault for reading. No lock is taken: saves replace the file atomically.
    pub fn open(path: &Path, passphrase: &Secret) -> Result<Vault> {
        Self::from_bytes(path, &store::read(path)?, passphrase)
    }

    /// Opens the vault file content `bytes`, read from `path` (named in errors).
    pub fn from_bytes(path: &Path, bytes: &[u8], passphrase: &Secret) -> Result<Vault> {
        let parsed = format::parse(bytes).map_err(|e| e.at(path))?;
        let vault_id = parsed.header.vault_id;
        let mut key = None;
        let mut has_passphrase_slot = false;
        for slot in &parsed.header.keyslots {
            if let Keyslot::Passphrase(slot) = slot {
                has_passphrase_slot = true;
                key = slot.unlock(&vault_id, passphrase.expose().as_bytes())?;
                if key.is_some() {
                    break;
                }
            }
        }
        if !has_passphrase_slot {
            return Err(Error::DamagedHeader {
                path: path.to_path_buf(),
                what: "has no passphrase keyslot this version can use".into(),
            });
        }
        let key = key.ok_or_else(|| Error::WrongPassphrase {
            path: path.to_path_buf(),
        })?;
        let plaintext = decrypt_payload(path, &parsed, &key)?;
        let contents = decode_contents(path, &plaintext)?;
        Ok(Vault {
            path: path.to_path_buf(),
            header: parsed.header,
            key,
            contents,
            payload_len: plaintext.len(),
            lock: None,
        })
    }

    /// Opens a vault to change it: takes the exclusive lock first (waiting up to
    /// `lock_timeout`), removes temp files a killed save left behind, then opens.
    pub fn open_for_change(
        path: &Path,
        passphrase: &Secret,
        lock_timeout: Duration,
    ) -> Result<Vault> {
        if !path.exists() {
            return Err(Error::VaultNotFound {
                path: path.to_path_buf(),
            });
        }
        let lock = store::lock(path, lock_timeout)?;
        store::remove_stale_temps(path, &lock)?;
        let mut vault = Vault::open(path, passphrase)?;
        vault.lock = Some(lock);
        // Whatever this command changes is written in the current payload schema.
        vault.contents.schema = PAYLOAD_SCHEMA;
        Ok(vault)
    }

    /// The vault file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The random vault id, as 32 hex digits.
    pub fn id_hex(&self) -> String {
        self.header
            .vault_id
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Length of the decrypted payload document, to size documents built from it.
    pub fn payload_len(&self) -> usize {
        self.payload_len
    }

    /// How many times the vault has been saved.
    pub fn generation(&self) -> u64 {
        self.header.generation
    }

    /// KDF parameters of the passphrase keyslots.
    pub fn kdf_params(&self) -> Vec<KdfParams> {
        self.passphrase_slots().map(|s| s.params).collect()
    }

    fn passphrase_slots(&self) -> impl Iterator<Item = &PassphraseSlot> {
        self.header.keyslots.iter().filter_map(|s| match s {
            Keyslot::Passphrase(p) => Some(p),
            Keyslot::Unknown { .. } => None,
        })
    }

    /// The vault fingerprint over the stored entry fingerprints.
    pub fn fingerprint(&self) -> Result<String> {
        fingerprint::of_vault(self.contents.entries.iter().map(|e| e.fingerprint.as_str()))
    }

    /// The current entry with this label (a rotated key never shadows the current one).
    pub fn find(&self, label: &str) -> Result<&Entry> {
        let index = self.index_of(label)?;
        Ok(&self.contents.entries[index])
    }

    fn index_of(&self, label: &str) -> Result<usize> {
        let matching = |e: &&Entry| e.label == label;
        let entries = &self.contents.entries;
        entries
            .iter()
            .position(|e| matching(&e) && e.status != Status::Rotated)
            .or_else(|| entries.iter().position(|e| matching(&e)))
            .ok_or_else(|| Error::EntryNotFound {
                label: label.to_string(),
            })
    }

    fn label_taken(&self, label: &str, except: Option<usize>) -> bool {
        self.contents
            .entries
            .iter()
            .enumerate()
            .any(|(i, e)| Some(i) != except && e.label == label && e.status != Status::Rotated)
    }

    /// Validates and adds a new entry, recording its fingerprint. Returns the stored entry
    /// and the validation warnings.
    pub fn add(&mut self, new: NewEntry) -> Result<(&Entry, Vec<String>)> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut entry = new.into_entry(id, now_utc());
        validate::normalize(&mut entry);
        if self.label_taken(&entry.label, None) {
            return Err(Error::LabelExists { label: entry.label });
        }
        let Report {
            errors,
            mut warnings,
        } = validate::check(&entry);
        if !errors.is_empty() {
            return Err(Error::Invalid {
                label: entry.label,
                problems: errors,
            });
        }
        entry.fingerprint = fingerprint::of_entry(&entry)?;
        if let Some(twin) = self
            .contents
            .entries
            .iter()
            .find(|e| e.fingerprint == entry.fingerprint)
        {
            warnings.push(format!(
                "the same key is already stored as {:?}",
                twin.label
            ));
        }
        self.contents.entries.push(entry);
        let added = self
            .contents
            .entries
            .last()
            .ok_or_else(|| Error::Internal("the entry just added is missing".into()))?;
        Ok((added, warnings))
    }

    /// Applies `change` to the entry's metadata, then re-validates it. The secret parts and
    /// the fingerprint are not the caller's to change here.
    pub fn edit(&mut self, label: &str, change: impl FnOnce(&mut Entry)) -> Result<Vec<String>> {
        let index = self.index_of(label)?;
        let mut entry = self.contents.entries[index].clone();
        change(&mut entry);
        validate::normalize(&mut entry);
        if entry.label != label && self.label_taken(&entry.label, Some(index)) {
            return Err(Error::LabelExists { label: entry.label });
        }
        let Report { errors, warnings } = validate::check(&entry);
        if !errors.is_empty() {
            return Err(Error::Invalid {
                label: entry.label,
                problems: errors,
            });
        }
        let before = &self.contents.entries[index];
        if fingerprint::of_entry(&entry)? != fingerprint::of_entry(before)? {
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

    /// Replaces every passphrase keyslot with one for `new_passphrase`. `params` defaults to
    /// the parameters of the current first passphrase slot.
    pub fn change_passphrase(
        &mut self,
        new_passphrase: &Secret,
        params: Option<KdfParams>,
    ) -> Result<()> {
        let params = match params.or_else(|| self.kdf_params().first().copied()) {
            Some(p) => p,
            None => return Err(Error::Internal("no passphrase keyslot".into())),
        };
        let slot = PassphraseSlot::create(
            &self.header.vault_id,
            &self.key,
            new_passphrase.expose().as_bytes(),
            params,
        )?;
        self.header
            .keyslots
            .retain(|s| !matches!(s, Keyslot::Passphrase(_)));
        self.header.keyslots.insert(0, Keyslot::Passphrase(slot));
        Ok(())
    }
}

fn decrypt_payload(path: &Path, parsed: &format::Parsed, key: &[u8; 32]) -> Result<SecretBytes> {
    crypto::open(
        key,
        &parsed.header.payload_nonce,
        parsed.header_bytes,
        parsed.sealed_payload,
    )
    .ok_or_else(|| Error::DamagedPayload {
        path: path.to_path_buf(),
        what: "fails authentication although its checksum matches".into(),
    })
}

//! An unlocked vault: create, open, change entries, re-key, and save durably.
//!
//! Opening derives the passphrase key once; the vault key stays in memory (zeroized on
//! drop) so a command that reads and then saves runs the KDF a single time, and the
//! read-back check after a save needs no second derivation.

use crate::clock::Timestamp;
use crate::credential::entry::Entry;
use crate::credential::fingerprint::{self, Fingerprint};
use crate::crypto::{self, NONCE_LEN};
use crate::error::{Error, Result};
use crate::secret::{Key32, Secret, SecretBytes};
use format::Header;
use format::keyslot::{Keyslot, PassphraseSlot};
use kdf::KdfParams;
use payload::{Contents, PAYLOAD_SCHEMA, decode_contents};
use std::path::{Path, PathBuf};
use std::time::Duration;
use store::VaultLock;
use zeroize::Zeroizing;

pub mod backup_log;
internal_mod!(format);
pub mod kdf;
internal_mod!(payload);
mod entries;
mod save;
pub mod store;

pub use entries::{EntryChange, Replacement, Rotated, Verification, verify_outcome};

/// An open vault with its key in memory.
pub struct Vault {
    path: PathBuf,
    header: Header,
    key: Key32,
    /// The entries and other payload data; changed only through the operations in
    /// `entries.rs`, each of which completes or leaves the contents as they were.
    contents: Contents,
    /// Length of the payload document last read or written, to size the next one.
    payload_len: usize,
    lock: Option<VaultLock>,
}

/// Shows what a vault holds with every secret redacted, and never its key.
impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("generation", &self.header.generation)
            .field("contents", &self.contents)
            .finish_non_exhaustive()
    }
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
                created_at: Timestamp::now(),
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
        let contents = decode_contents(&plaintext).map_err(|e| e.at(path))?;
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
    pub fn fingerprint(&self) -> Fingerprint {
        fingerprint::of_vault(self.contents.entries.iter().map(Entry::fingerprint))
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

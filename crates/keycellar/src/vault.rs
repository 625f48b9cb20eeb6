//! An unlocked vault: create, open, change entries, re-key, and save durably.
//!
//! Opening asks an [`Unlock`] for the vault key once; the key stays in memory (zeroized on
//! drop) so a command that reads and then saves runs the KDF a single time, and the
//! read-back check after a save needs no second derivation. Only a [`LockedVault`] (opened
//! with [`Vault::open_for_change`], holding the vault's lock) can save.

use crate::credential::entry::Entry;
use crate::credential::fingerprint::{self, Fingerprint};
use crate::crypto;
use crate::error::VaultError;
use crate::error::{Error, Result};
use crate::kdf::KdfParams;
use crate::secret::{Key32, SecretBytes};
use format::Header;
use format::keyslot::{Keyslot, PassphraseSlot};
use hmac::{Hmac, KeyInit, Mac};
use payload::Contents;
use sha2::Sha256;
use std::path::{Path, PathBuf};

pub mod backup_log;
internal_mod!(format);
internal_mod!(payload);
mod entries;
mod locked;
pub mod merge;
mod open;
mod rekey;
pub mod run_lock;
pub mod runtime_dir;
mod save;
mod slots;
pub mod store;
mod unlock;
mod verify;

pub use entries::{EntryChange, Replacement, Rotated};
pub use locked::LockedVault;
pub use save::Saved;
pub use slots::{SlotInfo, SlotKind, recipient_kind};
pub(crate) use slots::{plugin_messages, recipient};
pub use unlock::{Passphrase, Unlock, VaultHeader, VaultKey};
pub use verify::{Mismatch, Verification};

/// Domain separation of the state code.
const STATE_LABEL: &[u8] = b"keycellar/state-code/v1\0";

/// An open vault with its key in memory.
pub struct Vault {
    /// The path as the user gave it, named in messages.
    path: PathBuf,
    /// The file it names, symbolic links followed: where the lock, the temp files and the
    /// generations are, and what a save replaces.
    file: PathBuf,
    header: Header,
    key: Key32,
    /// The entries and other payload data; changed only through the operations in
    /// `entries.rs`, each of which completes or leaves the contents as they were.
    contents: Contents,
    /// Length of the payload document last read or written, to size the next one.
    payload_len: usize,
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
    /// The vault file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The random vault id, as 32 hex digits.
    pub fn id_hex(&self) -> String {
        unlock::hex(&self.header.vault_id)
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
            Keyslot::Age(_) | Keyslot::Unknown { .. } => None,
        })
    }

    /// A short code over everything the vault holds (every field of every entry, and its
    /// record of backups), keyed by the vault key: any change, and so any rollback to an
    /// older copy, shows as another code. docs/FORMAT.md section 2 specifies it.
    pub fn state_code(&self) -> Result<Fingerprint> {
        let document = self.document()?;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key[..])
            .map_err(|_| Error::Internal("HMAC refused a key".into()))?;
        mac.update(STATE_LABEL);
        mac.update(&document);
        Ok(Fingerprint::from_digest(&mac.finalize().into_bytes()))
    }

    /// The vault fingerprint over the stored entry fingerprints.
    pub fn fingerprint(&self) -> Fingerprint {
        fingerprint::of_vault(self.contents.entries.iter().map(Entry::fingerprint))
    }
}

fn decrypt_payload(path: &Path, parsed: &format::Parsed, key: &[u8; 32]) -> Result<SecretBytes> {
    crypto::open(
        key,
        &parsed.header.payload_nonce,
        parsed.header_bytes,
        parsed.sealed_payload,
    )
    .ok_or_else(|| {
        Error::Vault(VaultError::DamagedPayload {
            path: path.to_path_buf(),
            what: "fails authentication although its checksum matches".into(),
        })
    })
}

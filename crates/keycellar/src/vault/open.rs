//! Creating a vault, and opening one to read it or to change it.
//!
//! Opening to change obtains the key (from an [`Unlock`]) before it takes the lock:
//! Argon2id is the slow step, and other writers should wait only for a save, not for this
//! command's key derivation. Under the lock the file is read again, and the key obtained
//! outside is used only if the keyslot it came from is still in the header.

use super::backup_log::BackupKind;
use super::format::keyslot::{Keyslot, PassphraseSlot};
use super::format::{self, Header};
use super::payload::{BASE_PAYLOAD_SCHEMA, Contents, decode_contents};
use super::unlock::{self, Unlock};
use super::{LockedVault, Vault, decrypt_payload, store};
use crate::clock::Timestamp;
use crate::credential::entry::Entry;
use crate::crypto::{self, NONCE_LEN};
use crate::error::VaultError;
use crate::error::{Error, Result};
use crate::kdf::KdfParams;
use crate::passphrase::NewPassphrase;
use crate::passphrase::cost::Kdf;
use crate::secret::{Key32, SecretBytes};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

/// How the record of a vault made from a backup describes who can open that backup: it is
/// the backup the vault was restored from, which keycellar did not make here.
pub const RESTORED_FROM: &str = "(the backup this vault was restored from)";

impl Vault {
    /// Creates a new vault file at `path` (never overwriting) with one passphrase keyslot,
    /// holding `entries` (already admitted, e.g. restored from a backup). The passphrase
    /// must clear the floor at `params` (`NewPassphrase::check`).
    pub fn create(
        path: &Path,
        passphrase: &NewPassphrase,
        params: KdfParams,
        entries: Vec<Entry>,
    ) -> Result<Vault> {
        Self::create_with(path, passphrase, params, entries, None)
    }

    /// [`Vault::create`] for a vault made from a backup (`import --init`, `restore
    /// --init`): its record of backups starts with that one, of `kind`, which holds every
    /// entry, so the new vault is not reported as never backed up.
    pub fn create_from_backup(
        path: &Path,
        passphrase: &NewPassphrase,
        params: KdfParams,
        entries: Vec<Entry>,
        kind: BackupKind,
    ) -> Result<Vault> {
        Self::create_with(path, passphrase, params, entries, Some(kind))
    }

    fn create_with(
        path: &Path,
        passphrase: &NewPassphrase,
        params: KdfParams,
        entries: Vec<Entry>,
        restored_from: Option<BackupKind>,
    ) -> Result<Vault> {
        passphrase.check(Kdf::from(&params))?;
        let passphrase = passphrase.secret();
        let vault_id = crypto::random_array::<16>()?;
        let key: Key32 = Zeroizing::new(crypto::random_array::<32>()?);
        let slot = PassphraseSlot::create(&vault_id, &key, passphrase.expose().as_bytes(), params)?;
        let mut vault = Vault {
            path: path.to_path_buf(),
            file: path.to_path_buf(),
            header: Header {
                vault_id,
                generation: 0,
                payload_nonce: [0; NONCE_LEN],
                keyslots: vec![Keyslot::Passphrase(slot)],
            },
            key,
            contents: Contents {
                schema: BASE_PAYLOAD_SCHEMA,
                created_at: Timestamp::now(),
                entries,
                backups: Vec::new(),
            },
            payload_len: 0,
        };
        if let Some(kind) = restored_from {
            let fingerprints = vault
                .contents
                .entries
                .iter()
                .map(|e| e.fingerprint)
                .collect();
            vault.record_backup(kind, fingerprints, vec![RESTORED_FROM.to_string()]);
        }
        let plaintext = vault.document()?;
        let (header, bytes) = vault.seal_next(&plaintext)?;
        store::create(path, &bytes, &|written| {
            vault.check_written(written, &plaintext)
        })?;
        vault.header = header;
        vault.payload_len = plaintext.len();
        Ok(vault)
    }

    /// Opens a vault for reading, its key from `unlock`. No lock is taken (saves replace
    /// the file atomically), except to finish or clear away a save that was killed
    /// half-way, when the lock is free.
    pub fn open(path: &Path, unlock: &mut dyn Unlock) -> Result<Vault> {
        let file = store::resolve(path)?;
        if store::needs_cleanup(&file) {
            // Best effort: the vault reads the same either way, and a command that changes
            // it does the same before it writes.
            if let Ok(lock) = store::lock(&file, Duration::ZERO) {
                let _ =
                    recover(&file, &lock).and_then(|()| store::remove_stale_temps(&file, &lock));
            }
        }
        let mut vault = Self::from_bytes(path, &store::read(&file)?, unlock)?;
        vault.file = file;
        Ok(vault)
    }

    /// Opens the vault file content `bytes`, read from `path` (named in errors).
    pub fn from_bytes(path: &Path, bytes: &[u8], unlock: &mut dyn Unlock) -> Result<Vault> {
        let parsed = format::parse(bytes).map_err(|e| e.at(path))?;
        let key = unlock::key_for(unlock, path, &parsed.header)?;
        Ok(Self::with_key(path, parsed, key.key)?.0)
    }

    /// Opens a vault to change it: asks `unlock` for the key, takes the exclusive lock
    /// (waiting up to `lock_timeout`), removes temp files a killed save left behind, and
    /// reads the vault as it is under the lock. A save killed half-way is finished (or
    /// undone) first. The key obtained before the lock is used only if the keyslot it came
    /// from is still in the header read under the lock; otherwise `unlock` is asked again.
    pub fn open_for_change(
        path: &Path,
        unlock: &mut dyn Unlock,
        lock_timeout: Duration,
    ) -> Result<LockedVault> {
        let file = store::resolve(path)?;
        if !file.exists() {
            return Err(Error::Vault(VaultError::VaultNotFound {
                path: path.to_path_buf(),
            }));
        }
        let before = store::read(&file)?;
        let parsed = format::parse(&before).map_err(|e| e.at(path))?;
        let key = unlock::key_for(unlock, path, &parsed.header)?;
        let vault_id = parsed.header.vault_id;
        let lock = store::lock_while(&file, lock_timeout, &|| unlock.may_wait())?;
        recover(&file, &lock)?;
        store::remove_stale_temps(&file, &lock)?;
        let now = store::read(&file)?;
        let parsed = format::parse(&now).map_err(|e| e.at(path))?;
        let unchanged =
            parsed.header.vault_id == vault_id && parsed.header.keyslots.contains(&key.slot);
        let key = match unchanged {
            true => key,
            false => unlock::key_for(unlock, path, &parsed.header)?,
        };
        let (mut vault, plaintext) = Self::with_key(path, parsed, key.key)?;
        vault.file = file;
        // Whatever this command changes is written in the current payload schema (3 only
        // when an entry needs it: `payload::Written`).
        vault.contents.schema = BASE_PAYLOAD_SCHEMA;
        Ok(LockedVault {
            vault,
            lock,
            saved_digest: crypto::sha256(&[&plaintext]),
            previous_key: None,
            keyslots_changed: false,
        })
    }

    /// The vault in `parsed`, its payload decrypted with `key`; also the payload document.
    fn with_key(path: &Path, parsed: format::Parsed, key: Key32) -> Result<(Vault, SecretBytes)> {
        let plaintext = decrypt_payload(path, &parsed, &key)?;
        let contents = decode_contents(&plaintext).map_err(|e| e.at(path))?;
        let vault = Vault {
            path: path.to_path_buf(),
            file: path.to_path_buf(),
            header: parsed.header,
            key,
            contents,
            payload_len: plaintext.len(),
        };
        Ok((vault, plaintext))
    }
}

/// Finishes a save that was killed after its new file replaced the vault (its generations
/// wait under pending names), or undoes one killed before: the save happened if the vault
/// is of a later generation than the pending `.1`. Needs no key. A vault that does not
/// parse is left as it is, pending files included, for the user to look at.
fn recover(file: &Path, lock: &store::VaultLock) -> Result<()> {
    if !store::has_pending(file) {
        return Ok(());
    }
    let identity = |path: &Path| {
        let bytes = store::read(path).ok()?;
        let parsed = format::parse(&bytes).ok()?;
        Some((parsed.header.vault_id, parsed.header.generation))
    };
    let Some((vault_id, generation)) = identity(file) else {
        return Ok(());
    };
    match identity(&store::pending_path(file, 1)) {
        Some((id, pending)) if id == vault_id && generation > pending => {
            store::finish_generations(file, lock)
        }
        _ => store::discard_pending(file, lock),
    }
}

//! How a vault key is obtained: an [`Unlock`] is given the vault's path and its header,
//! read and checked but not yet opened, and answers with the vault key and the keyslot that
//! gave it ([`VaultKey`]), or an error. A passphrase is one way ([`Passphrase`]); the
//! command line asks on the terminal (three tries, a spinner while Argon2id runs), an agent
//! holds a key it derived once, and a keyslot of another kind (an age identity) is another.
//!
//! The keyslot travels with the key so that a vault opened to change it can check, under
//! its lock, that the slot the key came from is still in the header (a `passwd` that ran
//! meanwhile gave the vault a new key).

use super::format::age_slot::AgeSlot;
use super::format::keyslot::{Keyslot, PassphraseSlot};
use super::format::{self, Cursor, Header};
use super::store;
use crate::error::VaultError;
use crate::error::{Error, Result};
use crate::kdf::KdfParams;
use crate::secret::{Key32, Secret};
use std::path::Path;

/// A way to obtain the key of the vault at `path`, whose header is `header`.
pub trait Unlock {
    /// The vault key. Called once per opening, and a second time when the vault changed
    /// between reading it and taking its lock; an implementation that asks a person may
    /// try the answer it got the first time before asking again.
    fn unlock(&mut self, path: &Path, header: &VaultHeader) -> Result<VaultKey>;

    /// Whether a change may go on waiting for the vault's lock, asked between tries and
    /// never once the lock is taken: an agent that is stopping says no, so that a change it
    /// answers as not made is never made after.
    fn may_wait(&self) -> bool {
        true
    }
}

/// Unlocks with one passphrase, tried on every passphrase keyslot.
pub struct Passphrase<'a>(pub &'a Secret);

impl Unlock for Passphrase<'_> {
    fn unlock(&mut self, path: &Path, header: &VaultHeader) -> Result<VaultKey> {
        header.unlock_with_passphrase(path, self.0)
    }
}

/// A vault key and the keyslot it was unwrapped from. Never printed, never serialised.
pub struct VaultKey {
    pub(super) key: Key32,
    pub(super) slot: Keyslot,
}

impl VaultKey {
    /// A key held elsewhere (an agent's), with the bytes of the keyslot it came from as
    /// [`VaultKey::keyslot`] gave them; `None` when those bytes are not one keyslot.
    pub fn from_parts(key: Key32, keyslot: &[u8]) -> Option<VaultKey> {
        let mut cursor = Cursor::new(keyslot);
        let slot = Keyslot::decode(&mut cursor)?;
        cursor.finished().then_some(VaultKey { key, slot })
    }

    /// The 32 bytes of the key, for a front end that keeps it (an agent's locked page).
    pub fn expose(&self) -> &[u8; 32] {
        &self.key
    }

    /// The keyslot the key came from, as stored in the header.
    pub fn keyslot(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.slot.encode(&mut bytes);
        bytes
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(..)")
    }
}

/// A vault's header as read and checked before it is unlocked: enough to find the vault
/// (its id) and to unlock it, nothing sealed.
#[derive(Clone, Debug)]
pub struct VaultHeader {
    pub(super) header: Header,
}

impl VaultHeader {
    /// Reads the header of the vault at `path`. Needs no key; the payload is not opened.
    pub fn read(path: &Path) -> Result<VaultHeader> {
        let file = store::resolve(path)?;
        let bytes = store::read(&file)?;
        let parsed = format::parse(&bytes).map_err(|e| e.at(path))?;
        Ok(VaultHeader {
            header: parsed.header,
        })
    }

    /// The random vault id, as 32 hex digits.
    pub fn id_hex(&self) -> String {
        hex(&self.header.vault_id)
    }

    /// How many times the vault has been saved.
    pub fn generation(&self) -> u64 {
        self.header.generation
    }

    /// KDF parameters of the passphrase keyslots.
    pub fn kdf_params(&self) -> Vec<KdfParams> {
        passphrase_slots(&self.header).map(|s| s.params).collect()
    }

    /// The keyslots, in header order, as `slot list` names them.
    pub fn keyslots(&self) -> Vec<super::SlotInfo> {
        super::slots::list(&self.header)
    }

    /// The age keyslots, each with its bytes as [`VaultKey::from_parts`] takes them.
    pub(crate) fn age_slots(&self) -> impl Iterator<Item = (&AgeSlot, Vec<u8>)> {
        self.header.keyslots.iter().filter_map(|slot| match slot {
            Keyslot::Age(age) => {
                let mut bytes = Vec::new();
                slot.encode(&mut bytes);
                Some((age, bytes))
            }
            _ => None,
        })
    }

    /// True when the header still holds this keyslot (as [`VaultKey::keyslot`] gave it).
    pub fn holds_keyslot(&self, keyslot: &[u8]) -> bool {
        let mut cursor = Cursor::new(keyslot);
        Keyslot::decode(&mut cursor).is_some_and(|slot| self.header.keyslots.contains(&slot))
    }

    /// The vault key the passphrase opens, from the first passphrase keyslot it opens.
    pub fn unlock_with_passphrase(&self, path: &Path, passphrase: &Secret) -> Result<VaultKey> {
        let vault_id = self.header.vault_id;
        let mut has_passphrase_slot = false;
        for slot in passphrase_slots(&self.header) {
            has_passphrase_slot = true;
            if let Some(key) = slot.unlock(&vault_id, passphrase.expose().as_bytes())? {
                let slot = Keyslot::Passphrase(slot.clone());
                return Ok(VaultKey { key, slot });
            }
        }
        let path = path.to_path_buf();
        Err(match has_passphrase_slot {
            true => Error::Vault(VaultError::WrongPassphrase { path }),
            false => Error::Vault(VaultError::DamagedHeader {
                path,
                what: "has no passphrase keyslot this version can use".into(),
            }),
        })
    }
}

fn passphrase_slots(header: &Header) -> impl Iterator<Item = &PassphraseSlot> {
    header.keyslots.iter().filter_map(|s| match s {
        Keyslot::Passphrase(p) => Some(p),
        Keyslot::Age(_) | Keyslot::Unknown { .. } => None,
    })
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Asks `unlock` for the key of the vault whose header is `header`, and refuses a key whose
/// keyslot is not in that header (a key held since before a passphrase change).
pub(super) fn key_for(unlock: &mut dyn Unlock, path: &Path, header: &Header) -> Result<VaultKey> {
    let view = VaultHeader {
        header: header.clone(),
    };
    let key = unlock.unlock(path, &view)?;
    match header.keyslots.contains(&key.slot) {
        true => Ok(key),
        false => Err(Error::Vault(VaultError::KeyNotInVault {
            path: path.to_path_buf(),
        })),
    }
}

#[cfg(test)]
mod tests;

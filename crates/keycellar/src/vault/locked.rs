//! A vault opened to change it: it holds the vault's exclusive lock for as long as it lives,
//! and it is the only type that can save ([`LockedVault::save`]) or re-key
//! ([`LockedVault::change_passphrase`]), so a save without the lock cannot be written.
//! Everything a read-only [`Vault`] offers, and its changes to entries (which save nothing
//! by themselves), are reached through `Deref`.

use super::Vault;
use super::store::VaultLock;
use crate::secret::Key32;
use std::ops::{Deref, DerefMut};

/// An open vault holding its lock; see the module documentation.
pub struct LockedVault {
    pub(super) vault: Vault,
    pub(super) lock: VaultLock,
    /// SHA-256 of the payload document as last read or written under the lock: a save of
    /// the same document writes nothing.
    pub(super) saved_digest: [u8; 32],
    /// After a passphrase change, the key the generations beside the vault are sealed with,
    /// until the next save re-seals them under the new key.
    pub(super) previous_key: Option<Key32>,
    /// A keyslot was added or removed since the last save: the next save writes even when
    /// the payload document is the same.
    pub(super) keyslots_changed: bool,
}

impl Deref for LockedVault {
    type Target = Vault;

    fn deref(&self) -> &Vault {
        &self.vault
    }
}

impl DerefMut for LockedVault {
    fn deref_mut(&mut self) -> &mut Vault {
        &mut self.vault
    }
}

/// Shows what [`Vault`]'s `Debug` shows: never a key.
impl std::fmt::Debug for LockedVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LockedVault").field(&self.vault).finish()
    }
}

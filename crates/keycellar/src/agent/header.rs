//! What the agent and its clients read from a vault without its key: the file a path names
//! and the vault id (to find the agent), and whether the keyslot an agent was unlocked
//! through is still in the header (to lock it after `passwd`).

use super::state::Served;
use crate::vault::VaultHeader;
use crate::vault::store;
use std::path::{Path, PathBuf};

/// A vault as an agent knows it: the file (links followed) and the id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultIdentity {
    pub file: PathBuf,
    pub vault_id: String,
}

/// Reads the header of the vault at `path` (no key needed).
pub fn identify(path: &Path) -> crate::Result<VaultIdentity> {
    let header = VaultHeader::read(path)?;
    let file = store::resolve(path)?;
    Ok(VaultIdentity {
        vault_id: header.id_hex(),
        file,
    })
}

/// True when the served vault still has its id and the keyslot the key came from.
pub fn still_holds(served: &Served) -> bool {
    VaultHeader::read(&served.file)
        .is_ok_and(|h| h.id_hex() == served.vault_id && h.holds_keyslot(&served.keyslot))
}

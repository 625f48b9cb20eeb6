//! What the agent and its clients read from a vault without its key: the file a path names
//! and the vault id (to find the agent), and whether the keyslot an agent was unlocked
//! through is still in the header (to lock it after `passwd`).

use super::state::Served;
use crate::vault::format::{self, Header};
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
    let file = store::resolve(path)?;
    let header = read_header(path, &file)?;
    Ok(VaultIdentity {
        vault_id: hex(&header.vault_id),
        file,
    })
}

/// True when the served vault still has its id and the keyslot the key came from.
pub fn still_holds(served: &Served) -> bool {
    let Ok(header) = read_header(&served.file, &served.file) else {
        return false;
    };
    hex(&header.vault_id) == served.vault_id
        && header.keyslots.iter().any(|slot| {
            let mut bytes = Vec::new();
            slot.encode(&mut bytes);
            bytes == served.keyslot
        })
}

fn read_header(path: &Path, file: &Path) -> crate::Result<Header> {
    let bytes = store::read(file)?;
    let parsed = format::parse(&bytes).map_err(|e| e.at(path))?;
    Ok(parsed.header)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

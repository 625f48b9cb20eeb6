//! The second half of a save: a staged file is put in place after the generations beside
//! the vault move back one (`VAULT.1` becomes `VAULT.2`, the vault becomes `VAULT.1`). After
//! a passphrase change the generations are replaced by copies re-sealed under the new key.

use super::{
    GENERATIONS, VaultLock, create_private, directory_of, fault, generation_path, read,
    sync_directory, unsynced, write_temp,
};
use crate::error::{Error, Result};
use std::fs;
use std::io::Write;
use std::path::Path;

/// A new vault file written beside the vault, synced and verified, not yet in place.
/// Dropping it removes the temp file and leaves the vault as it was.
#[derive(Debug)]
pub struct Staged {
    temp: tempfile::NamedTempFile,
}

/// The first half of a save: writes `bytes` to a synced temp file beside the vault and
/// verifies it. The vault is not touched, so the caller can still give up.
pub fn stage(
    vault: &Path,
    bytes: &[u8],
    _lock: &VaultLock,
    verify: &dyn Fn(&[u8]) -> Result<()>,
) -> Result<Staged> {
    Ok(Staged {
        temp: write_temp(vault, bytes, verify)?,
    })
}

/// The second half of a save: keeps the previous generations and renames the staged file
/// over the vault.
pub fn commit(vault: &Path, staged: Staged, _lock: &VaultLock) -> Result<()> {
    fault("move-generations")
        .map_err(|e| Error::io(format!("cannot move {} aside", vault.display()), e))?;
    rotate_generations(vault)?;
    fault("rename")
        .and_then(|()| staged.temp.persist(vault).map_err(|e| e.error))
        .map_err(|e| Error::io(format!("cannot replace {}", vault.display()), e))?;
    sync_directory(directory_of(vault)).map_err(|e| unsynced(vault, e))?;
    fault("done").map_err(|e| Error::io("after the save", e))
}

/// `VAULT.1` becomes `VAULT.2`, and the current vault is linked (or copied) to `VAULT.1`.
fn rotate_generations(vault: &Path) -> Result<()> {
    let io = |what: String, e| Error::io(what, e);
    for n in (1..GENERATIONS).rev() {
        let from = generation_path(vault, n);
        if from.exists() {
            let to = generation_path(vault, n + 1);
            fs::rename(&from, &to)
                .map_err(|e| io(format!("cannot move {} aside", from.display()), e))?;
        }
    }
    let first = generation_path(vault, 1);
    if first.exists() {
        fs::remove_file(&first).map_err(|e| io(format!("cannot remove {}", first.display()), e))?;
    }
    if fs::hard_link(vault, &first).is_err() {
        // Some file systems have no hard links; a private copy keeps the same guarantee.
        let old = read(vault)?;
        let mut file = create_private(&first, true)
            .map_err(|e| io(format!("cannot create {}", first.display()), e))?;
        file.write_all(&old)
            .and_then(|()| file.sync_all())
            .map_err(|e| io(format!("cannot write {}", first.display()), e))?;
    }
    Ok(())
}

/// The generations a re-keying save leaves beside the vault, staged: the new `.1` and, when
/// there is one, the new `.2`.
#[derive(Debug)]
pub struct Generations {
    first: Staged,
    second: Option<Staged>,
}

/// Stages re-sealed generations beside the vault (see [`Generations`]).
pub fn stage_generations(
    vault: &Path,
    first: Vec<u8>,
    second: Option<Vec<u8>>,
    _lock: &VaultLock,
) -> Result<Generations> {
    let no_check = |_: &[u8]| Ok(());
    let first = Staged {
        temp: write_temp(vault, &first, &no_check)?,
    };
    let second = match second {
        Some(bytes) => Some(Staged {
            temp: write_temp(vault, &bytes, &no_check)?,
        }),
        None => None,
    };
    Ok(Generations { first, second })
}

/// Like [`commit`], but the generations are the re-sealed copies: `.2` first, then `.1`,
/// then the vault, so that at every instant each path holds a whole file.
pub fn commit_resealed(
    vault: &Path,
    staged: Staged,
    generations: Generations,
    _lock: &VaultLock,
) -> Result<()> {
    fault("move-generations")
        .map_err(|e| Error::io(format!("cannot move {} aside", vault.display()), e))?;
    let (first_path, second_path) = (generation_path(vault, 1), generation_path(vault, 2));
    let put = |staged: Staged, path: &Path| {
        staged
            .temp
            .persist(path)
            .map(drop)
            .map_err(|e| Error::io(format!("cannot replace {}", path.display()), e.error))
    };
    match generations.second {
        Some(second) => put(second, &second_path)?,
        None if first_path.exists() => fs::rename(&first_path, &second_path)
            .map_err(|e| Error::io(format!("cannot move {} aside", first_path.display()), e))?,
        None => {}
    }
    put(generations.first, &first_path)?;
    fault("rename")
        .and_then(|()| staged.temp.persist(vault).map_err(|e| e.error))
        .map_err(|e| Error::io(format!("cannot replace {}", vault.display()), e))?;
    sync_directory(directory_of(vault)).map_err(|e| unsynced(vault, e))?;
    fault("done").map_err(|e| Error::io("after the save", e))
}

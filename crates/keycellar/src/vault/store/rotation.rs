//! The second half of a save. The generations-to-be get pending names beside the vault
//! (`.VAULT.2.pending`, then `.VAULT.1.pending`: hard links to the vault and to `VAULT.1`,
//! or copies re-sealed under a new key after a passphrase change), the directory is
//! synced, the new file is renamed over the vault, and the pending files are renamed to
//! `VAULT.2` and `VAULT.1`. A save killed before its rename over the vault leaves pending
//! files that the next command removes; one killed after it leaves pending files that the
//! next command puts in place ([`finish_generations`]); either way the vault and its
//! generations end in one state, and no generation is lost on the way.

use super::new_file::{NewFile, Role, Visibility};
use super::{
    GENERATIONS, VaultLock, directory_of, fault, generation_path, pending_path, read, unsynced,
};
use crate::error::{Error, Result};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

const ROLE: Role = Role::Vault;

/// A new vault file written beside the vault, synced and verified, not yet in place.
/// Dropping it leaves the vault as it was.
#[derive(Debug)]
pub struct Staged {
    new: NewFile,
}

/// The first half of a save: writes `bytes` to a synced new file beside the vault and
/// verifies it. The vault is not touched, so the caller can still give up.
pub fn stage(
    vault: &Path,
    bytes: &[u8],
    _lock: &VaultLock,
    verify: &dyn Fn(&[u8]) -> Result<()>,
) -> Result<Staged> {
    let new = NewFile::write(
        vault,
        directory_of(vault),
        ROLE,
        Visibility::Private,
        bytes,
        verify,
    )?;
    Ok(Staged { new })
}

/// What a generation beside the vault becomes in a save.
#[derive(Debug)]
enum Keep {
    /// The file at this path as it is (a hard link to it; a copy where there are none).
    AsItIs(PathBuf),
    /// New contents: an earlier file re-sealed under a new key.
    Written(NewFile),
}

/// The generations a save leaves beside the vault: the new `.1` and, when there is one, the
/// new `.2`.
#[derive(Debug)]
pub struct Generations {
    first: Keep,
    second: Option<Keep>,
}

impl Generations {
    /// An ordinary save's: the vault as it is becomes `.1`, and `.1` becomes `.2`.
    fn shifted(vault: &Path) -> Generations {
        let first = generation_path(vault, 1);
        Generations {
            first: Keep::AsItIs(vault.to_path_buf()),
            second: first.exists().then_some(Keep::AsItIs(first)),
        }
    }
}

/// An earlier file for [`stage_generations`].
#[derive(Debug)]
pub enum Previous {
    /// Its contents re-sealed under the new key.
    Resealed(Vec<u8>),
    /// The file kept as it is (one the old key does not open).
    AsItIs(PathBuf),
}

/// Stages the generations a re-keying save leaves: `first` (the vault re-sealed) and the
/// new `.2`, if any.
pub fn stage_generations(
    vault: &Path,
    first: Vec<u8>,
    second: Option<Previous>,
    _lock: &VaultLock,
) -> Result<Generations> {
    let write = |bytes: &[u8]| {
        NewFile::write(
            vault,
            directory_of(vault),
            ROLE,
            Visibility::Private,
            bytes,
            &|_| Ok(()),
        )
    };
    let second = match second {
        Some(Previous::Resealed(bytes)) => Some(Keep::Written(write(&bytes)?)),
        Some(Previous::AsItIs(path)) => Some(Keep::AsItIs(path)),
        None => None,
    };
    Ok(Generations {
        first: Keep::Written(write(&first)?),
        second,
    })
}

/// The second half of a save: the generations go beside the vault under pending names, the
/// staged file replaces the vault, and the generations take their places. `generations`
/// are an ordinary save's when `None`.
pub fn commit(
    vault: &Path,
    staged: Staged,
    generations: Option<Generations>,
    lock: &VaultLock,
) -> Result<()> {
    let generations = generations.unwrap_or_else(|| Generations::shifted(vault));
    let mut new = staged.new;
    let committed = put_pending(vault, generations).and_then(|()| {
        new.replace(vault)
            .map_err(|e| Error::io(format!("cannot replace {}", vault.display()), e))
    });
    if let Err(e) = committed {
        let _ = discard_pending(vault, lock);
        return Err(e);
    }
    finish_generations(vault, lock)?;
    fault(ROLE.name(), "done").map_err(|e| Error::io("after the save", e))
}

/// Gives the generations-to-be their pending names, `.2` first, and syncs the directory.
fn put_pending(vault: &Path, generations: Generations) -> Result<()> {
    if let Some(second) = generations.second {
        keep(vault, second, &pending_path(vault, 2))?;
    }
    keep(vault, generations.first, &pending_path(vault, 1))?;
    let dir = directory_of(vault);
    fault(ROLE.name(), "sync-pending")
        .and_then(|()| File::open(dir))
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("cannot sync {}", dir.display()), e))
}

fn keep(vault: &Path, keep: Keep, pending: &Path) -> Result<()> {
    let cannot = |e| {
        Error::io(
            format!("cannot keep a generation as {}", pending.display()),
            e,
        )
    };
    match keep {
        Keep::Written(mut new) => new.link_as(pending, "keep-generation").map_err(cannot),
        Keep::AsItIs(path) => {
            fault(ROLE.name(), "keep-generation").map_err(cannot)?;
            if fs::hard_link(&path, pending).is_ok() {
                return Ok(());
            }
            // Some file systems have no hard links; a private copy keeps the same guarantee.
            let bytes = read(&path)?;
            let dir = directory_of(vault);
            let mut copy =
                NewFile::write(vault, dir, ROLE, Visibility::Private, &bytes, &|_| Ok(()))?;
            copy.link_as(pending, "keep-generation").map_err(cannot)
        }
    }
}

/// Whether a save left generations under pending names.
pub fn has_pending(vault: &Path) -> bool {
    (1..=GENERATIONS).any(|n| pending_path(vault, n).symlink_metadata().is_ok())
}

/// Puts the pending generations of a save whose new file is in place where they belong,
/// `.2` first; the next command does it for a save killed half-way.
pub fn finish_generations(vault: &Path, _lock: &VaultLock) -> Result<()> {
    for n in (1..=GENERATIONS).rev() {
        let pending = pending_path(vault, n);
        if pending.symlink_metadata().is_err() {
            continue;
        }
        fault(ROLE.name(), "place-generation")
            .and_then(|()| fs::rename(&pending, generation_path(vault, n)))
            .map_err(|e| {
                Error::io(
                    format!(
                        "{} was saved, but its previous generations are not in place yet; \
                         the next command that opens it puts them there",
                        vault.display()
                    ),
                    e,
                )
            })?;
    }
    super::sync_directory(directory_of(vault), ROLE.name()).map_err(|e| unsynced(vault, e))
}

/// Removes the pending generations of a save that did not replace the vault.
pub fn discard_pending(vault: &Path, _lock: &VaultLock) -> Result<()> {
    for n in 1..=GENERATIONS {
        let pending = pending_path(vault, n);
        match fs::remove_file(&pending) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(format!("cannot remove {}", pending.display()), e));
            }
            _ => {}
        }
    }
    Ok(())
}

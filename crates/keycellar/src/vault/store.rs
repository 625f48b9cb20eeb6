//! Durable files: the vault with its exclusive lock, atomic replacement with read-back
//! verification and two previous generations beside it, and the documents the user asks
//! for (`output`); 0600 permissions on everything that holds a secret.
//!
//! Every new file is written and synced without a name (`new_file`) and named in one step.
//! A save ([`stage`], then [`commit`], in `rotation`) puts the generations-to-be beside
//! the vault under pending names, renames the new file over the vault (the moment the
//! save happens) and then moves the pending generations into place; a save killed after
//! its rename is finished by the next command that opens the vault, one killed before it
//! is undone, so the vault and its generations always hold one state. `fault` lists every
//! step at which a test can kill or fail a command that writes.

use super::format::MAX_FILE_LEN;
use crate::error::{Error, Result};
use crate::error::{InputError, VaultError};
use fault::fault;
use new_file::{NewFile, Role};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub use fault::{Before, FAULT_STEPS, FaultStep};
pub use new_file::Visibility;
pub use output::{
    Named, check_named_output, check_output, create_secret_file, rewrite_file, write_file,
    write_files,
};

/// Whether two paths name one file (the same path, one directory reached two ways, or a
/// link at one to the other); for a file not made yet, its directory decides.
pub fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| {
        p.canonicalize().ok().or_else(|| {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = dir.unwrap_or(Path::new(".")).canonicalize().ok()?;
            Some(dir.join(p.file_name()?))
        })
    };
    a == b || canonical(a).is_some_and(|a| Some(a) == canonical(b))
}

/// Refuses `output` when it is the vault at `vault` or a file kept beside it (its lock, a
/// generation, a pending generation), links followed: a backup written over one of them
/// (with `--force`, or a link planted at the output) would replace what it keeps.
pub fn check_not_vault(output: &Path, vault: &Path) -> Result<()> {
    // The files beside the vault are beside the file a link to it names, as a save makes
    // them.
    let given = vault;
    let vault = &resolve(vault)?;
    let beside =
        (1..=GENERATIONS).flat_map(|n| [generation_path(vault, n), pending_path(vault, n)]);
    let mut kept = [vault.to_path_buf(), lock_path(vault)]
        .into_iter()
        .chain(beside);
    match kept.any(|file| same_file(output, &file)) {
        true => Err(Error::Input(InputError::OutputIsVault {
            path: output.to_path_buf(),
            vault: given.to_path_buf(),
        })),
        false => Ok(()),
    }
}

/// How many previous versions are kept beside the vault.
pub const GENERATIONS: u32 = 2;

/// The exclusive lock on a vault; released when dropped.
#[derive(Debug)]
pub struct VaultLock {
    _file: File,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `VAULT.lock`, the sidecar file that carries the lock (the vault itself is replaced by
/// rename, so it cannot carry one).
pub fn lock_path(vault: &Path) -> PathBuf {
    with_suffix(vault, ".lock")
}

/// `VAULT.N`, the N-th previous generation.
pub fn generation_path(vault: &Path, n: u32) -> PathBuf {
    with_suffix(vault, &format!(".{n}"))
}

/// `.VAULT.N.pending`: what becomes `VAULT.N` once a save is in place (FORMAT.md section 4).
pub fn pending_path(vault: &Path, n: u32) -> PathBuf {
    let name = vault.file_name().map(|n| n.to_string_lossy().into_owned());
    let name = format!(".{}.{n}.pending", name.unwrap_or_default());
    directory_of(vault).join(name)
}

fn directory_of(vault: &Path) -> &Path {
    match vault.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Opens (creating it 0600 if missing) the lock file, without following a link, and
/// refuses anything but a regular file of this user with a single name: in a directory
/// others can write, the name could be a link (or a hard link) to a file of the user's that
/// opening it would otherwise create, truncate or chmod.
pub(crate) fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    super::runtime_dir::check_private_file(&file)?;
    Ok(file)
}

/// Takes the exclusive lock, retrying until `timeout` has passed.
pub fn lock(vault: &Path, timeout: Duration) -> Result<VaultLock> {
    lock_while(vault, timeout, &|| true)
}

/// [`lock`], giving up (`WaitEnded`) as soon as `may_wait` says so between tries.
pub fn lock_while(
    vault: &Path,
    timeout: Duration,
    may_wait: &dyn Fn() -> bool,
) -> Result<VaultLock> {
    let path = lock_path(vault);
    let file = open_lock_file(&path)
        .map_err(|e| Error::io(format!("cannot open lock file {}", path.display()), e))?;
    match lock_within(&file, timeout, may_wait) {
        Ok(Waited::Locked) => Ok(VaultLock { _file: file }),
        Ok(Waited::Stopped) => Err(Error::Vault(VaultError::WaitEnded {
            path: vault.to_path_buf(),
        })),
        Ok(Waited::TimedOut) => Err(Error::Vault(VaultError::Busy {
            path: vault.to_path_buf(),
        })),
        Err(e) => Err(Error::io(format!("cannot lock {}", path.display()), e)),
    }
}

/// How a wait for an exclusive lock ended.
pub enum Waited {
    Locked,
    /// `may_wait` said to stop waiting.
    Stopped,
    /// The lock was held by another for the whole time given.
    TimedOut,
}

/// Takes `file`'s exclusive lock, trying again until `timeout` has passed, and giving up as
/// soon as `may_wait` says so between tries.
pub fn lock_within(
    file: &File,
    timeout: Duration,
    may_wait: &dyn Fn() -> bool,
) -> std::io::Result<Waited> {
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Waited::Locked),
            Err(fs::TryLockError::WouldBlock) if !may_wait() => return Ok(Waited::Stopped),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                sleep(Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => return Ok(Waited::TimedOut),
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The file a vault path names: a symbolic link is followed to its target, so that the
/// lock, the temp files and the generations sit beside the real file and a save replaces
/// the target, not the link (a vault kept in a synced folder through a link stays the one
/// that is synced). A path that does not exist yet is its own file.
pub fn resolve(vault: &Path) -> Result<PathBuf> {
    match fs::canonicalize(vault) {
        Ok(real) => Ok(real),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vault.to_path_buf()),
        Err(e) => Err(Error::io(format!("cannot resolve {}", vault.display()), e)),
    }
}

/// Reads the whole vault file, refusing one larger than any vault can be before reading it
/// (a wrong path to a disk image, or a sparse file, must not exhaust memory).
pub fn read(vault: &Path) -> Result<Vec<u8>> {
    let failed = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Vault(VaultError::VaultNotFound {
            path: vault.to_path_buf(),
        }),
        _ => Error::io(format!("cannot read {}", vault.display()), e),
    };
    let file = File::open(vault).map_err(failed)?;
    let len = file.metadata().map_err(failed)?.len();
    if len > MAX_FILE_LEN {
        return Err(Error::Input(InputError::InputTooLarge {
            what: "vault",
            source_name: vault.display().to_string(),
            limit: MAX_FILE_LEN,
        }));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    (&file)
        .take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    Ok(bytes)
}

/// The temp files beside the vault (left by a killed save, unless one is running).
fn temps(vault: &Path) -> Result<Vec<PathBuf>> {
    let prefix = new_file::temp_prefix(vault);
    let dir = directory_of(vault);
    let entries =
        fs::read_dir(dir).map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?;
    Ok(entries
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect())
}

/// Whether a killed save left something beside the vault: a temp file, or generations
/// under pending names.
pub fn needs_cleanup(vault: &Path) -> bool {
    has_pending(vault) || temps(vault).is_ok_and(|temps| !temps.is_empty())
}

/// Removes temp files a killed save left behind. Call only while holding the lock.
pub fn remove_stale_temps(vault: &Path, _lock: &VaultLock) -> Result<usize> {
    let stale = temps(vault)?;
    for path in &stale {
        fs::remove_file(path).map_err(|e| Error::io("cannot remove a stale temp file", e))?;
    }
    Ok(stale.len())
}

/// Syncs a directory, so that the names given in it survive a power cut; `role` is the
/// first part of the fault step.
fn sync_directory(dir: &Path, role: &str) -> std::io::Result<()> {
    fault(role, "sync-directory")
        .and_then(|()| File::open(dir))
        .and_then(|d| d.sync_all())
}

/// For a failed directory sync after the rename: the file is in place, but a power cut
/// could still undo the rename, and the message must not claim the change was lost.
fn unsynced(path: &Path, e: std::io::Error) -> Error {
    Error::io(
        format!(
            "{} was written, but its directory could not be synced, so a power cut may \
             still undo the change",
            path.display()
        ),
        e,
    )
}

/// Creates a new vault file; fails if anything exists at `vault`. The file is written
/// without a name and named only once it is whole and verified, so a kill leaves either no
/// vault or the whole one. The lock is held meanwhile, so two `init`s never race.
pub fn create(vault: &Path, bytes: &[u8], verify: &dyn Fn(&[u8]) -> Result<()>) -> Result<()> {
    let dir = directory_of(vault);
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let lock = lock(vault, Duration::ZERO)?;
    remove_stale_temps(vault, &lock)?;
    let mut new = NewFile::write(vault, dir, Role::Vault, Visibility::Private, bytes, verify)?;
    new.link_as(vault, "link-new").map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Vault(VaultError::VaultExists {
                path: vault.to_path_buf(),
            })
        } else {
            Error::io(format!("cannot create {}", vault.display()), e)
        }
    })?;
    sync_directory(dir, "vault").map_err(|e| unsynced(vault, e))?;
    fault("vault", "done").map_err(|e| Error::io("after the save", e))
}

mod fault;
mod new_file;
mod output;
mod rotation;

pub(crate) use fault::fault as fault_step;
pub use rotation::{
    Generations, Previous, Staged, commit, discard_pending, finish_generations, has_pending, stage,
    stage_generations,
};

#[cfg(test)]
mod tests;

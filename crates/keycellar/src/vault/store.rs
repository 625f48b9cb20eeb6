//! Durable vault files: an exclusive lock, atomic replacement with read-back verification,
//! two previous generations kept beside the vault, and 0600 permissions on everything.
//!
//! A save writes a temp file in the vault's directory (0600), fsyncs it, reads it back and
//! lets the caller verify it, moves `VAULT.1` to `VAULT.2`, hard-links the current vault to
//! `VAULT.1`, renames the temp file over the vault and fsyncs the directory. At every
//! instant the vault path holds either the old or the new file. The steps up to the
//! verified temp file ([`stage`]) and the rest ([`commit`]) can be run apart, so a command
//! can prepare its save while other work (an export) may still fail; `rotation` holds the
//! second half.

use super::format::MAX_FILE_LEN;
use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

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

fn temp_prefix(vault: &Path) -> String {
    let name = vault.file_name().map(|n| n.to_string_lossy().into_owned());
    format!(".{}.tmp.", name.unwrap_or_default())
}

fn directory_of(vault: &Path) -> &Path {
    match vault.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn create_private(path: &Path, new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).mode(0o600);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    let file = options.open(path)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Takes the exclusive lock, retrying until `timeout` has passed.
pub fn lock(vault: &Path, timeout: Duration) -> Result<VaultLock> {
    let path = lock_path(vault);
    let file = create_private(&path, false)
        .map_err(|e| Error::io(format!("cannot open lock file {}", path.display()), e))?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(VaultLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                sleep(Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::Busy {
                    path: vault.to_path_buf(),
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", path.display()), e));
            }
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
        std::io::ErrorKind::NotFound => Error::VaultNotFound {
            path: vault.to_path_buf(),
        },
        _ => Error::io(format!("cannot read {}", vault.display()), e),
    };
    let file = File::open(vault).map_err(failed)?;
    let len = file.metadata().map_err(failed)?.len();
    if len > MAX_FILE_LEN {
        return Err(Error::InputTooLarge {
            what: "vault",
            source_name: vault.display().to_string(),
            limit: MAX_FILE_LEN,
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    (&file)
        .take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    Ok(bytes)
}

/// Removes temp files a killed save left behind. Call only while holding the lock.
pub fn remove_stale_temps(vault: &Path, _lock: &VaultLock) -> Result<usize> {
    let prefix = temp_prefix(vault);
    let dir = directory_of(vault);
    let mut removed = 0;
    let entries =
        fs::read_dir(dir).map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            fs::remove_file(entry.path())
                .map_err(|e| Error::io("cannot remove a stale temp file", e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn sync_directory(dir: &Path) -> std::io::Result<()> {
    fault("sync-directory")
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

/// Writes `bytes` to a fsynced 0600 temp file beside the vault, then hands its re-read
/// contents to `verify`.
fn write_temp(
    vault: &Path,
    bytes: &[u8],
    verify: &dyn Fn(&[u8]) -> Result<()>,
) -> Result<tempfile::NamedTempFile> {
    let dir = directory_of(vault);
    let io = |what: &str, e| Error::io(format!("{what} in {}", dir.display()), e);
    fault("create-temp").map_err(|e| io("cannot create a temp file", e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(vault))
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| io("cannot create a temp file", e))?;
    fault("write-temp")
        .and_then(|()| temp.write_all(bytes))
        .map_err(|e| io("cannot write the temp file", e))?;
    // The fsync waits on the disk while the CPU reads the file back and checks it; both
    // must succeed before the caller may rename the temp file into place.
    let file = temp.as_file();
    let (synced, checked) = std::thread::scope(|scope| {
        let sync = scope.spawn(|| fault("sync-temp").and_then(|()| file.sync_all()));
        let checked = fs::read(temp.path())
            .map_err(|e| io("cannot read back the temp file", e))
            .and_then(|written| {
                if written != bytes {
                    return Err(Error::Internal(
                        "the temp file read back differs from what was written".into(),
                    ));
                }
                verify(&written)
            });
        (sync.join(), checked)
    });
    synced
        .map_err(|_| Error::Internal("the fsync thread panicked".into()))?
        .map_err(|e| io("cannot sync the temp file", e))?;
    checked?;
    Ok(temp)
}

/// Creates a new vault file; fails if anything exists at `vault`.
pub fn create(vault: &Path, bytes: &[u8], verify: &dyn Fn(&[u8]) -> Result<()>) -> Result<()> {
    let dir = directory_of(vault);
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let temp = write_temp(vault, bytes, verify)?;
    temp.persist_noclobber(vault).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::VaultExists {
                path: vault.to_path_buf(),
            }
        } else {
            Error::io(format!("cannot create {}", vault.display()), e.error)
        }
    })?;
    sync_directory(dir).map_err(|e| unsynced(vault, e))
}

/// Writes a private (0600) file atomically: temp file, fsync, rename, fsync the directory.
/// Without `overwrite`, an existing file at `path` is an error and is left alone. A link is
/// followed, and its target replaced. A named pipe is written into, as it is a stream; any
/// other kind of file (a device, a socket, a directory) is refused, never replaced.
pub fn write_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let cannot = |e| Error::io(format!("cannot write {}", path.display()), e);
    match fs::metadata(path) {
        Ok(m) if m.file_type().is_fifo() => {
            let mut pipe = OpenOptions::new().write(true).open(path).map_err(cannot)?;
            return pipe
                .write_all(bytes)
                .and_then(|()| pipe.flush())
                .map_err(cannot);
        }
        Ok(m) if !m.is_file() => {
            return Err(Error::NotRegularFile {
                path: path.to_path_buf(),
                kind: file_kind(&m.file_type()),
            });
        }
        _ => {}
    }
    let path = &resolve(path)?;
    let temp = write_temp(path, bytes, &|_| Ok(()))?;
    if overwrite {
        temp.persist(path)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e.error))?;
    } else {
        temp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::OutputExists {
                    path: path.to_path_buf(),
                }
            } else {
                Error::io(format!("cannot write {}", path.display()), e.error)
            }
        })?;
    }
    sync_directory(directory_of(path)).map_err(|e| unsynced(path, e))
}

/// Creates a private (0600) file that did not exist and writes `bytes` into it directly,
/// with no temp file: for secrets in plaintext (an age identity), which must not be left
/// under another name if the process is killed. A kill mid-write leaves at most a cut-short
/// file at `path` itself, which no reader mistakes for a whole one.
pub fn create_secret_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let cannot = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::OutputExists {
                path: path.to_path_buf(),
            }
        } else {
            Error::io(format!("cannot write {}", path.display()), e)
        }
    };
    let mut file = create_private(path, true).map_err(cannot)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(cannot)?;
    sync_directory(directory_of(path)).map_err(|e| unsynced(path, e))
}

/// Checks, before any work, that [`write_file`] may write `path`: nothing is there, a pipe
/// is there, or (with `overwrite`) a regular file.
pub fn check_output(path: &Path, overwrite: bool) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match fs::metadata(path) {
        Ok(m) if m.file_type().is_fifo() => Ok(()),
        Ok(m) if !m.is_file() => Err(Error::NotRegularFile {
            path: path.to_path_buf(),
            kind: file_kind(&m.file_type()),
        }),
        Ok(_) if !overwrite => Err(Error::OutputExists {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// What a file that is not a regular file is, for a message.
fn file_kind(kind: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "directory"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// The I/O steps of a save, in order; [`fault`] can make each one fail or kill the process
/// just before it. `done` is the moment after the last step.
pub const FAULT_STEPS: [&str; 7] = [
    "create-temp",
    "write-temp",
    "sync-temp",
    "move-generations",
    "rename",
    "sync-directory",
    "done",
];

/// Test hook, compiled only with the `internals` feature (never into a release).
/// `KEYCELLAR_FAULT=ACTION@STEP` (ACTION `kill`, `eio` or `enospc`, STEP one of
/// [`FAULT_STEPS`]) aborts the process at that step as if killed, or makes the step fail
/// with that I/O error, so tests can prove every step leaves the old or the new vault.
/// It can only make a save fail, never change what is written.
#[cfg(feature = "internals")]
fn fault(step: &str) -> std::io::Result<()> {
    let Some(setting) = std::env::var_os("KEYCELLAR_FAULT") else {
        return Ok(());
    };
    let setting = setting.to_string_lossy();
    let Some((action, at)) = setting.split_once('@') else {
        return Ok(());
    };
    if at != step {
        return Ok(());
    }
    match action {
        "kill" => std::process::abort(),
        "eio" => Err(std::io::Error::from_raw_os_error(
            rustix::io::Errno::IO.raw_os_error(),
        )),
        "enospc" => Err(std::io::Error::from_raw_os_error(
            rustix::io::Errno::NOSPC.raw_os_error(),
        )),
        _ => Ok(()),
    }
}

/// Without the `internals` feature no step ever fails on purpose.
#[cfg(not(feature = "internals"))]
fn fault(_step: &str) -> std::io::Result<()> {
    Ok(())
}

mod rotation;

pub use rotation::{Generations, Staged, commit, commit_resealed, stage, stage_generations};

#[cfg(test)]
mod tests;

//! Documents the user asks for (exports, sheets and shares, identities, man pages): each is
//! written and synced without a name and named in one step, so a command killed at any
//! moment leaves the old file or the whole new one, and no copy under another name.
//!
//! A file that replaces another (`--force`) goes through a temp name beside it for the one
//! rename; if the process dies right there, the temp name stays until the next command
//! that writes that file removes it. A set of files (a split sheet and its shares) is
//! written in full before any is named, and a failure while naming them puts back what
//! was there.

use super::new_file::{self, NewFile, Role, Visibility, temp_prefix};
use super::{directory_of, fault, resolve, sync_directory, unsynced};
use crate::error::InputError;
use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

const ROLE: Role = Role::Output;

/// Writes a private (0600) file atomically. Without `overwrite`, an existing file at `path`
/// is an error and is left alone. A link is followed, and its target replaced. A named
/// pipe is written into, as it is a stream; any other kind of file (a device, a socket, a
/// directory) is refused, never replaced.
pub fn write_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    write_files(
        &[(path, bytes, Named::ByUser)],
        overwrite,
        Visibility::Private,
    )
}

/// Who named a file, which says what is done with a link or a pipe found at its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// The user typed the name: a link there is followed and its target replaced, a named
    /// pipe is written into (`-o /dev/stdout`, `-o link-to-my-backups/keys.age`).
    ByUser,
    /// keycellar made the name up (a split's share, a man page): what is at the name is
    /// replaced itself, never followed or written into, so a link planted there after the
    /// checks cannot send the document over another file; a link or a pipe found there
    /// first is refused ([`check_named_output`] refuses it before any work).
    ByKeycellar,
}

/// Replaces the regular file at `path` (a link followed: its target is replaced) that holds
/// `old` with `bytes` atomically, keeping the file's mode, as an editor saving it would. A
/// file that no longer holds `old` (something wrote it meanwhile) is left as it is.
pub fn rewrite_file(path: &Path, old: &[u8], bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let cannot = |e| Error::io(format!("cannot read {}", path.display()), e);
    let metadata = fs::metadata(path).map_err(cannot)?;
    let now = zeroize::Zeroizing::new(fs::read(path).map_err(cannot)?);
    if !metadata.is_file() || now.as_slice() != old {
        return Err(Error::Input(InputError::ChangedMeanwhile {
            path: path.to_path_buf(),
        }));
    }
    let mode = metadata.permissions().mode();
    write_files(
        &[(path, bytes, Named::ByUser)],
        true,
        Visibility::Mode(mode),
    )
}

/// Writes a set of files as [`write_file`] writes one, in the order given: every file is
/// written and synced before the first is named, and when naming one fails, those named
/// before are put back as they were (removed, or the file they replaced restored).
pub fn write_files(
    files: &[(&Path, &[u8], Named)],
    overwrite: bool,
    visibility: Visibility,
) -> Result<()> {
    let mut prepared = Vec::with_capacity(files.len());
    for &(path, bytes, named) in files {
        prepared.push(match destination(path, named)? {
            Destination::Pipe => Prepared::Pipe(path, bytes),
            Destination::File(path) => {
                remove_stale_temps(&path);
                let dir = directory_of(&path);
                let new = NewFile::write(&path, dir, ROLE, visibility, bytes, &|_| Ok(()))?;
                Prepared::File(path, new)
            }
        });
    }
    let in_set = files.len() > 1;
    let mut placed = Vec::with_capacity(files.len());
    for prepared in prepared {
        let result = match prepared {
            Prepared::Pipe(path, bytes) => write_pipe(path, bytes),
            Prepared::File(path, new) => {
                place(&path, new, overwrite, in_set).map(|done| placed.push(done))
            }
        };
        if let Err(e) = result {
            undo(placed);
            return Err(e);
        }
    }
    finish(placed)
}

/// Where a document goes: a pipe is written into; a file (a link followed, when the user
/// named it) is replaced.
enum Destination {
    Pipe,
    File(PathBuf),
}

fn destination(path: &Path, named: Named) -> Result<Destination> {
    if named == Named::ByKeycellar {
        check_plain(path)?;
        return Ok(Destination::File(path.to_path_buf()));
    }
    match fs::metadata(path) {
        Ok(m) if m.file_type().is_fifo() => Ok(Destination::Pipe),
        Ok(m) if !m.is_file() => Err(Error::Input(InputError::NotRegularFile {
            path: path.to_path_buf(),
            kind: file_kind(&m.file_type()),
        })),
        _ => Ok(Destination::File(resolve(path)?)),
    }
}

/// A document ready to go: for a pipe, its bytes; for a file, its written new file.
enum Prepared<'a> {
    Pipe(&'a Path, &'a [u8]),
    File(PathBuf, NewFile),
}

fn write_pipe(path: &Path, bytes: &[u8]) -> Result<()> {
    let cannot = |e| Error::io(format!("cannot write {}", path.display()), e);
    let mut pipe = OpenOptions::new().write(true).open(path).map_err(cannot)?;
    pipe.write_all(bytes)
        .and_then(|()| pipe.flush())
        .map_err(cannot)
}

/// A file put in place, with the temp name that keeps the file it replaced until the set is
/// complete (only in a set).
struct Placed {
    path: PathBuf,
    kept: Option<Kept>,
}

struct Kept {
    name: PathBuf,
    /// Locked, so that no other command takes the kept file for a stale temp file.
    _locked: File,
}

/// Names `new` as `path`; in a set, with `overwrite`, the file it replaces is kept first.
fn place(path: &Path, mut new: NewFile, overwrite: bool, in_set: bool) -> Result<Placed> {
    let cannot = |e| Error::io(format!("cannot write {}", path.display()), e);
    // Only a regular file is kept: a link planted at a made-up name since it was checked
    // is replaced, not followed.
    let is_file = fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    let kept = match overwrite && in_set && is_file {
        true => Some(keep(path).map_err(cannot)?),
        false => None,
    };
    let named = match overwrite {
        true => new.replace(path),
        false => new.link_as(path, "link-new"),
    };
    if let Err(e) = named {
        if let Some(kept) = kept {
            let _ = fs::remove_file(&kept.name);
        }
        return Err(match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::Input(InputError::OutputExists {
                path: path.to_path_buf(),
            }),
            _ => cannot(e),
        });
    }
    Ok(Placed {
        path: path.to_path_buf(),
        kept,
    })
}

/// Links the file at `path` to a new temp name beside it, locked.
fn keep(path: &Path) -> std::io::Result<Kept> {
    let locked = File::open(path)?;
    locked.try_lock().map_err(std::io::Error::from)?;
    fault(ROLE.name(), "keep-old")?;
    let temp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .make_in(directory_of(path), |name| fs::hard_link(path, name))?;
    Ok(Kept {
        name: temp.keep().map_err(|e| e.error)?.1,
        _locked: locked,
    })
}

/// Puts back what was at each path before: the kept file, or nothing.
fn undo(placed: Vec<Placed>) {
    for placed in placed.into_iter().rev() {
        let _ = match placed.kept {
            Some(kept) => fs::rename(&kept.name, &placed.path),
            None => fs::remove_file(&placed.path),
        };
    }
}

/// Lets the replaced files go, and syncs the directories of the files put in place.
fn finish(placed: Vec<Placed>) -> Result<()> {
    for kept in placed.iter().filter_map(|p| p.kept.as_ref()) {
        let _ = fs::remove_file(&kept.name);
    }
    let mut synced: Vec<&Path> = Vec::new();
    for placed in &placed {
        let dir = directory_of(&placed.path);
        if !synced.contains(&dir) {
            sync_directory(dir, ROLE.name()).map_err(|e| unsynced(&placed.path, e))?;
            synced.push(dir);
        }
    }
    Ok(())
}

/// Removes temp files of `path` that a killed command left behind: those no running
/// command holds locked.
fn remove_stale_temps(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(directory_of(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(&prefix)
            && entry.file_type().is_ok_and(|t| t.is_file())
            && File::open(entry.path()).is_ok_and(|f| f.try_lock().is_ok());
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates a private (0600) file that did not exist, for a secret in plaintext (an age
/// identity), which must never be left under another name: it is written without a name
/// and named once whole. Where the file system has no unnamed files it is written straight
/// into `path`, created exclusively, so that a kill leaves at most a cut-short file there.
pub fn create_secret_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let exists = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Input(InputError::OutputExists {
            path: path.to_path_buf(),
        }),
        _ => Error::io(format!("cannot write {}", path.display()), e),
    };
    let dir = directory_of(path);
    if new_file::unnamed_files(dir) {
        let mut new = NewFile::write(path, dir, ROLE, Visibility::Private, bytes, &|_| Ok(()))?;
        new.link_as(path, "link-new").map_err(exists)?;
    } else {
        write_in_place(path, bytes).map_err(exists)?;
    }
    sync_directory(dir, ROLE.name()).map_err(|e| unsynced(path, e))
}

fn write_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes).and_then(|()| file.sync_all())
}

/// Checks, before any work, that [`write_file`] may write `path`: its directory exists,
/// and nothing is there, a pipe is there, or (with `overwrite`) a regular file.
pub fn check_output(path: &Path, overwrite: bool) -> Result<()> {
    let dir = directory_of(path);
    if !dir.is_dir() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        return Err(Error::io(
            format!(
                "cannot write {}: there is no directory {}",
                path.display(),
                dir.display()
            ),
            missing,
        ));
    }
    match fs::metadata(path) {
        Ok(m) if m.file_type().is_fifo() => Ok(()),
        Ok(m) if !m.is_file() => Err(Error::Input(InputError::NotRegularFile {
            path: path.to_path_buf(),
            kind: file_kind(&m.file_type()),
        })),
        Ok(_) if !overwrite => Err(Error::Input(InputError::OutputExists {
            path: path.to_path_buf(),
        })),
        _ => Ok(()),
    }
}

/// Checks, before any work, that a file keycellar names itself (a split's share) may be
/// written at `path`: as [`check_output`], but only where nothing is or (with `overwrite`)
/// a regular file is. A link or a pipe planted at a name the user never typed would send
/// the document elsewhere, or over another file (the sheet, the vault).
pub fn check_named_output(path: &Path, overwrite: bool) -> Result<()> {
    check_plain(path)?;
    check_output(path, overwrite)
}

/// Refuses anything but a regular file (or nothing) at `path`, a link not followed.
fn check_plain(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(found) if !found.is_file() => Err(Error::Input(InputError::NotAPlainFile {
            path: path.to_path_buf(),
            kind: file_kind(&found.file_type()),
        })),
        _ => Ok(()),
    }
}

/// What a file that is not a regular file is, for a message.
fn file_kind(kind: &fs::FileType) -> &'static str {
    if kind.is_symlink() {
        "symbolic link"
    } else if kind.is_fifo() {
        "named pipe"
    } else if kind.is_dir() {
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

//! A file's new contents, written and synced in its destination's directory before it has a
//! name there: an unnamed file (`O_TMPFILE`), which a process killed at any moment before
//! it is named leaves nowhere, given a name in one step once it is whole. Where the file
//! system has no unnamed files, a named temp file (`.NAME.tmp.XXXXXX`) stands in.
//!
//! A new output file holds an exclusive `flock` from its creation, so that a temp name it
//! is given while it replaces a file is never taken for one a killed process left behind.

use super::fault::fault;
use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What a new file is, which names its fault steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// The vault, or a generation beside it.
    Vault,
    /// A document the user asked for.
    Output,
}

impl Role {
    /// The first part of its fault steps' names.
    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Vault => "vault",
            Role::Output => "output",
        }
    }
}

/// Who may read a new file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// 0600, whatever the umask: anything that holds a secret, even encrypted.
    Private,
    /// 0644 less the umask: man pages.
    Public,
    /// Exactly this mode, whatever the umask: a file written back in place keeps its own.
    Mode(u32),
}

/// New contents, written and synced, not yet under their name. Dropping it leaves nothing.
#[derive(Debug)]
pub(super) struct NewFile {
    file: File,
    dir: PathBuf,
    /// `.NAME.tmp.` for the destination NAME: how its temp names start.
    prefix: String,
    role: Role,
    /// Where the file system has no unnamed files, the named temp file that stands in.
    named: Option<tempfile::TempPath>,
}

/// `.NAME.tmp.`: the start of every temp name of the file `path`.
pub(super) fn temp_prefix(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    format!(".{}.tmp.", name.unwrap_or_default())
}

fn unsupported(e: &std::io::Error) -> bool {
    let codes = [rustix::io::Errno::OPNOTSUPP, rustix::io::Errno::ISDIR];
    let codes = codes.map(|c| Some(c.raw_os_error()));
    e.kind() == std::io::ErrorKind::Unsupported || codes.contains(&e.raw_os_error())
}

#[cfg(test)]
thread_local! {
    /// Lets a unit test pretend the file system has no unnamed files.
    pub(super) static WITHOUT_UNNAMED_FILES: std::cell::Cell<bool> =
        const { std::cell::Cell::new(false) };
}

/// An unnamed file in `dir`, or `None` where the file system (or a missing `/proc`, which
/// naming it needs) does not allow one.
fn open_unnamed(dir: &Path, mode: u32) -> std::io::Result<Option<File>> {
    #[cfg(test)]
    if WITHOUT_UNNAMED_FILES.get() {
        return Ok(None);
    }
    if !Path::new("/proc/self/fd").is_dir() {
        return Ok(None);
    }
    let opened = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .mode(mode)
        .open(dir);
    match opened {
        Ok(file) => Ok(Some(file)),
        Err(e) if unsupported(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether files can be written without a name in `dir`.
pub(super) fn unnamed_files(dir: &Path) -> bool {
    matches!(open_unnamed(dir, 0o600), Ok(Some(_)))
}

impl NewFile {
    /// Writes `bytes` to a new file in `dir` for the destination `path`, syncs it, reads it
    /// back and hands what was read to `verify`.
    pub(super) fn write(
        path: &Path,
        dir: &Path,
        role: Role,
        visibility: Visibility,
        bytes: &[u8],
        verify: &dyn Fn(&[u8]) -> Result<()>,
    ) -> Result<NewFile> {
        let io = |what: &str, e| Error::io(format!("{what} in {}", dir.display()), e);
        let mut new = Self::create(path, dir, role, visibility)
            .map_err(|e| io("cannot create a temp file", e))?;
        fault(role.name(), "write-temp")
            .and_then(|()| new.file.write_all(bytes))
            .map_err(|e| io("cannot write the temp file", e))?;
        // The fsync waits on the disk while the CPU reads the file back and checks it; both
        // must succeed before the file may be named.
        let file = &new.file;
        let (synced, checked) = std::thread::scope(|scope| {
            let sync =
                scope.spawn(|| fault(role.name(), "sync-temp").and_then(|()| file.sync_all()));
            let mut written = vec![0; bytes.len()];
            let checked = file
                .read_exact_at(&mut written, 0)
                .map_err(|e| io("cannot read back the temp file", e))
                .and_then(|()| {
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
        Ok(new)
    }

    fn create(
        path: &Path,
        dir: &Path,
        role: Role,
        visibility: Visibility,
    ) -> std::io::Result<NewFile> {
        let mode = match visibility {
            Visibility::Private => 0o600,
            Visibility::Public => 0o644,
            Visibility::Mode(mode) => mode & 0o7777,
        };
        fault(role.name(), "create-temp")?;
        let prefix = temp_prefix(path);
        let (file, named) = match open_unnamed(dir, mode)? {
            Some(file) => (file, None),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix(&prefix)
                    .permissions(fs::Permissions::from_mode(mode))
                    .tempfile_in(dir)?;
                let (file, path) = temp.into_parts();
                (file, Some(path))
            }
        };
        if visibility != Visibility::Public {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        if role == Role::Output {
            file.try_lock().map_err(std::io::Error::from)?;
        }
        Ok(NewFile {
            file,
            dir: dir.to_path_buf(),
            prefix,
            role,
            named,
        })
    }

    /// Gives the file the name `path`, which must not exist (`AlreadyExists` otherwise);
    /// `step` is the fault step just before.
    pub(super) fn link_as(&mut self, path: &Path, step: &str) -> std::io::Result<()> {
        fault(self.role.name(), step)?;
        match self.named.take() {
            None => rustix::fs::linkat(
                rustix::fs::CWD,
                self.proc_path(),
                rustix::fs::CWD,
                path,
                rustix::fs::AtFlags::SYMLINK_FOLLOW,
            )
            .map_err(std::io::Error::from),
            Some(temp) => temp.persist_noclobber(path).map_err(|e| {
                self.named = Some(e.path);
                e.error
            }),
        }
    }

    /// Puts the file in the place of `path` in one rename, whatever was there: it is given
    /// a temp name beside it first, which the rename takes away (and which is removed if
    /// the rename fails).
    pub(super) fn replace(&mut self, path: &Path) -> std::io::Result<()> {
        let temp = match self.named.take() {
            Some(temp) => temp,
            None => {
                fault(self.role.name(), "link-temp")?;
                tempfile::TempPath::try_from_path(self.link_temp()?)?
            }
        };
        fault(self.role.name(), "rename")?;
        temp.persist(path).map_err(|e| {
            self.named = Some(e.path);
            e.error
        })
    }

    /// Links the unnamed file to a new temp name in its directory.
    fn link_temp(&self) -> std::io::Result<PathBuf> {
        loop {
            let random = crate::crypto::random_array::<6>()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
            let temp = self.dir.join(format!("{}{suffix}", self.prefix));
            let linked = rustix::fs::linkat(
                rustix::fs::CWD,
                self.proc_path(),
                rustix::fs::CWD,
                &temp,
                rustix::fs::AtFlags::SYMLINK_FOLLOW,
            );
            match linked {
                Err(rustix::io::Errno::EXIST) => continue,
                other => return other.map(|()| temp).map_err(std::io::Error::from),
            }
        }
    }

    fn proc_path(&self) -> String {
        use std::os::fd::AsRawFd;
        format!("/proc/self/fd/{}", self.file.as_raw_fd())
    }
}

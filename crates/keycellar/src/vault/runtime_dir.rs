//! The private runtime directory: `$XDG_RUNTIME_DIR/keycellar` where the session has one
//! (the caller passes its value), else `/tmp/keycellar-UID`. It holds what lives only while
//! processes run (`exec`'s run locks) and nothing secret.
//!
//! It is made 0700 if missing, and used only if it is a directory (not a link) of this user
//! that no one else can enter or write: under a shared `/tmp` another user could have made
//! it first, or put a link there. It is used through an open descriptor (`openat`), so the
//! checked directory is the one used.

use crate::error::{Error, Result};
use rustix::fs::{Mode, OFlags};
use std::ffi::OsStr;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// An open, checked runtime directory.
pub struct RuntimeDir {
    path: PathBuf,
    fd: OwnedFd,
}

impl RuntimeDir {
    /// Opens (making it if missing) the runtime directory under `xdg_runtime_dir` (the value
    /// of `$XDG_RUNTIME_DIR`; ignored unless absolute), else under `/tmp`.
    pub fn open(xdg_runtime_dir: Option<&OsStr>) -> Result<RuntimeDir> {
        let path = match xdg_runtime_dir.map(Path::new) {
            Some(base) if base.is_absolute() => base.join("keycellar"),
            _ => PathBuf::from(format!(
                "/tmp/keycellar-{}",
                rustix::process::geteuid().as_raw()
            )),
        };
        let cannot = |e: std::io::Error| {
            Error::io(
                format!("cannot use the runtime directory {}", path.display()),
                e,
            )
        };
        match rustix::fs::mkdir(&path, Mode::RWXU) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(cannot(e.into())),
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::open(&path, flags, Mode::empty()).map_err(|e| cannot(e.into()))?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| cannot(e.into()))?;
        if stat.st_uid != rustix::process::geteuid().as_raw() || stat.st_mode & 0o077 != 0 {
            return Err(cannot(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "it belongs to another user or others may enter it",
            )));
        }
        Ok(RuntimeDir { path, fd })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens (creating it 0600 if missing) the file `name` in the directory for reading and
    /// writing, without following a link, and checks that it is a regular file of this user
    /// with no other name (a hard link made by someone else would be one).
    pub fn open_private_file(&self, name: &str) -> std::io::Result<std::fs::File> {
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::RUSR | Mode::WUSR)?;
        check_private_file(&fd)?;
        Ok(std::fs::File::from(fd))
    }

    /// Opens the file `name` for reading if it exists, with the same checks.
    pub fn open_existing(&self, name: &str) -> std::io::Result<std::fs::File> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        check_private_file(&fd)?;
        Ok(std::fs::File::from(fd))
    }
}

/// Refuses what is not a regular file of this user with one name, and makes it 0600.
pub(crate) fn check_private_file(fd: impl std::os::fd::AsFd) -> std::io::Result<()> {
    let fd = fd.as_fd();
    let stat = rustix::fs::fstat(fd)?;
    let regular =
        rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile;
    if !regular || stat.st_uid != rustix::process::geteuid().as_raw() || stat.st_nlink != 1 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "not a regular file of this user with a single name",
        ));
    }
    if stat.st_mode & 0o7777 != 0o600 {
        rustix::fs::fchmod(fd, Mode::RUSR | Mode::WUSR)?;
    }
    Ok(())
}

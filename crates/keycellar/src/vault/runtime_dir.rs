//! The private runtime directory, `keycellar/` in the user's own base directory
//! ([`user_base`]): `~/.local/state`, the home read from the password database, or
//! `/run/user/UID` for a user without a usable home. Both come from the uid, never from the
//! environment, so a bot started from a login shell and one started by cron (no
//! `$XDG_RUNTIME_DIR`) meet on one run lock, one agent and one set of run records, and no
//! other user can make the directory first (no shared `/tmp`). It holds `exec`'s run locks
//! and run records and agents' sockets, and nothing secret.
//!
//! It is made 0700 if missing, and used only if it is a directory (not a link) of this user
//! that no one else can enter or write. It is used through an open descriptor (`openat`), so
//! the checked directory is the one used.

use crate::error::{Error, Result};
use rustix::fs::{Mode, OFlags};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// An open, checked runtime directory.
pub struct RuntimeDir {
    path: PathBuf,
    fd: OwnedFd,
}

/// The user's base directory: `HOME/.local/state` when the home the password database gives
/// for this uid is a directory of the user's that group and others cannot write; `None`
/// without one. Nothing is made here (the directories are made when first used, 0700). With the `internals` feature (keycellar's own
/// tests), `KEYCELLAR_TEST_USER_DIRS=DIR` makes `DIR/home` the home.
pub fn user_base() -> Option<PathBuf> {
    let home = test_user_dirs().map_or_else(passwd_home, |dir| Some(dir.join("home")))?;
    let meta = std::fs::symlink_metadata(&home).ok()?;
    let own = meta.uid() == rustix::process::geteuid().as_raw();
    if !meta.is_dir() || !own || meta.mode() & 0o022 != 0 {
        return None;
    }
    Some(home.join(".local/state"))
}

/// The base used without a home: `/run/user/UID`, which only root can make (with the
/// `internals` feature and `KEYCELLAR_TEST_USER_DIRS=DIR`, `DIR/run`).
pub fn session_base() -> PathBuf {
    match test_user_dirs() {
        Some(dir) => dir.join("run"),
        None => PathBuf::from(format!("/run/user/{}", rustix::process::geteuid().as_raw())),
    }
}

/// Makes `path` and whatever is missing above it, each 0700 (an existing one is left as it
/// is: the caller checks what it opens).
pub fn make_private_dirs(path: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

#[cfg(feature = "internals")]
fn test_user_dirs() -> Option<PathBuf> {
    std::env::var_os("KEYCELLAR_TEST_USER_DIRS").map(PathBuf::from)
}

#[cfg(not(feature = "internals"))]
fn test_user_dirs() -> Option<PathBuf> {
    None
}

/// The home directory of this uid in the password database (`getpwuid_r`).
fn passwd_home() -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: `passwd` is plain data; getpwuid_r fills it with pointers into `buffer`, which
    // outlives every use below; `found` is null or points at `passwd`.
    unsafe {
        let mut passwd: libc::passwd = std::mem::zeroed();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let uid = libc::geteuid();
        let failed = libc::getpwuid_r(
            uid,
            &mut passwd,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        );
        if failed != 0 || found.is_null() || passwd.pw_dir.is_null() {
            return None;
        }
        let home = std::ffi::CStr::from_ptr(passwd.pw_dir).to_bytes();
        let home = Path::new(std::ffi::OsStr::from_bytes(home));
        home.is_absolute().then(|| home.to_path_buf())
    }
}

impl RuntimeDir {
    /// Opens (making it if missing) the runtime directory in `base` (see [`user_base`]), or
    /// in [`session_base`] without one.
    pub fn open(base: Option<&Path>) -> Result<RuntimeDir> {
        let path = base
            .map_or_else(session_base, Path::to_path_buf)
            .join("keycellar");
        let cannot = |e: std::io::Error| {
            Error::io(
                format!("cannot use the runtime directory {}", path.display()),
                e,
            )
        };
        make_private_dirs(&path).map_err(cannot)?;
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

    /// A copy of the directory's descriptor, to look names up in it later.
    pub fn dir_fd(&self) -> std::io::Result<OwnedFd> {
        self.fd.try_clone()
    }

    /// Opens the file `name` for reading if it exists, with the same checks.
    pub fn open_existing(&self, name: &str) -> std::io::Result<std::fs::File> {
        // Non-blocking, so that a FIFO planted at the name is refused below instead of
        // waiting for a writer (a regular file reads the same either way).
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
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

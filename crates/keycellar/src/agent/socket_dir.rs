//! Where an agent's socket lives: `keycellar/` in the user's base directory (the runtime
//! directory of `vault::runtime_dir`, found from the uid, not the environment); 0700, the
//! user's own, never a symbolic link. The agent refuses to start and a client refuses to
//! connect when the directory (or the base directory above it) could let another user in:
//! owned by someone else, writable by group or others, or a link.

use super::error::AgentError;
use crate::vault::runtime_dir::{make_private_dirs, session_base};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The socket directory for this user: in `base` (`vault::runtime_dir::user_base`) when
/// given, else in `/run/user/UID`.
pub fn socket_dir(base: Option<&Path>) -> PathBuf {
    base.map_or_else(session_base, Path::to_path_buf)
        .join("keycellar")
}

/// The socket of the agent serving the vault whose id is `vault_id_hex`.
pub fn socket_path(dir: &Path, vault_id_hex: &str) -> PathBuf {
    dir.join(format!("agent-{vault_id_hex}.sock"))
}

/// Makes `dir` (0700, with whatever is missing above it) when missing, then checks it and
/// its parent as [`check`] does.
pub fn ensure(dir: &Path) -> Result<(), AgentError> {
    make_private_dirs(dir)
        .map_err(|e| AgentError::io(format!("cannot create {}", dir.display()), e))?;
    check(dir)
}

/// Takes the lock `agent-ID.lock` beside `socket` (flock), held for as long as the returned
/// file lives: one agent binds a socket, so two `agent start` at once cannot both serve, and
/// an agent never removes the socket of a live one. `None` when another agent holds it. A
/// stopping agent removes the file while it still holds it, so a lock is kept only on the
/// file that still has the name.
pub fn lock_beside(socket: &Path) -> Result<Option<std::fs::File>, AgentError> {
    use rustix::fs::{Mode, OFlags};
    let path = lock_path(socket);
    let cannot = |e: std::io::Error| AgentError::io(format!("cannot lock {}", path.display()), e);
    loop {
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::open(&path, flags, Mode::RUSR | Mode::WUSR)
            .map_err(|e| cannot(e.into()))?;
        crate::vault::runtime_dir::check_private_file(&fd).map_err(cannot)?;
        let file = std::fs::File::from(fd);
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(cannot(e)),
        }
        let held = file.metadata().map_err(cannot)?;
        let named = std::fs::symlink_metadata(&path);
        if named.is_ok_and(|n| (n.dev(), n.ino()) == (held.dev(), held.ino())) {
            return Ok(Some(file));
        }
    }
}

/// Watches the socket's file and directory. An agent serves only at the name where exec
/// and every client look for it: a socket moved or linked elsewhere still answers there (an
/// attacker pass had a bot reach an unlocked agent through a socket moved into another
/// directory, past the sign profile's check), so the agent stops once its socket has been
/// moved, removed or given another name, or its directory moved. Once seen, it stays seen:
/// a name put back in between does not undo it.
pub struct TamperWatch {
    fd: OwnedFd,
    socket: PathBuf,
    bound: (u64, u64),
    seen: AtomicBool,
    reading: Mutex<()>,
}

impl TamperWatch {
    /// Watches `socket`, the file bound with device and inode `bound`.
    pub fn new(socket: &Path, bound: (u64, u64)) -> Result<TamperWatch, AgentError> {
        use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
        let cannot = |e: rustix::io::Errno| {
            AgentError::io(format!("cannot watch {}", socket.display()), e.into())
        };
        let fd = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).map_err(cannot)?;
        // The socket's inode: renamed, removed, or its link count changed (ATTRIB; a hard
        // link made elsewhere); the directory: renamed or removed.
        let on_socket = WatchFlags::ATTRIB | WatchFlags::MOVE_SELF | WatchFlags::DELETE_SELF;
        inotify::add_watch(&fd, socket, on_socket | WatchFlags::DONT_FOLLOW).map_err(cannot)?;
        let dir = socket.parent().unwrap_or(Path::new("/"));
        let on_dir = WatchFlags::MOVE_SELF | WatchFlags::DELETE_SELF | WatchFlags::ONLYDIR;
        inotify::add_watch(&fd, dir, on_dir | WatchFlags::DONT_FOLLOW).map_err(cannot)?;
        Ok(TamperWatch {
            fd,
            socket: socket.to_path_buf(),
            bound,
            seen: AtomicBool::new(false),
            reading: Mutex::new(()),
        })
    }

    /// What to poll: readable when something happened to the socket or its directory.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Whether the socket has been moved, removed or linked, or its directory moved (from
    /// the events so far; an error reading them counts as tampering: fail closed).
    pub fn tampered(&self) -> bool {
        use rustix::fs::inotify::{ReadFlags, Reader};
        let _reading = self.reading.lock().unwrap_or_else(|p| p.into_inner());
        let mut buffer = [std::mem::MaybeUninit::<u8>::uninit(); 1024];
        let mut events = Reader::new(&self.fd, &mut buffer);
        loop {
            match events.next() {
                Ok(event) if event.events() == ReadFlags::ATTRIB => {
                    // A change of mode or times is not a move: the name must still be the
                    // socket bound, with no other name.
                    if !self.only_name_is_ours() {
                        self.seen.store(true, Ordering::SeqCst);
                    }
                }
                Ok(_) => self.seen.store(true, Ordering::SeqCst),
                Err(rustix::io::Errno::AGAIN) => break,
                Err(_) => {
                    self.seen.store(true, Ordering::SeqCst);
                    break;
                }
            }
        }
        self.seen.load(Ordering::SeqCst)
    }

    fn only_name_is_ours(&self) -> bool {
        std::fs::symlink_metadata(&self.socket)
            .is_ok_and(|m| (m.dev(), m.ino()) == self.bound && m.nlink() == 1)
    }
}

/// The lock file of the agent on `socket`: `agent-ID.lock` beside `agent-ID.sock`.
pub fn lock_path(socket: &Path) -> PathBuf {
    socket.with_extension("lock")
}

/// Refuses a socket directory another user could reach into: not a directory, a symbolic
/// link, owned by another user, or writable by group or others; the same for the base
/// directory above it.
pub fn check(dir: &Path) -> Result<(), AgentError> {
    if let Some(parent) = dir.parent() {
        check_one(parent)?;
    }
    check_one(dir)
}

fn check_one(dir: &Path) -> Result<(), AgentError> {
    let unsafe_because = |what| AgentError::UnsafeDirectory {
        path: dir.to_path_buf(),
        what,
    };
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| AgentError::io(format!("cannot read {}", dir.display()), e))?;
    if meta.file_type().is_symlink() {
        return Err(unsafe_because("is a symbolic link"));
    }
    if !meta.is_dir() {
        return Err(unsafe_because("is not a directory"));
    }
    if meta.uid() != own_uid() {
        return Err(unsafe_because("belongs to another user"));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(unsafe_because("is writable by group or others"));
    }
    Ok(())
}

fn own_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::DirBuilderExt;

    fn runtime() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let runtime = root.path().join("run");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&runtime)
            .unwrap();
        (root, runtime)
    }

    #[test]
    fn a_fresh_directory_is_made_0700_and_accepted() {
        let (_root, runtime) = runtime();
        let dir = socket_dir(Some(&runtime));
        ensure(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        check(&dir).unwrap();
        assert!(socket_path(&dir, "ab").ends_with("agent-ab.sock"));
    }

    #[test]
    fn group_or_other_writable_directories_are_refused() {
        let (_root, runtime) = runtime();
        let dir = socket_dir(Some(&runtime));
        ensure(&dir).unwrap();
        for (path, mode) in [(&dir, 0o720), (&dir, 0o702), (&runtime, 0o770)] {
            let before = std::fs::metadata(path).unwrap().permissions();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
            let refused = check(&dir).unwrap_err();
            assert!(
                matches!(refused, AgentError::UnsafeDirectory { .. }),
                "{mode:o}: {refused}"
            );
            assert!(ensure(&dir).is_err());
            std::fs::set_permissions(path, before).unwrap();
        }
        check(&dir).unwrap();
    }

    #[test]
    fn a_symbolic_link_is_refused() {
        let (root, runtime) = runtime();
        let elsewhere = root.path().join("elsewhere");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&elsewhere)
            .unwrap();
        let dir = socket_dir(Some(&runtime));
        std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
        let refused = ensure(&dir).unwrap_err();
        assert!(refused.to_string().contains("symbolic link"), "{refused}");
    }

    #[test]
    fn a_directory_of_another_user_is_refused() {
        if !rustix::process::geteuid().is_root() {
            return; // needs root to give a directory away (CI runs as root)
        }
        let (_root, runtime) = runtime();
        let dir = socket_dir(Some(&runtime));
        ensure(&dir).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let refused = check(&dir).unwrap_err();
        assert!(refused.to_string().contains("another user"), "{refused}");
    }
}

//! Whether a held run lock still guards its key. The runtime directory is the user's, so any
//! process of the user (a bot's plugin) can remove or rename a lock file, or the directory
//! itself or one above it, and the next start would then find the key free while the lock
//! is still held on a file no start looks at any more. A signing service asks
//! [`LockWitness::holds`] before each signature and signs no more once the answer was no.
//!
//! A look at the name at that moment is not enough: a name hidden while a bot holding the
//! secret starts and put back before the next signature looks untouched. So the witness
//! also watches (inotify) the lock's name in the runtime directory and every directory from
//! there up to the root for being renamed or removed; the kernel queues each such event
//! until it is read, so one that was undone meanwhile is still seen, and a queue that
//! overflowed counts as one.

use crate::error::{Error, Result};
use crate::vault::runtime_dir::RuntimeDir;
use rustix::fs::AtFlags;
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use std::fs::File;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// A check that a held run lock still guards its key (see the module).
pub struct LockWitness {
    /// A copy of the descriptor the lock is held on.
    file: File,
    /// The runtime directory the lock's name is in.
    dir: OwnedFd,
    name: String,
    /// The inotify instance watching the name and the directories.
    watch: OwnedFd,
    /// Set once the lock was seen not to hold: it never holds again.
    lost: AtomicBool,
}

impl LockWitness {
    /// A witness for the lock held on `file`, named `name` in `dir`; the watches start now,
    /// before anything the run starts could move them.
    pub(super) fn new(file: File, dir: &RuntimeDir, name: &str) -> Result<LockWitness> {
        let cannot =
            |e: rustix::io::Errno| Error::io("cannot watch the run lock's directory", e.into());
        let watch = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).map_err(cannot)?;
        let moved = WatchFlags::MOVE_SELF | WatchFlags::DELETE_SELF | WatchFlags::DONT_FOLLOW;
        let renamed =
            WatchFlags::MOVED_FROM | WatchFlags::MOVED_TO | WatchFlags::DELETE | WatchFlags::CREATE;
        inotify::add_watch(&watch, dir.path(), moved | renamed).map_err(cannot)?;
        // Every directory above: renaming one moves the runtime directory away from where
        // starts look for it. One that cannot be watched (not readable) is one the user
        // cannot rename either, unless it is theirs.
        for above in dir.path().ancestors().skip(1) {
            let _ = inotify::add_watch(&watch, above, moved);
        }
        Ok(LockWitness {
            file,
            dir: dir
                .dir_fd()
                .map_err(|e| Error::io("cannot keep the runtime directory", e))?,
            name: name.to_string(),
            watch,
            lost: AtomicBool::new(false),
        })
    }

    /// Whether the lock still guards its key: nothing of the watched was renamed or removed
    /// since the witness was made, and the lock's file is the one its name gives.
    pub fn holds(&self) -> bool {
        if self.lost.load(Ordering::SeqCst) {
            return false;
        }
        let holds = self.nothing_moved() && self.still_named();
        if !holds {
            self.lost.store(true, Ordering::SeqCst);
        }
        holds
    }

    /// Reads every queued event: none may concern the lock's name or move a directory.
    /// Other names in the runtime directory are other runs' files.
    fn nothing_moved(&self) -> bool {
        let mut buffer = [MaybeUninit::uninit(); 4096];
        let mut events = inotify::Reader::new(&self.watch, &mut buffer);
        loop {
            match events.next() {
                Err(rustix::io::Errno::AGAIN) => return true,
                Err(_) => return false,
                Ok(event) => {
                    let moved = ReadFlags::MOVE_SELF
                        | ReadFlags::DELETE_SELF
                        | ReadFlags::IGNORED
                        | ReadFlags::QUEUE_OVERFLOW;
                    let named = event.file_name().map(|n| n.to_bytes());
                    if event.events().intersects(moved) || named == Some(self.name.as_bytes()) {
                        return false;
                    }
                }
            }
        }
    }

    /// Whether the lock's file is still the one its name gives.
    fn still_named(&self) -> bool {
        let held = rustix::fs::fstat(&self.file);
        let named = rustix::fs::statat(&self.dir, self.name.as_str(), AtFlags::SYMLINK_NOFOLLOW);
        match (held, named) {
            (Ok(held), Ok(named)) => held.st_dev == named.st_dev && held.st_ino == named.st_ino,
            _ => false,
        }
    }
}

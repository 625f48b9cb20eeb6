//! Whether a held run lock still guards its key. The runtime directory is the user's, so any
//! process of the user (a bot's plugin) can remove or rename a lock file, or the directory
//! itself or one above it, and the next start would then find the key free while the lock
//! is still held on a file no start looks at any more. A signing service asks
//! [`LockWitness::holds`] before each signature and signs no more once the answer was no.
//!
//! A look at the name at that moment is not enough: a name hidden while a bot holding the
//! secret starts and put back before the next signature looks untouched. So the witness
//! also watches (inotify) the lock's name in the runtime directory, the directory itself
//! (through its descriptor) and every directory from there up to the root, as written and
//! as links resolve, for being renamed, removed or changed in permissions or owner (a home
//! others may write is not used, so a chmod sends starts elsewhere); the kernel queues each
//! such event until it is read, so one that was undone meanwhile is still seen, and any
//! event without a name (an overflowed queue, a watch that ended) counts as one.

use crate::error::{Error, Result};
use crate::vault::runtime_dir::RuntimeDir;
use rustix::fs::AtFlags;
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use std::fs::File;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a watched directory must not undergo: a move, its removal (or its watch's end), a
/// change of its permissions or owner.
const SELF_CHANGED: WatchFlags = WatchFlags::MOVE_SELF
    .union(WatchFlags::DELETE_SELF)
    .union(WatchFlags::ATTRIB);

/// Watches every directory above the runtime directory `path`, as written (a link itself)
/// and as resolved: moving one or changing its permissions (a home others may write is not
/// used) sends starts elsewhere. A directory the user may not read cannot be watched: that
/// refuses the run when the user could move or change it (theirs, or in a directory of
/// theirs), as does any other failure (no watches left); one of root's in root's is
/// skipped, as the user can do nothing to it.
fn watch_above(watch: &OwnedFd, path: &Path) -> Result<()> {
    let resolved = std::fs::canonicalize(path).unwrap_or_default();
    let above = path.ancestors().chain(resolved.ancestors()).skip(1);
    for above in above.filter(|p| !p.as_os_str().is_empty() && *p != resolved) {
        match inotify::add_watch(watch, above, SELF_CHANGED | WatchFlags::DONT_FOLLOW) {
            Ok(_) => {}
            Err(rustix::io::Errno::ACCESS) if !users(above) => {}
            Err(e) => return Err(cannot_watch(above, e)),
        }
    }
    Ok(())
}

/// Whether the user could move or change `dir`: it, or the directory it is in, is theirs.
fn users(dir: &Path) -> bool {
    let me = rustix::process::geteuid().as_raw();
    let owner = |p: &Path| rustix::fs::lstat(p).map(|s| s.st_uid);
    let parent = dir.parent().unwrap_or(dir);
    owner(dir).is_ok_and(|uid| uid == me) || owner(parent).is_ok_and(|uid| uid == me)
}

fn cannot_watch(dir: &Path, e: rustix::io::Errno) -> Error {
    let why = match e {
        rustix::io::Errno::NOSPC => " (no inotify watch left: fs.inotify.max_user_watches)",
        rustix::io::Errno::ACCESS => " (it is yours and you may not read it: chmod u+r)",
        _ => "",
    };
    let context = format!("cannot watch {} for the run lock{why}", dir.display());
    Error::io(context, e.into())
}

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
    /// before the bot starts. Fails when a directory cannot be watched for want of
    /// resources (a witness watching less than it says is no witness), or when the
    /// runtime directory's path no longer leads to the directory the lock is in.
    pub(super) fn new(file: File, dir: &RuntimeDir, name: &str) -> Result<LockWitness> {
        let cannot = |e| cannot_watch(dir.path(), e);
        let watch = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).map_err(cannot)?;
        let dir_fd = dir
            .dir_fd()
            .map_err(|e| Error::io("cannot keep the runtime directory", e))?;
        // The directory the lock is in, through its descriptor (not a path someone may
        // have taken meanwhile); its own moves and changes, and the lock's name in it.
        let itself = format!("/proc/self/fd/{}", dir_fd.as_raw_fd());
        let renamed =
            WatchFlags::MOVED_FROM | WatchFlags::MOVED_TO | WatchFlags::DELETE | WatchFlags::CREATE;
        inotify::add_watch(&watch, itself.as_str(), SELF_CHANGED | renamed).map_err(cannot)?;
        watch_above(&watch, dir.path())?;
        // Only now, every watch in place, is the path compared with the directory: a move
        // before the watches is seen here, one after by them.
        let held = rustix::fs::fstat(&dir_fd).map_err(cannot)?;
        match rustix::fs::stat(dir.path()) {
            Ok(now) if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino) => {}
            _ => {
                let moved = std::io::Error::other("it was moved while the run started");
                return Err(Error::io(format!("{}", dir.path().display()), moved));
            }
        }
        Ok(LockWitness {
            file,
            dir: dir_fd,
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

    /// Reads every queued event: none may move or change a watched directory, or concern
    /// the lock's name. Other names in the runtime directory are other runs' files.
    fn nothing_moved(&self) -> bool {
        let mut buffer = [MaybeUninit::uninit(); 4096];
        let mut events = inotify::Reader::new(&self.watch, &mut buffer);
        loop {
            match events.next() {
                Err(rustix::io::Errno::AGAIN) => return true,
                Err(_) => return false,
                Ok(event) => match event.file_name() {
                    Some(named) if named.to_bytes() != self.name.as_bytes() => {}
                    Some(_) => {
                        let renamed = ReadFlags::MOVED_FROM
                            | ReadFlags::MOVED_TO
                            | ReadFlags::DELETE
                            | ReadFlags::CREATE;
                        if event.events().intersects(renamed) {
                            return false;
                        }
                    }
                    None => return false,
                },
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    const NAME: &str = "sign-0123456789abcdef";

    /// A home with the runtime directory in it, a lock file held there, and its witness.
    fn witnessed(home: &Path) -> (RuntimeDir, LockWitness) {
        fs::create_dir_all(home).unwrap();
        fs::set_permissions(home, fs::Permissions::from_mode(0o700)).unwrap();
        let dir = RuntimeDir::open(Some(&home.join(".local/state"))).unwrap();
        let file = dir.open_private_file(NAME).unwrap();
        file.lock_shared().unwrap();
        let witness = LockWitness::new(file, &dir, NAME).unwrap();
        (dir, witness)
    }

    /// What the user and other runs do beside a running service leaves it signing.
    #[test]
    fn a_neighbours_doings_leave_the_lock_holding() {
        let scratch = tempfile::tempdir().unwrap();
        let home = scratch.path().join("home");
        let (dir, witness) = witnessed(&home);
        let runtime = dir.path().to_path_buf();
        fs::write(runtime.join("run-0123456789abcdef"), b"").unwrap();
        fs::write(runtime.join("runs-abc.json.tmp"), b"{}").unwrap();
        fs::rename(
            runtime.join("runs-abc.json.tmp"),
            runtime.join("runs-abc.json"),
        )
        .unwrap();
        fs::create_dir(home.join("projects")).unwrap();
        fs::write(home.join("projects/notes.txt"), b"x").unwrap();
        fs::remove_dir_all(home.join("projects")).unwrap();
        drop(dir.open_private_file(NAME).unwrap());
        assert!(witness.holds());
        assert!(witness.holds(), "asked again");
    }

    /// Each way of taking the lock away is seen, also when it was undone before the
    /// service looked, and for good.
    #[test]
    fn each_way_of_taking_the_lock_away_is_seen_even_undone() {
        let rename_and_back = |from: &Path, to: &Path| {
            fs::rename(from, to).unwrap();
            fs::rename(to, from).unwrap();
        };
        let chmod = |path: &Path, mode| {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap()
        };
        for how in [
            "removed",
            "hidden",
            "home chmodded",
            "directory moved",
            "ancestor moved",
        ] {
            let scratch = tempfile::tempdir().unwrap();
            let home = scratch.path().join("home");
            let (dir, witness) = witnessed(&home);
            let runtime = dir.path();
            match how {
                "removed" => fs::remove_file(runtime.join(NAME)).unwrap(),
                "hidden" => rename_and_back(&runtime.join(NAME), &runtime.join(".h")),
                "home chmodded" => {
                    chmod(&home, 0o770);
                    chmod(&home, 0o700);
                }
                "directory moved" => rename_and_back(runtime, &home.join("elsewhere")),
                _ => rename_and_back(&home.join(".local"), &home.join(".local.old")),
            }
            assert!(!witness.holds(), "{how}");
            assert!(!witness.holds(), "{how}: for good");
        }
    }
}

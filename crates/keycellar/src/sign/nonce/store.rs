//! The files of the nonce issuers (docs/SIGNING.md section 5): the private directory, the
//! durable reservation (replaced by rename, fsynced) and the shared record of the last nonce
//! issued this boot (written in place under the lock, never fsynced).

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

/// Refuses a nonce directory that is not a directory of this user closed to others: anyone
/// who can write in it can roll the reservation back.
pub(super) fn check_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
    if meta.is_dir()
        && meta.uid() == rustix::process::geteuid().as_raw()
        && meta.mode() & 0o077 == 0
    {
        return Ok(());
    }
    Err(Error::io(
        format!("the nonce directory {}", dir.display()),
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "not a directory of this user with mode 0700",
        ),
    ))
}

/// The reservation R in `path`: no nonce above it was ever issued; 0 when there is no store
/// yet. An error unless the store is a regular file (a link is not followed, a FIFO is not
/// waited on) holding one decimal number.
pub(super) fn read_reservation(path: &Path) -> Result<u64> {
    let cannot = |e| Error::io(format!("cannot read {}", path.display()), e);
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(cannot(e)),
    };
    if !file.metadata().map_err(cannot)?.is_file() {
        let not_file = std::io::Error::new(std::io::ErrorKind::InvalidData, "not a regular file");
        return Err(cannot(not_file));
    }
    let mut text = String::new();
    file.take(64).read_to_string(&mut text).map_err(cannot)?;
    text.trim().parse().map_err(|_| {
        Error::io(
            format!("the nonce store {} is damaged", path.display()),
            std::io::Error::new(std::io::ErrorKind::InvalidData, "not a decimal number"),
        )
    })
}

/// Replaces the reservation with `reserved`, durably: a fresh temporary file (never a link's
/// target), synced, renamed over the store (a link or FIFO there is replaced, not written
/// through), then the directory synced. Nothing is left behind when it fails. The caller
/// holds the key's lock, so the temporary name is its alone.
pub(super) fn save_reservation(path: &Path, reserved: u64) -> Result<()> {
    let cannot = |e| Error::io(format!("cannot save the nonce store {}", path.display()), e);
    let temp = path.with_extension("new");
    let _ = std::fs::remove_file(&temp);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(format!("{reserved}\n").as_bytes())
                .and_then(|()| file.sync_all())
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(cannot(e));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir).and_then(|d| d.sync_all()).map_err(cannot)
}

/// Opens the key's lock file: created 0600 if missing, never through a link, and only a
/// regular file of this user with one name.
pub(super) fn open_lock(path: &Path) -> Result<File> {
    crate::vault::store::open_lock_file(path)
        .map_err(|e| Error::io(format!("cannot open the nonce lock {}", path.display()), e))
}

/// Takes the key's lock (`flock`, exclusive) on `lock`, waiting at most `wait`; reopens it
/// first when it has lost its name (removed, or replaced by a rename, while held open: two
/// issuers locking two files would not take turns). One `fstat` per nonce: a file renamed
/// away keeps a name and is not seen (docs/SIGNING.md section 5 says what that costs).
pub(super) fn take_turn(lock: &mut File, path: &Path, wait: Duration) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let started = Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => {
                if lock.metadata().is_ok_and(|m| m.nlink() > 0) {
                    return Ok(());
                }
                let _ = lock.unlock();
                *lock = open_lock(path)?;
            }
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(Error::io(
                    format!("the nonce lock {}", path.display()),
                    std::io::Error::other(format!(
                        "another process has held it for over {} s",
                        wait.as_secs()
                    )),
                ));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", path.display()), e));
            }
        }
    }
}

/// This boot's id: a record of the last nonce written under another boot may have been lost
/// with the page cache (a power loss), so it is not trusted.
pub(super) fn boot_id() -> Result<String> {
    const PATH: &str = "/proc/sys/kernel/random/boot_id";
    let text =
        std::fs::read_to_string(PATH).map_err(|e| Error::io(format!("cannot read {PATH}"), e))?;
    Ok(text.trim().to_string())
}

/// The last nonce the lock file records for boot `boot`; `None` for another boot, an empty
/// file or anything else (ignoring it is always safe: the reservation is above it).
pub(super) fn read_last(lock: &File, boot: &str) -> Result<Option<u64>> {
    let mut buffer = [0u8; 80];
    let read = lock
        .read_at(&mut buffer, 0)
        .map_err(|e| Error::io("cannot read the nonce lock".to_string(), e))?;
    let text = String::from_utf8_lossy(&buffer[..read]);
    let line = text.split('\n').next().unwrap_or("");
    Ok(match line.split_once(' ') {
        Some((written_in, last)) if written_in == boot => last.parse().ok(),
        _ => None,
    })
}

/// Records `last` for boot `boot` at the start of the lock file: one line, one `pwrite`.
pub(super) fn write_last(lock: &File, boot: &str, last: u64) -> Result<()> {
    let line = format!("{boot} {last:020}\n");
    lock.write_all_at(line.as_bytes(), 0)
        .map_err(|e| Error::io("cannot record the nonce in the nonce lock".to_string(), e))
}

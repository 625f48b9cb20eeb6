//! Kraken nonces (docs/SIGNING.md section 5): strictly increasing per key, across every
//! client and every restart, without an fsync per signature.
//!
//! `DIR/nonce-ID` holds a reservation R: no nonce above R was ever issued. A nonce above R
//! is issued only after R has been raised by [`BLOCK`] and made durable (temp file, fsync,
//! rename, directory fsync). A start reads R and begins above it, whatever happened before.
//! `DIR/nonce-ID.lock` is held (flock) for the issuer's life: one issuer per key per nonce
//! directory, so the caller keeps one directory per user (docs/SIGNING.md section 5). The
//! directory must be this user's and private; the store is read without following a link and
//! only if it is a regular file, and replaced by rename (never written through).

use super::Clock;
use crate::error::EntryError;
use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How far a reservation runs ahead: 100,000 ms is under two minutes of clock time, so a
/// restart jumps the nonce forward by at most that.
pub const BLOCK: u64 = 100_000;

/// Issues the nonces of one key.
pub struct NonceIssuer {
    state: Mutex<State>,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    // Held for the issuer's life; the kernel releases it however the process ends.
    _lock: File,
}

struct State {
    last: u64,
    reserved: u64,
}

impl NonceIssuer {
    /// Opens the store of key `key_id` in `dir` (created 0700 if missing) and takes its lock.
    /// Fails with [`EntryError::KeyInUse`](crate::error::EntryError::KeyInUse) when another
    /// process issues this key's nonces.
    pub fn open(
        dir: &Path,
        key_id: &str,
        label: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<NonceIssuer> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        check_private_dir(dir)?;
        let lock = take_lock(&dir.join(format!("nonce-{key_id}.lock")), label)?;
        let path = dir.join(format!("nonce-{key_id}"));
        let reserved = read_reservation(&path)?;
        Ok(NonceIssuer {
            state: Mutex::new(State {
                last: reserved,
                reserved,
            }),
            path,
            clock,
            _lock: lock,
        })
    }

    /// The next nonce: above every nonce this key was ever given by keycellar, and not
    /// below the clock in milliseconds.
    pub fn next(&self) -> Result<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let nonce = state
            .last
            .checked_add(1)
            .ok_or_else(|| Error::Internal("the nonce reached its maximum".into()))?
            .max(self.clock.now_ms());
        if nonce > state.reserved {
            let reserved = nonce.saturating_add(BLOCK);
            replace(&self.path, format!("{reserved}\n").as_bytes())?;
            state.reserved = reserved;
        }
        state.last = nonce;
        Ok(nonce)
    }

    /// The durable reservation: no nonce above it was issued.
    pub fn reserved(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .reserved
    }
}

fn take_lock(path: &Path, label: &str) -> Result<File> {
    let cannot = |e| Error::io(format!("cannot open the nonce lock {}", path.display()), e);
    let mut file = crate::vault::store::open_lock_file(path).map_err(cannot)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = Read::by_ref(&mut file).take(32).read_to_string(&mut text);
            return Err(Error::Entry(EntryError::KeyInUse {
                label: label.to_string(),
                pid: text.trim().parse().ok(),
            }));
        }
        Err(TryLockError::Error(e)) => return Err(cannot(e)),
    }
    let recorded = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    recorded.map_err(cannot)?;
    Ok(file)
}

/// Refuses a nonce directory that is not a directory of this user closed to others: anyone
/// who can write in it can roll the reservation back.
fn check_private_dir(dir: &Path) -> Result<()> {
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

/// The store's text: nothing when it is missing; an error unless it is a regular file (a
/// link is not followed, and a FIFO is not waited on).
fn read_store(path: &Path) -> Result<Option<String>> {
    let cannot = |e| Error::io(format!("cannot read {}", path.display()), e);
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    if !file.metadata().map_err(cannot)?.is_file() {
        let not_file = std::io::Error::new(std::io::ErrorKind::InvalidData, "not a regular file");
        return Err(cannot(not_file));
    }
    let mut text = String::new();
    file.take(64).read_to_string(&mut text).map_err(cannot)?;
    Ok(Some(text))
}

/// Replaces the store with `bytes`, durably: a fresh temporary file (never a link's target),
/// synced, renamed over the store (a link or FIFO there is replaced, not written through),
/// then the directory synced. Nothing is left behind when it fails.
fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let cannot = |e| Error::io(format!("cannot save the nonce store {}", path.display()), e);
    let temp = path.with_extension("new");
    let _ = std::fs::remove_file(&temp);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(cannot(e));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir).and_then(|d| d.sync_all()).map_err(cannot)
}

fn read_reservation(path: &Path) -> Result<u64> {
    let Some(text) = read_store(path)? else {
        return Ok(0);
    };
    text.trim().parse().map_err(|_| {
        Error::io(
            format!("the nonce store {} is damaged", path.display()),
            std::io::Error::new(std::io::ErrorKind::InvalidData, "not a decimal number"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::FixedClock;
    use std::os::unix::fs::PermissionsExt;

    fn private_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    #[test]
    fn nonces_increase_across_restarts_and_follow_the_clock() {
        let dir = private_dir();
        let clock = Arc::new(FixedClock::new(1616492376594));
        let issuer = NonceIssuer::open(dir.path(), "k", "l", clock.clone()).unwrap();
        assert_eq!(issuer.next().unwrap(), 1616492376594);
        assert_eq!(issuer.next().unwrap(), 1616492376595);
        assert_eq!(issuer.reserved(), 1616492376594 + BLOCK);
        let second = NonceIssuer::open(dir.path(), "k", "l", clock.clone());
        assert!(matches!(
            second,
            Err(Error::Entry(EntryError::KeyInUse { .. }))
        ));
        drop(issuer);
        // A restart starts above everything that may have been issued.
        let issuer = NonceIssuer::open(dir.path(), "k", "l", clock.clone()).unwrap();
        assert_eq!(issuer.next().unwrap(), 1616492376594 + BLOCK + 1);
        clock.set(1616492376594 + 10 * BLOCK);
        assert_eq!(issuer.next().unwrap(), 1616492376594 + 10 * BLOCK);
        let mode = std::fs::metadata(dir.path().join("nonce-k")).unwrap();
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_damaged_store_stops_the_start() {
        let dir = private_dir();
        std::fs::write(dir.path().join("nonce-k"), "twelve").unwrap();
        let clock = Arc::new(FixedClock::new(1));
        assert!(NonceIssuer::open(dir.path(), "k", "l", clock).is_err());
    }
}

//! Kraken nonces (docs/SIGNING.md section 5): strictly increasing per key, across every
//! client and every restart, without an fsync per signature.
//!
//! `DIR/nonce-ID` holds a reservation R: no nonce above R was ever issued. A nonce above R
//! is issued only after R has been raised by [`BLOCK`] and made durable (temp file, fsync,
//! rename, directory fsync). A start reads R and begins above it, whatever happened before.
//! `DIR/nonce-ID.lock` is held (flock) for the issuer's life: one issuer per key per machine.

use super::Clock;
use crate::error::EntryError;
use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
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
            let text = format!("{reserved}\n");
            crate::vault::store::write_file(&self.path, text.as_bytes(), true)?;
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
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(cannot)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(cannot)?;
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

fn read_reservation(path: &Path) -> Result<u64> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
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

    #[test]
    fn nonces_increase_across_restarts_and_follow_the_clock() {
        let dir = tempfile::tempdir().unwrap();
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
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("nonce-k"), "twelve").unwrap();
        let clock = Arc::new(FixedClock::new(1));
        assert!(NonceIssuer::open(dir.path(), "k", "l", clock).is_err());
    }
}

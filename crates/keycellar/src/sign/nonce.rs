//! Kraken nonces (docs/SIGNING.md section 5): strictly increasing per key, across every
//! client, every service of the key running at once and every restart, without an fsync per
//! signature.
//!
//! `DIR/nonce-ID` holds a reservation R: no nonce above R was ever issued. A nonce above R
//! is issued only after R has been raised by [`BLOCK`] and made durable (temp file, fsync,
//! rename, directory fsync). `DIR/nonce-ID.lock` is locked (flock) for the issue of each
//! nonce, by whichever service of the key issues it, and records the last nonce issued and
//! the boot it was issued in; the next nonce is above it. A record of another boot may have
//! been lost with the page cache, so then the next nonce is above R, whatever happened. The
//! files are read and written by `store`.

mod store;

use super::Clock;
use crate::error::{Error, Result};
use std::fs::File;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How far a reservation runs ahead: 100,000 ms is under two minutes of clock time, so a
/// start after a reboot jumps the nonce forward by at most that.
pub const BLOCK: u64 = 100_000;

/// Issues the nonces of one key, in turn with every other issuer of the key on this machine.
pub struct NonceIssuer {
    /// The highest reservation this issuer has seen; reservations only grow, so a nonce at
    /// or below it is covered without reading the store.
    reserved: Mutex<u64>,
    lock: File,
    path: PathBuf,
    boot: String,
    clock: Arc<dyn Clock>,
}

impl NonceIssuer {
    /// Opens the store of key `key_id` in `dir` (created 0700 if missing) and its lock file.
    pub fn open(dir: &Path, key_id: &str, clock: Arc<dyn Clock>) -> Result<NonceIssuer> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        store::check_private_dir(dir)?;
        let lock_path = dir.join(format!("nonce-{key_id}.lock"));
        let lock = crate::vault::store::open_lock_file(&lock_path).map_err(|e| {
            Error::io(
                format!("cannot open the nonce lock {}", lock_path.display()),
                e,
            )
        })?;
        let path = dir.join(format!("nonce-{key_id}"));
        let reserved = store::read_reservation(&path)?;
        Ok(NonceIssuer {
            reserved: Mutex::new(reserved),
            lock,
            path,
            boot: store::boot_id()?,
            clock,
        })
    }

    /// The next nonce: above every nonce this key was ever given by keycellar, and not
    /// below the clock in milliseconds. Waits while another issuer of the key issues one.
    pub fn next(&self) -> Result<u64> {
        let mut reserved = self.reserved.lock().unwrap_or_else(|p| p.into_inner());
        let _turn = Turn::take(&self.lock)?;
        let last = match store::read_last(&self.lock, &self.boot)? {
            Some(last) => last,
            None => store::read_reservation(&self.path)?,
        };
        let nonce = last
            .checked_add(1)
            .ok_or_else(|| Error::Internal("the nonce reached its maximum".into()))?
            .max(self.clock.now_ms());
        if nonce > *reserved {
            *reserved = (*reserved).max(store::read_reservation(&self.path)?);
        }
        if nonce > *reserved {
            let raised = nonce.saturating_add(BLOCK);
            store::save_reservation(&self.path, raised)?;
            *reserved = raised;
        }
        store::write_last(&self.lock, &self.boot, nonce)?;
        Ok(nonce)
    }

    /// The durable reservation as this issuer last saw it: no nonce above it was issued.
    pub fn reserved(&self) -> u64 {
        *self.reserved.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The key's lock, held while one nonce is issued; released when dropped (and by the kernel
/// however the process ends).
struct Turn<'a>(&'a File);

impl<'a> Turn<'a> {
    fn take(lock: &'a File) -> Result<Turn<'a>> {
        lock.lock()
            .map_err(|e| Error::io("cannot lock the nonce lock".to_string(), e))?;
        Ok(Turn(lock))
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
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
    fn issuers_of_one_key_take_turns_and_follow_the_clock() {
        let dir = private_dir();
        let clock = Arc::new(FixedClock::new(1616492376594));
        let first = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        assert_eq!(first.next().unwrap(), 1616492376594);
        assert_eq!(first.reserved(), 1616492376594 + BLOCK);
        // A second issuer of the key (another service, another process) goes on from the
        // last nonce issued, and the first from the second's.
        let second = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        assert_eq!(second.next().unwrap(), 1616492376595);
        assert_eq!(first.next().unwrap(), 1616492376596);
        drop((first, second));
        // A restart in this boot goes on from the last nonce too; the clock wins when ahead.
        let issuer = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        assert_eq!(issuer.next().unwrap(), 1616492376597);
        clock.set(1616492376594 + 10 * BLOCK);
        assert_eq!(issuer.next().unwrap(), 1616492376594 + 10 * BLOCK);
        assert_eq!(issuer.reserved(), 1616492376594 + 11 * BLOCK);
        let mode = std::fs::metadata(dir.path().join("nonce-k")).unwrap();
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_record_of_another_boot_is_not_trusted() {
        let dir = private_dir();
        let clock = Arc::new(FixedClock::new(1));
        let issuer = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        assert_eq!(issuer.next().unwrap(), 1);
        assert_eq!(issuer.next().unwrap(), 2);
        // As after a power loss: the record is of another boot (or lost, or an old pid).
        for record in ["0f0f0f0f-boot 00000000000000000002\n", "", "4242\n"] {
            std::fs::write(dir.path().join("nonce-k.lock"), record).unwrap();
            let reserved = store::read_reservation(&dir.path().join("nonce-k")).unwrap();
            let issuer = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
            assert_eq!(issuer.next().unwrap(), reserved + 1, "{record:?}");
        }
    }

    #[test]
    fn a_damaged_store_stops_the_start() {
        let dir = private_dir();
        std::fs::write(dir.path().join("nonce-k"), "twelve").unwrap();
        let clock = Arc::new(FixedClock::new(1));
        assert!(NonceIssuer::open(dir.path(), "k", clock).is_err());
    }
}

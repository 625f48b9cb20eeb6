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
use std::time::Duration;

/// How far a reservation runs ahead: 100,000 ms is under two minutes of clock time, so a
/// start after a reboot jumps the nonce forward by at most that.
pub const BLOCK: u64 = 100_000;

/// How far ahead of the clock a nonce may be: the reservation runs at most a block ahead of
/// the nonce that raised it, which was at most a block ahead of the clock, unless a process
/// of the user wrote the files (a bot after signatures it could send later) or the clock went
/// back. Such a nonce is refused, not issued.
pub const MAX_AHEAD: u64 = 2 * BLOCK;

/// How long a nonce waits for the key's lock before it is refused: one issue holds it for
/// microseconds, so a longer hold is a process stopped or hostile, and the bot gets an error
/// rather than no answer (and its exec can end).
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Issues the nonces of one key, in turn with every other issuer of the key on this machine.
pub struct NonceIssuer {
    state: Mutex<State>,
    lock_path: PathBuf,
    path: PathBuf,
    boot: String,
    clock: Arc<dyn Clock>,
}

struct State {
    /// The last nonce this issuer issued: whatever the files say, it never goes below.
    last: u64,
    /// The reservation as last read: the one on disk is never below it.
    reserved: u64,
    /// The key's lock file, reopened when its name no longer leads to it.
    lock: File,
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
        let path = dir.join(format!("nonce-{key_id}"));
        let reserved = store::read_reservation(&path)?;
        Ok(NonceIssuer {
            state: Mutex::new(State {
                last: 0,
                reserved,
                lock: store::open_lock(&lock_path)?,
            }),
            lock_path,
            path,
            boot: store::boot_id()?,
            clock,
        })
    }

    /// The next nonce: above every nonce this key was ever given by keycellar, not below the
    /// clock in milliseconds, and not more than [`MAX_AHEAD`] above it. Waits while another
    /// issuer of the key issues one.
    pub fn next(&self) -> Result<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        store::take_turn(&mut state.lock, &self.lock_path, LOCK_WAIT)?;
        let issued = self.issue(&mut state);
        // Released however the issue went; the kernel releases it if the process dies.
        let _ = state.lock.unlock();
        issued
    }

    fn issue(&self, state: &mut State) -> Result<u64> {
        // The reservation only grows, so a record within the one last read is within the
        // one on disk; the file is read again only when that is not enough.
        let mut recorded = store::read_last(&state.lock, &self.boot)?;
        if recorded.is_none_or(|last| last > state.reserved) {
            state.reserved = store::read_reservation(&self.path)?;
        }
        let reserved = state.reserved;
        // A record is trusted only within what the reservation allows: every nonce issued is
        // at most the reservation and at least the nonce that raised it.
        recorded =
            recorded.filter(|last| (reserved.saturating_sub(BLOCK)..=reserved).contains(last));
        let now = self.clock.now_ms();
        let nonce = recorded
            .unwrap_or(reserved)
            .max(state.last)
            .saturating_add(1)
            .max(now);
        if nonce > now.saturating_add(MAX_AHEAD) {
            return Err(Error::io(
                format!("the nonce store {}", self.path.display()),
                std::io::Error::other(format!(
                    "its next nonce is {} s ahead of the clock: the clock went back, or the \
                     file was changed; with the clock right, remove it and its lock",
                    (nonce - now) / 1000
                )),
            ));
        }
        if nonce > reserved {
            state.reserved = store::read_reservation(&self.path)?;
        }
        if nonce > state.reserved {
            let raised = nonce.saturating_add(BLOCK);
            store::save_reservation(&self.path, raised)?;
            state.reserved = raised;
        }
        store::write_last(&state.lock, &self.boot, nonce)?;
        state.last = nonce;
        Ok(nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::FixedClock;
    use std::os::unix::fs::PermissionsExt;

    fn reservation(dir: &tempfile::TempDir) -> u64 {
        store::read_reservation(&dir.path().join("nonce-k")).unwrap()
    }

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
        assert_eq!(reservation(&dir), 1616492376594 + BLOCK);
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
        assert_eq!(reservation(&dir), 1616492376594 + 11 * BLOCK);
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
            let reserved = reservation(&dir);
            clock.set(reserved);
            let issuer = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
            assert_eq!(issuer.next().unwrap(), reserved + 1, "{record:?}");
        }
    }

    /// What a process of the user can write in the files (the seventh attacker pass): a
    /// record outside what the reservation allows is not trusted, a record within it never
    /// takes an issuer below its own last nonce, and a nonce far ahead of the clock (a record
    /// or reservation at the maximum) is refused with nothing recorded.
    #[test]
    fn records_a_process_of_the_user_wrote_are_bounded() {
        let dir = private_dir();
        let clock = Arc::new(FixedClock::new(1_000_000));
        let issuer = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        assert_eq!(issuer.next().unwrap(), 1_000_000);
        let reserved = reservation(&dir);
        let boot = store::boot_id().unwrap();
        let forge = |last: u64| {
            let line = format!("{boot} {last:020}\n");
            std::fs::write(dir.path().join("nonce-k.lock"), line).unwrap();
        };
        forge(reserved + 50 * BLOCK);
        assert_eq!(
            issuer.next().unwrap(),
            reserved + 1,
            "above the reservation"
        );
        // Each record not trusted costs a jump of a block: the clock keeps up here.
        let reserved = reservation(&dir);
        clock.set(reserved);
        forge(3);
        assert_eq!(issuer.next().unwrap(), reserved + 1, "below its window");
        forge(reserved + 2);
        assert_eq!(issuer.next().unwrap(), reserved + 3, "within: followed");
        forge(reserved + 1);
        assert_eq!(issuer.next().unwrap(), reserved + 4, "never below its own");
        // A record at the maximum is above the reservation: not trusted, no harm.
        let reserved = reservation(&dir);
        forge(u64::MAX - 1);
        assert_eq!(
            issuer.next().unwrap(),
            reserved + 1,
            "a record at the maximum"
        );
        // A reservation at the maximum (read by a service that starts, or when a record
        // sends one to the file): refused, nothing recorded, until the files go.
        std::fs::write(dir.path().join("nonce-k"), format!("{}\n", u64::MAX)).unwrap();
        let before = std::fs::read(dir.path().join("nonce-k.lock")).unwrap();
        let started = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        let refused = started.next().unwrap_err().to_string();
        assert!(refused.contains("ahead of the clock"), "{refused}");
        assert_eq!(
            std::fs::read(dir.path().join("nonce-k.lock")).unwrap(),
            before
        );
        for file in ["nonce-k", "nonce-k.lock"] {
            std::fs::remove_file(dir.path().join(file)).unwrap();
        }
        let fresh = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        assert_eq!(fresh.next().unwrap(), clock.now_ms());
    }

    #[test]
    fn a_lock_held_elsewhere_is_waited_on_for_a_while_and_a_replaced_one_is_reopened() {
        let dir = private_dir();
        let clock = Arc::new(FixedClock::new(1));
        let issuer = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        let other = NonceIssuer::open(dir.path(), "k", clock.clone()).unwrap();
        assert_eq!(issuer.next().unwrap(), 1);
        // Removed while both hold it open: both reopen the new file and still take turns.
        std::fs::remove_file(dir.path().join("nonce-k.lock")).unwrap();
        let after = other.next().unwrap();
        assert!(after > 1);
        assert_eq!(issuer.next().unwrap(), after + 1);
        let held = store::open_lock(&dir.path().join("nonce-k.lock")).unwrap();
        held.lock().unwrap();
        let refused = issuer.next().unwrap_err().to_string();
        assert!(refused.contains("held it for over"), "{refused}");
        drop(held);
        assert_eq!(issuer.next().unwrap(), after + 2);
    }

    #[test]
    fn a_damaged_store_stops_the_start() {
        let dir = private_dir();
        std::fs::write(dir.path().join("nonce-k"), "twelve").unwrap();
        let clock = Arc::new(FixedClock::new(1));
        assert!(NonceIssuer::open(dir.path(), "k", clock).is_err());
    }
}

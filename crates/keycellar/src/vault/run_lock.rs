//! One key, one running bot: `exec` holds a lock on `run-KEYID` in the private runtime
//! directory ([`RuntimeDir`]) for as long as its child runs. Kraken's nonces break
//! when two processes sign with one key, so a second `exec` of the same key (under any label
//! holding it, through any path to the vault) is refused at once, naming the first one's
//! process; `--shared` takes a shared lock instead, which other shared runs may also hold.
//!
//! The lock is named by the key's id alone, a hash of the exchange and the public key: two
//! labels holding one key share it, and so do two vaults holding it (a copy, a restore, a
//! symbolic or hard link to one vault), since the exchange sees one key. It lives in the runtime directory rather than beside the vault: one
//! place, private to the user (no lock file another user of a shared directory could point
//! elsewhere, none carried along by a synced folder), and a read-only vault directory works.
//!
//! The lock is the kernel's (flock): it goes when the last process holding it ends, however
//! it ends, so a crash never leaves a key marked as running. `exec`'s child inherits it, so it
//! is held for as long as the bot lives even if keycellar is killed. The files stay
//! (removing one while another process opens it would let two runs hold two different
//! locks); each is a few bytes and names no secret, only the process id of the run.

use super::runtime_dir::RuntimeDir;
use crate::credential::exchange::Exchange;
use crate::error::EntryError;
use crate::error::{Error, Result};
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::fd::{AsRawFd, RawFd};

/// A held run lock; dropping it releases the lock (unless a child inherited it).
pub struct RunLock {
    file: File,
}

/// Identifies a key across labels: 16 hex digits of SHA-256 over the exchange id and the
/// public key (as the signing service's nonce stores do).
pub fn key_id(exchange: Exchange, api_key: &str) -> String {
    let digest = crate::crypto::sha256(&[exchange.id().as_bytes(), b"\n", api_key.as_bytes()]);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// `run-KEYID`, for the key whose id is `key_id` (see [`key_id`]).
pub fn name(key_id: &str) -> String {
    format!("run-{key_id}")
}

fn open(dir: &RuntimeDir, name: &str) -> Result<File> {
    let cannot = |e| {
        Error::io(
            format!(
                "cannot open the run lock {}",
                dir.path().join(name).display()
            ),
            e,
        )
    };
    super::store::fault_step("run-lock", "open").map_err(cannot)?;
    dir.open_private_file(name).map_err(cannot)
}

/// The process id a run lock file records, if it records one.
fn recorded_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Takes the run lock named `name` (see [`name`]) for `label`: exclusive, or shared with
/// `shared`. Fails at once, naming the running process, when another run holds it.
pub fn acquire(dir: &RuntimeDir, name: &str, label: &str, shared: bool) -> Result<RunLock> {
    let mut file = open(dir, name)?;
    let taken = if shared {
        file.try_lock_shared()
    } else {
        file.try_lock()
    };
    match taken {
        Ok(()) => Ok(RunLock { file }),
        Err(TryLockError::WouldBlock) => Err(Error::Entry(EntryError::KeyInUse {
            label: label.to_string(),
            pid: recorded_pid(&mut file),
        })),
        Err(TryLockError::Error(e)) => Err(Error::io(
            format!("cannot lock {}", dir.path().join(name).display()),
            e,
        )),
    }
}

impl RunLock {
    /// Records the process that uses the key (the child of `exec`), for the message a
    /// second run gets and for `status`. Several shared runs each write theirs; the last
    /// one stays.
    pub fn record(&mut self, pid: u32) -> Result<()> {
        let wrote = super::store::fault_step("run-lock", "record")
            .and_then(|()| self.file.set_len(0))
            .and_then(|()| self.file.rewind())
            .and_then(|()| writeln!(self.file, "{pid}"));
        wrote.map_err(|e| Error::io("cannot record the run in its lock file".to_string(), e))
    }

    /// The descriptor carrying the lock, for the child to inherit.
    pub fn raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

/// The name of the run lock of `entry`'s key (see [`name`]), whichever vault holds it.
pub fn name_for(entry: &crate::credential::entry::Entry) -> String {
    name(&key_id(entry.exchange(), entry.api_key()))
}

/// Whether a run (exclusive or shared) holds the lock `name` now, and the process it
/// recorded.
pub fn running(dir: &RuntimeDir, name: &str) -> Option<Option<u32>> {
    let mut file = dir.open_existing(name).ok()?;
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(_) => Some(recorded_pid(&mut file)),
    }
}

#[cfg(test)]
mod tests {
    use crate::credential::exchange::Exchange;

    #[test]
    fn a_lock_is_named_by_the_key_only() {
        let id = super::key_id(Exchange::Kraken, "KEY");
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(id, super::key_id(Exchange::Binance, "KEY"));
        assert_ne!(id, super::key_id(Exchange::Kraken, "KEY2"));
        assert_eq!(super::name(&id), format!("run-{id}"));
    }
}

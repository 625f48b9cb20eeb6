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
//! `witness`: whether a held lock still guards its key ([`LockWitness`]).

mod witness;

use super::runtime_dir::RuntimeDir;
use super::store::Waited;
use crate::credential::entry::Entry;
use crate::credential::exchange::Exchange;
use crate::error::{EntryError, HeldBy};
use crate::error::{Error, Result};
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;
pub use witness::LockWitness;

/// A held run lock; dropping it releases the lock (unless a child inherited it).
pub struct RunLock {
    file: File,
    /// The file's name in the runtime directory.
    name: String,
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
    super::store::fault_step("run-lock", "open").map_err(|e| cannot_open(dir, name, e))?;
    dir.open_private_file(name)
        .map_err(|e| cannot_open(dir, name, e))
}

fn cannot_open(dir: &RuntimeDir, name: &str, e: std::io::Error) -> Error {
    let path = dir.path().join(name);
    Error::io(format!("cannot open the run lock {}", path.display()), e)
}

/// The process id a run lock file records, if it records one.
fn recorded_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// What runs with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// A bot handed the secret: alone, or (`shared`) beside others that share it and
    /// coordinate its nonces themselves.
    HoldsSecret { shared: bool },
    /// A signing service, which issues the key's nonces: beside other signing services of
    /// the key, never beside a bot that holds the secret.
    Signs,
}

/// `sign-KEYID`: held (shared) by the signing services of the key whose id is `key_id`.
fn sign_name(key_id: &str) -> String {
    format!("sign-{key_id}")
}

/// `start-KEYID`: held by a start of a run of the key, for as long as the start takes.
fn start_name(key_id: &str) -> String {
    format!("start-{key_id}")
}

/// Takes the run lock of `entry`'s key for `runner`, and fails at once, naming the running
/// process, when a run it may not share the key with holds it. Bots that hold the secret
/// hold `run-KEYID` (exclusive, or shared), signing services `sign-KEYID` (shared); each
/// kind checks under `start-KEYID` that the other kind's lock is free, so that a check and
/// the hold that follows it are one step that no other start of the key interleaves with.
///
/// Another start holds `start-KEYID` for a moment only; one that held it for `patience` is
/// stuck or stopped, and this start is refused rather than left waiting without a word.
pub fn acquire(
    dir: &RuntimeDir,
    entry: &Entry,
    runner: Runner,
    patience: Duration,
) -> Result<RunLock> {
    let id = key_id(entry.exchange(), entry.api_key());
    let label = entry.label();
    let _turn = take_turn(dir, &start_name(&id), patience)
        .map_err(|e| e.unwrap_or_else(|| in_use(label, None, HeldBy::AnotherStart)))?;
    let (own, other, held_by) = match runner {
        Runner::HoldsSecret { .. } => (name(&id), sign_name(&id), HeldBy::SigningService),
        Runner::Signs => (sign_name(&id), name(&id), HeldBy::SecretHolder),
    };
    let shared = runner != Runner::HoldsSecret { shared: false };
    let mut file = open(dir, &own)?;
    let taken = match shared {
        true => file.try_lock_shared(),
        false => file.try_lock(),
    };
    match taken {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(in_use(label, recorded_pid(&mut file), HeldBy::AnotherRun));
        }
        Err(TryLockError::Error(e)) => return Err(cannot_lock(dir, &own, e)),
    }
    // The other kind's file is made only by a start of that kind, under the same turn.
    let mut other_file = match dir.open_existing(&other) {
        Ok(other_file) => other_file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(RunLock { file, name: own });
        }
        Err(e) => return Err(cannot_open(dir, &other, e)),
    };
    match held(&mut other_file) {
        Ok(None) => Ok(RunLock { file, name: own }),
        Ok(Some(pid)) => Err(in_use(label, pid, held_by)),
        Err(e) => Err(cannot_lock(dir, &other, e)),
    }
}

/// Takes the lock `name`, held only while a run of its key starts (never by a bot), waiting
/// at most `patience` for it; `Err(None)` when it was held all that time.
fn take_turn(
    dir: &RuntimeDir,
    name: &str,
    patience: Duration,
) -> std::result::Result<File, Option<Error>> {
    let file = open(dir, name)?;
    match super::store::lock_within(&file, patience, &|| true) {
        Ok(Waited::Locked) => Ok(file),
        Ok(Waited::Stopped | Waited::TimedOut) => Err(None),
        Err(e) => Err(Some(cannot_lock(dir, name, e))),
    }
}

/// Whether a run holds the lock of `file`, with the process it recorded; the lock is tried
/// and let go at once.
fn held(file: &mut File) -> std::io::Result<Option<Option<u32>>> {
    match file.try_lock() {
        Ok(()) => file.unlock().map(|()| None),
        Err(TryLockError::WouldBlock) => Ok(Some(recorded_pid(file))),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

fn in_use(label: &str, pid: Option<u32>, held_by: HeldBy) -> Error {
    Error::Entry(EntryError::KeyInUse {
        label: label.to_string(),
        pid,
        held_by,
    })
}

fn cannot_lock(dir: &RuntimeDir, name: &str, e: std::io::Error) -> Error {
    Error::io(
        format!("cannot lock {}", dir.path().join(name).display()),
        e,
    )
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

    /// A check, for another thread, that this lock still guards its key (see
    /// [`LockWitness`]).
    pub fn witness(&self, dir: &RuntimeDir) -> Result<LockWitness> {
        let file = self.file.try_clone();
        let file = file.map_err(|e| Error::io("cannot keep a copy of the run lock", e))?;
        LockWitness::new(file, dir, &self.name)
    }
}

/// The name of the run lock of `entry`'s key (see [`name`]), whichever vault holds it.
pub fn name_for(entry: &Entry) -> String {
    name(&key_id(entry.exchange(), entry.api_key()))
}

/// Whether a run (a bot that holds the secret, or a signing service) holds `entry`'s key
/// now, and the process it recorded.
pub fn running(dir: &RuntimeDir, entry: &Entry) -> Option<Option<u32>> {
    let id = key_id(entry.exchange(), entry.api_key());
    [name(&id), sign_name(&id)].into_iter().find_map(|name| {
        let mut file = dir.open_existing(&name).ok()?;
        held(&mut file).ok().flatten()
    })
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

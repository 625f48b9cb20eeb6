//! One key, one running bot: `exec` holds a lock on `VAULT.run-ENTRYID` (0600, beside the
//! vault) for as long as its child runs. Kraken's nonces break when two processes sign with
//! one key, so a second `exec` of the same entry is refused at once, naming the first one's
//! process; `--shared` takes a shared lock instead, which other shared runs may also hold.
//!
//! The lock is the kernel's (flock): it goes when the process holding it ends, however it
//! ends, so a crash never leaves a key marked as running. The files stay (removing one
//! while another process opens it would let two runs hold two different locks); each is a
//! few bytes and names no secret, only the process id of the run.

use crate::error::EntryError;
use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A held run lock; dropping it releases the lock.
pub struct RunLock {
    file: File,
}

/// `VAULT.run-ENTRYID`. Entries are admitted only with UUID ids; an id that is not one
/// (imported before ids were checked) is named by a digest of it, so that no id can put a
/// path or escapes into the name.
pub fn path(vault: &Path, entry_id: &str) -> PathBuf {
    let is_uuid =
        uuid::Uuid::try_parse(entry_id).is_ok_and(|uuid| uuid.hyphenated().to_string() == entry_id);
    let id = if is_uuid {
        entry_id.to_string()
    } else {
        crate::crypto::sha256(&[entry_id.as_bytes()])[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut name = vault.as_os_str().to_owned();
    name.push(format!(".run-{id}"));
    PathBuf::from(name)
}

fn open(path: &Path) -> Result<File> {
    let cannot = |e| Error::io(format!("cannot open the run lock {}", path.display()), e);
    super::store::fault_step("run-lock", "open").map_err(cannot)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(cannot)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(cannot)?;
    Ok(file)
}

/// The process id a run lock file records, if it records one.
fn recorded_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Takes the run lock of `label` (entry `entry_id`): exclusive, or shared with `shared`.
/// Fails at once, naming the running process, when another run holds it.
pub fn acquire(vault: &Path, entry_id: &str, label: &str, shared: bool) -> Result<RunLock> {
    let path = path(vault, entry_id);
    let mut file = open(&path)?;
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
        Err(TryLockError::Error(e)) => Err(Error::io(format!("cannot lock {}", path.display()), e)),
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
}

/// Whether a run (exclusive or shared) holds the lock of entry `entry_id` now, and the
/// process it recorded.
pub fn running(vault: &Path, entry_id: &str) -> Option<Option<u32>> {
    let path = path(vault, entry_id);
    let mut file = File::open(&path).ok()?;
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
    #[test]
    fn a_lock_is_named_by_the_uuid_or_by_a_digest_of_anything_else() {
        let vault = std::path::Path::new("/v/vault.kc");
        let uuid = "6f2d1c0e-4b3a-4a59-8e7d-1f2e3d4c5b6a";
        assert_eq!(
            super::path(vault, uuid).to_str().unwrap(),
            format!("/v/vault.kc.run-{uuid}")
        );
        let name = super::path(vault, "../../x/\u{1b}[2J");
        let name = name.to_str().unwrap();
        assert!(name.starts_with("/v/vault.kc.run-"), "{name}");
        assert!(name[16..].bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    }
}

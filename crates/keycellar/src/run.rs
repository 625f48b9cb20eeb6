//! What `exec` keeps beside a running bot, outside the sealed vault: where the signing
//! service's journal and nonce stores live, and the clock it signs with; and how long a
//! supervised bot (`exec --restart`) waits before it is started again.
//!
//! The state directory (`$XDG_STATE_HOME/keycellar`, the caller's choice) outlives reboots:
//! the journal of every signature and the nonce high-water marks must. Per vault id:
//! `journal-VAULTID` (0600); per machine: `nonces/` (one store per key, shared by every
//! vault and label holding that key, as docs/SIGNING.md section 5 requires).

use crate::sign::{Clock, SystemClock};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The journal of the signing service for the vault whose id is `vault_id` (hex).
pub fn journal_path(state_dir: &Path, vault_id: &str) -> PathBuf {
    state_dir.join(format!("journal-{vault_id}"))
}

/// Where the signing service keeps its nonce high-water marks.
pub fn nonce_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("nonces")
}

/// The clock the signing service signs with, and `otp` makes authenticator codes by: the
/// system's, or with the `internals` feature
/// and `KEYCELLAR_TEST_CLOCK_MS=N`, one fixed at N (a test hook, so that a documented vector
/// with its nonce can be checked end to end; never in a release).
pub fn sign_clock() -> Arc<dyn Clock> {
    #[cfg(feature = "internals")]
    if let Some(ms) = std::env::var("KEYCELLAR_TEST_CLOCK_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        return Arc::new(crate::sign::FixedClock::new(ms));
    }
    Arc::new(SystemClock)
}

/// The longest wait before a restart.
pub const MAX_RESTART_DELAY: Duration = Duration::from_secs(60);

/// How long to wait before the `restart`-th restart (1, 2, ...): 1 s, doubling each time, at
/// most [`MAX_RESTART_DELAY`], so that a bot failing at once does not spin (nor hammer an
/// exchange's API limits). With the `internals` feature, `KEYCELLAR_TEST_RESTART_DELAY_MS=N`
/// makes it N ms (a test hook: tests never wait on the clock).
pub fn restart_delay(restart: u32) -> Duration {
    #[cfg(feature = "internals")]
    if let Some(ms) = std::env::var("KEYCELLAR_TEST_RESTART_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    let seconds = 1u64 << restart.saturating_sub(1).min(6);
    Duration::from_secs(seconds).min(MAX_RESTART_DELAY)
}

#[cfg(test)]
mod tests {
    /// A FIFO, a link to /dev/zero or a directory where the records belong reads as no
    /// records, at once (a FIFO with no writer would block a plain read forever).
    #[test]
    fn only_a_regular_file_is_read_as_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = super::records_path(dir.path(), "v");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(super::read_records(dir.path(), "v").is_empty());
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        assert!(super::read_records(dir.path(), "v").is_empty());
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert!(super::read_records(dir.path(), "v").is_empty());
    }

    use super::*;

    #[test]
    fn the_restart_delay_doubles_up_to_a_minute() {
        let delays: Vec<u64> = (1..=9).map(|n| restart_delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}

/// When a bot last started and ended with an entry: non-secret times kept outside the
/// sealed vault (so a run never rewrites it), in `runs-VAULTID.json` (0600) in the user's
/// runtime directory (`vault::runtime_dir`, from the uid, beside the run locks: a bot
/// started by cron and one started from a login shell are in one `status`), by entry id.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub last_started: Option<crate::clock::Timestamp>,
    pub last_ended: Option<crate::clock::Timestamp>,
    /// The exit code the bot ended with (128 + n for a signal n).
    pub last_exit_code: Option<i32>,
    /// The profile the bot last started with (`sign`, `env`, ...): `audit` warns about a key
    /// with authenticator 2FA that a bot uses without the signing service, which alone sends
    /// its codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_profile: Option<String>,
}

/// The records of a vault, by entry id.
pub type RunRecords = std::collections::BTreeMap<String, RunRecord>;

fn records_path(state_dir: &Path, vault_id: &str) -> PathBuf {
    state_dir.join(format!("runs-{vault_id}.json"))
}

/// The largest run-records file read: a record per entry is a few hundred bytes.
const MAX_RECORDS_LEN: u64 = 16 << 20;

/// The run records of the vault `vault_id` (none when there is no file yet, or it cannot
/// be read: they are informative only). Only a regular file of at most
/// [`MAX_RECORDS_LEN`] is read, opened without following a link and without blocking, so
/// that a FIFO or a link to /dev/zero planted there cannot hold up `status` (or an agent
/// answering it) or fill its memory.
pub fn read_records(state_dir: &Path, vault_id: &str) -> RunRecords {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(records_path(state_dir, vault_id));
    let Ok(file) = opened else {
        return RunRecords::default();
    };
    let regular = file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() <= MAX_RECORDS_LEN);
    let mut bytes = Vec::new();
    let read = regular
        && file
            .take(MAX_RECORDS_LEN + 1)
            .read_to_end(&mut bytes)
            .is_ok_and(|n| n as u64 <= MAX_RECORDS_LEN);
    match read {
        true => serde_json::from_slice(&bytes).unwrap_or_default(),
        false => RunRecords::default(),
    }
}

/// Changes the records of `entry_ids` with `change`, under a lock (`runs-VAULTID.lock`, so
/// that two runs of one vault do not lose each other's records), writing the file
/// atomically.
pub fn update_records(
    state_dir: &Path,
    vault_id: &str,
    entry_ids: &[&str],
    change: impl Fn(&mut RunRecord),
) -> crate::Result<()> {
    let lock_path = state_dir.join(format!("runs-{vault_id}.lock"));
    let cannot = |e| crate::Error::io(format!("cannot lock {}", lock_path.display()), e);
    let lock = crate::vault::store::open_lock_file(&lock_path).map_err(cannot)?;
    lock.lock().map_err(cannot)?;
    let mut records = read_records(state_dir, vault_id);
    for id in entry_ids {
        change(records.entry(id.to_string()).or_default());
    }
    let bytes = serde_json::to_vec_pretty(&records)
        .map_err(|e| crate::Error::Internal(format!("run records: {e}")))?;
    crate::vault::store::write_file(&records_path(state_dir, vault_id), &bytes, true)
}

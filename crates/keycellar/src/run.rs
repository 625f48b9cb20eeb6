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

/// The clock the signing service signs with: the system's, or with the `internals` feature
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
    use super::*;

    #[test]
    fn the_restart_delay_doubles_up_to_a_minute() {
        let delays: Vec<u64> = (1..=9).map(|n| restart_delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}

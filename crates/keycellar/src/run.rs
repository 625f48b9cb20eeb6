//! What `exec` keeps beside a running bot, outside the sealed vault: where the signing
//! service's journal and nonce stores live, and the clock it signs with.
//!
//! The state directory (`$XDG_STATE_HOME/keycellar`, the caller's choice) outlives reboots:
//! the journal of every signature and the nonce high-water marks must. Per vault id:
//! `journal-VAULTID` (0600); per machine: `nonces/` (one store per key, shared by every
//! vault and label holding that key, as docs/SIGNING.md section 5 requires).

use crate::sign::{Clock, SystemClock};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

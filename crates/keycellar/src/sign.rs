//! The signing service (docs/SIGNING.md): a bot sends the request it wants to make over a
//! Unix socket, and keycellar answers with the headers that authenticate it. The secret never
//! leaves this process. Modules:
//!
//! - `keys`: what an entry signs with ([`SigningKey`]), decoded once when the service starts.
//! - `kraken`, `binance`, `okx`, `coinbase`: the exchanges' signature constructions, pure
//!   functions over bytes.
//! - `protocol`: request and answer lines (version 1), error kinds.
//! - `policy`: the policy file and the check every request passes, with the default deny
//!   lists of fund-moving endpoints and the pairs and volumes a request names.
//! - `nonce`: one strictly increasing nonce issuer per key, taking turns with every other
//!   service of the key, with a persisted high-water mark; its files in `store`.
//! - `journal`: the append-only record of every signature and refusal.
//! - `service`: one request, from its line to its answer.
//! - `server`: the socket in a private directory, the peer check, one thread per client, and
//!   the handle that stops it all ([`SignServer`]).

mod binance;
mod coinbase;
pub mod journal;
mod keys;
mod kraken;
mod nonce;
mod okx;
pub mod policy;
pub mod protocol;
mod server;
mod service;

pub use journal::Journal;
pub use keys::SigningKey;
pub use nonce::NonceIssuer;
pub use policy::Policy;
pub use server::{SignServer, SignServerConfig};
pub use service::Service;

use std::sync::atomic::{AtomicU64, Ordering};

/// Where the service's time comes from: nonces, OKX timestamps, JWT validity, Binance's
/// timestamp window and the journal. Injectable so tests can fix it.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    }
}

/// A clock that stands still until set: for tests and documented vectors.
pub struct FixedClock(AtomicU64);

impl FixedClock {
    pub fn new(ms: u64) -> FixedClock {
        FixedClock(AtomicU64::new(ms))
    }

    pub fn set(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A request path in a message: judged segment by segment for secrets, since its slashes and
/// version digits make a whole path look like a key (`/sapi/v1/margin/order`) and
/// [`quoted`](crate::untrusted::quoted) would withhold every refused path; cut as `quoted` cuts.
fn quoted_path(path: &str) -> String {
    use crate::untrusted::{QUOTED_MAX_CHARS, looks_secret, quoted};
    if path.split('/').any(looks_secret) || path.chars().any(crate::untrusted::is_invisible) {
        return quoted(path);
    }
    let count = path.chars().count();
    if count <= QUOTED_MAX_CHARS {
        return format!("{path:?}");
    }
    let head: String = path.chars().take(QUOTED_MAX_CHARS).collect();
    format!("{head:?}... ({count} characters)")
}

/// Lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

/// `2020-12-08T09:08:57.715Z` for a time in milliseconds: OKX's timestamps and the journal's.
fn rfc3339_millis(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let moment = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    moment
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

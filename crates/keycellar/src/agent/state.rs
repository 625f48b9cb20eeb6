//! The agent's state: unlocked (the key in a locked page, the timers running) or locked
//! with a reason. A request that would use the key first lets the timers lock the agent and
//! moves the idle deadline, all under the state's mutex, and leaves with a lease on the key
//! ([`KeyLease`]); then, with the mutex released, it checks that the vault still holds the
//! keyslot the key came from (a `passwd`, `rekey` or `slot remove` since then locks it) and
//! runs. No operation runs under the mutex, so `lock`, `stop`, `status` and the timers never
//! wait for one: locking drops the state's hold on the key at once (no operation starts
//! after it), and the page is wiped when the last lease still running ends.

use super::locked_key::LockedKey;
use super::protocol::{Refusal, kind};
use super::timers::{Clock, Expiry, Limits, Timers};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Why the agent is locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockReason {
    /// `keycellar lock` (or `agent stop`).
    Lock,
    Idle,
    Max,
    /// The vault id changed or the keyslot the key came from left the header.
    KeyslotsChanged,
    /// The socket or its directory was moved, linked or removed: the agent stops.
    SocketMoved,
}

impl LockReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LockReason::Lock => "lock",
            LockReason::Idle => "idle",
            LockReason::Max => "max",
            LockReason::KeyslotsChanged => "keyslots_changed",
            LockReason::SocketMoved => "socket_moved",
        }
    }
}

/// The vault an agent serves.
#[derive(Clone, Debug)]
pub struct Served {
    /// The path as given to `agent start`, named in `status`.
    pub vault: PathBuf,
    /// The file it names, links followed: what clients are compared with.
    pub file: PathBuf,
    /// The vault id, 32 hex digits.
    pub vault_id: String,
    /// The keyslot the key came from, as stored in the header.
    pub keyslot: Vec<u8>,
}

/// What a request that uses the key is given: the vault and its key, and whether the agent
/// is stopping (a change then stops waiting for the vault's lock, and is answered as not
/// made).
pub struct CachedKey<'a> {
    pub served: &'a Served,
    pub key: &'a [u8; 32],
    pub stopping: &'a AtomicBool,
}

/// Reads the vault's header and says whether it still holds the served id and keyslot.
pub type KeyslotCheck = dyn Fn(&Served) -> bool + Send + Sync;

/// What one operation holds while it runs, outside the state's mutex: the vault served and
/// a share of the key page, which is wiped when the agent has locked and the last lease is
/// dropped.
pub struct KeyLease {
    served: Served,
    key: Arc<LockedKey>,
    stopping: Arc<AtomicBool>,
}

impl KeyLease {
    /// The key and the vault, as an operation is given them.
    pub fn cached(&self) -> CachedKey<'_> {
        CachedKey {
            served: &self.served,
            key: self.key.expose(),
            stopping: &self.stopping,
        }
    }

    /// The shared page (tests watch it go).
    #[cfg(test)]
    pub fn key(&self) -> &Arc<LockedKey> {
        &self.key
    }
}

/// The state machine. Not shared by itself: the server keeps it under a mutex.
pub struct AgentState {
    served: Served,
    /// The key while unlocked; leases share it (see [`KeyLease`]).
    key: Option<Arc<LockedKey>>,
    timers: Timers,
    locked_because: Option<LockReason>,
    /// Whether the whole process is locked against swap (`mlockall`), for `status`.
    process_locked: bool,
    clock: Arc<dyn Clock>,
    /// Added to the clock by the test-only `advance` request.
    skew: u64,
    /// Set once the agent stops, shared with every lease.
    stopping: Arc<AtomicBool>,
}

impl AgentState {
    /// An unlocked agent, its timers starting now.
    pub fn unlocked(
        served: Served,
        key: LockedKey,
        limits: Limits,
        clock: Arc<dyn Clock>,
        process_locked: bool,
    ) -> AgentState {
        let timers = Timers::start(limits, clock.now_ms());
        AgentState {
            served,
            key: Some(Arc::new(key)),
            timers,
            locked_because: None,
            process_locked,
            clock,
            skew: 0,
            stopping: Arc::default(),
        }
    }

    fn now(&self) -> u64 {
        self.clock.now_ms().saturating_add(self.skew)
    }

    /// Moves the clock forward (the test-only `advance` request), then lets the timers act.
    pub fn advance(&mut self, ms: u64) {
        self.skew = self.skew.saturating_add(ms);
        self.expire();
    }

    /// The vault served.
    pub fn served(&self) -> &Served {
        &self.served
    }

    /// True while the key is held.
    pub fn is_unlocked(&self) -> bool {
        self.key.is_some()
    }

    /// Locks for good: the agent stops. Operations still running are told (through
    /// [`CachedKey::stopping`]).
    pub fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.lock(LockReason::Lock);
    }

    /// Wipes the key. The first reason is kept.
    pub fn lock(&mut self, reason: LockReason) {
        if self.key.take().is_some() {
            self.locked_because = Some(reason);
        }
    }

    /// Locks when a timer has run out.
    pub fn expire(&mut self) {
        match self.timers.expired(self.now()) {
            Some(Expiry::Idle) => self.lock(LockReason::Idle),
            Some(Expiry::Max) => self.lock(LockReason::Max),
            None => {}
        }
    }

    /// Milliseconds until the agent must lock by itself (`None`: never, or locked already).
    pub fn until_deadline(&self) -> Option<u64> {
        let deadline = self.timers.next_deadline().filter(|_| self.is_unlocked())?;
        Some(deadline.saturating_sub(self.now()))
    }

    /// The `status` answer. Moves no timer.
    pub fn status(&mut self) -> Value {
        self.expire();
        let unlocked = self.is_unlocked();
        let deadline = |d: Option<u64>| d.filter(|_| unlocked).map(|ms| rfc3339(ms - self.skew));
        let key_locked = self.key.as_ref().is_some_and(|key| key.memory_locked());
        json!({
            "vault": self.served.vault,
            "vault_id": self.served.vault_id,
            "state": if unlocked { "unlocked" } else { "locked" },
            "locked_because": self.locked_because.map(LockReason::as_str),
            "idle_deadline": deadline(self.timers.idle_deadline()),
            "max_deadline": deadline(self.timers.max_deadline()),
            "memory_locked": self.process_locked,
            "key_memory_locked": key_locked,
            "pid": std::process::id(),
        })
    }

    /// A lease on the key for one operation, after the timers; the idle deadline moves.
    /// Locked: `agent_locked`.
    pub fn lease(&mut self) -> Result<KeyLease, Refusal> {
        self.expire();
        let Some(key) = &self.key else {
            return Err(self.locked_refusal());
        };
        let key = Arc::clone(key);
        let now = self.now();
        self.timers.used(now);
        Ok(KeyLease {
            served: self.served.clone(),
            key,
            stopping: Arc::clone(&self.stopping),
        })
    }

    pub fn locked_refusal(&self) -> Refusal {
        let because = self.locked_because.map_or("lock", LockReason::as_str);
        Refusal::agent(
            kind::LOCKED,
            format!("the agent is locked ({because})"),
            "Unlock again with `keycellar agent start`.",
        )
    }

    /// Whether a client naming `file` and `vault_id` means the vault served.
    pub fn serves(&self, file: &Path, vault_id: &str) -> bool {
        self.served.vault_id == vault_id && self.served.file == file
    }
}

/// A lease on the key of the agent in `state`, for one operation: taken under the mutex,
/// then, with the mutex released (reading the header may be slow, and nothing may wait for
/// it), the vault's keyslots are checked; a keyslot gone locks the agent
/// (`keyslots_changed`) before the key is used.
pub fn checked_lease(
    state: &Mutex<AgentState>,
    still_there: &KeyslotCheck,
) -> Result<KeyLease, Refusal> {
    let lease = held(state).lease()?;
    if still_there(&lease.served) {
        return Ok(lease);
    }
    drop(lease);
    let mut state = held(state);
    state.lock(LockReason::KeyslotsChanged);
    Err(state.locked_refusal())
}

/// The state, even if a thread panicked holding it (the state stays consistent: every
/// change to it is one assignment).
pub fn held(state: &Mutex<AgentState>) -> MutexGuard<'_, AgentState> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn rfc3339(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

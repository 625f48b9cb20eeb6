//! What an agent runs for the command line: the library's vault requests
//! (`keycellar::ops::VaultRequest`), run by `keycellar::ops::run_at` on the vault the agent
//! opens with the key it holds ([`CachedKeyUnlock`]): to read it, or for a change under the
//! vault's lock, the same code a command runs on a vault it opened itself. Replies carry
//! only what the command needs: `list` no secret, `show` one only with `--reveal`.

use super::report::Failure;
use keycellar::Error;
use keycellar::agent::{CachedKey, Operations, Refusal};
use keycellar::clock::Date;
use keycellar::error::VaultError;
use keycellar::ops::{self, VaultRequest};
use keycellar::vault::{Unlock, VaultHeader, VaultKey};
use serde_json::Value;
use std::path::Path;
use zeroize::Zeroizing;

/// Unlocks with the key an agent holds: the vault opens only while the keyslot the key
/// came from is still in its header. The copy is made in its zeroizing holder (a
/// `Zeroizing::new(*key)` would leave the bytes in a temporary on the stack); what moves of
/// the holder leave on the stack, the agent wipes after each request.
pub struct CachedKeyUnlock<'a>(pub CachedKey<'a>);

impl Unlock for CachedKeyUnlock<'_> {
    fn may_wait(&self) -> bool {
        !self.0.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn unlock(&mut self, path: &Path, _header: &VaultHeader) -> keycellar::Result<VaultKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(self.0.key);
        VaultKey::from_parts(key, &self.0.served.keyslot).ok_or_else(|| {
            Error::Vault(VaultError::NotUnlocked {
                path: path.to_path_buf(),
            })
        })
    }
}

/// What the agent process runs: the operations above on the vault it serves.
pub struct AgentOperations;

impl Operations for AgentOperations {
    fn run(
        &self,
        key: CachedKey<'_>,
        request: VaultRequest,
    ) -> std::result::Result<Value, Refusal> {
        let file = key.served.file.clone();
        let request = bounded_wait(request);
        let mut unlock = CachedKeyUnlock(key);
        let reported = run_scrubbed(|| ops::run_at(&file, &mut unlock, request, Date::today()))
            .map_err(Failure::from)
            .and_then(|reply| {
                serde_json::to_value(reply)
                    .map_err(|e| Error::Internal(format!("a reply did not serialise: {e}")).into())
            });
        reported.map_err(|failure| match failure {
            // A passwd between the agent's keyslot check and this opening: the client asks
            // the passphrase itself, and the agent locks at its next check.
            Failure::Library(Error::Vault(VaultError::KeyNotInVault { .. })) => Refusal::agent(
                keycellar::agent::protocol::kind::LOCKED,
                "the vault's keyslots changed since the agent was unlocked",
                "Unlock again with `keycellar agent start`.",
            ),
            // The agent stopped while the change waited for the vault's lock: nothing was
            // made, so the client makes it itself.
            Failure::Library(Error::Vault(VaultError::WaitEnded { .. })) => Refusal::agent(
                keycellar::agent::protocol::kind::LOCKED,
                "the agent stopped before the change took the vault's lock; nothing was changed",
                "Unlock again with `keycellar agent start`.",
            ),
            failure => Refusal {
                kind: failure.kind().into_owned(),
                exit_code: failure.exit_code(),
                message: failure.to_string(),
                hint: failure.hint().into_owned(),
            },
        })
    }
}

/// The longest a change through the agent waits for the vault's lock. The agent answers
/// one request at a time under its state, so while a change waits, `lock`, `agent stop` and
/// the timers wait too: a client's `--lock-timeout` (or a hostile one's) may not stretch
/// that without bound.
const AGENT_LOCK_WAIT_MS: u64 = 30_000;

/// `request` with its lock wait cut to [`AGENT_LOCK_WAIT_MS`].
fn bounded_wait(request: VaultRequest) -> VaultRequest {
    match request {
        VaultRequest::Change {
            change,
            lock_timeout_ms,
        } => VaultRequest::Change {
            change,
            lock_timeout_ms: lock_timeout_ms.min(AGENT_LOCK_WAIT_MS),
        },
        other => other,
    }
}

/// Runs `operation`, then overwrites the stack it used: moving the vault key (into the
/// opened vault, through its `Result`s) leaves byte copies in frames that nothing else
/// overwrites before the agent locks, and the agent's memory must hold no key once locked.
fn run_scrubbed<T>(operation: impl FnOnce() -> T) -> T {
    let done = operation();
    scrub_stack();
    done
}

/// Writes zeros over the 256 KiB of stack below the caller's frame (where the operation's
/// frames were), with writes the compiler cannot remove. `agent start` calls it too, after
/// the handover.
#[inline(never)]
pub(super) fn scrub_stack() {
    let mut below = [0u8; 256 * 1024];
    zeroize::Zeroize::zeroize(&mut below[..]);
    std::hint::black_box(&below);
}

#[cfg(test)]
mod tests {
    use super::*;
    use keycellar::agent::Served;
    use keycellar::kdf::KdfParams;
    use keycellar::passphrase::{NewPassphrase, Purpose};
    use keycellar::secret::Secret;
    use keycellar::vault::Vault;

    const CHEAP: KdfParams = KdfParams {
        memory_kib: 8,
        time: 1,
        parallelism: 1,
    };

    /// A vault at `path`; its key and the keyslot bytes it came from.
    fn vault(path: &Path, passphrase: &str) -> ([u8; 32], Vec<u8>) {
        let passphrase = Secret::new(passphrase.into());
        let new = NewPassphrase::typed(passphrase.clone(), Purpose::Vault);
        Vault::create(path, &new.accepting_weak(true), CHEAP, Vec::new()).unwrap();
        let key = VaultHeader::read(path)
            .unwrap()
            .unlock_with_passphrase(path, &passphrase)
            .unwrap();
        (*key.expose(), key.keyslot())
    }

    fn run(file: &Path, key: &[u8; 32], keyslot: Vec<u8>) -> std::result::Result<Value, Refusal> {
        let list = VaultRequest::List {
            filter: Default::default(),
        };
        run_as(file, key, keyslot, list, false)
    }

    /// `request` run by the agent's operations, the agent `stopping` or not.
    fn run_as(
        file: &Path,
        key: &[u8; 32],
        keyslot: Vec<u8>,
        request: VaultRequest,
        stopping: bool,
    ) -> std::result::Result<Value, Refusal> {
        let served = Served {
            vault: file.into(),
            file: file.into(),
            vault_id: String::new(),
            keyslot,
        };
        let stopping = std::sync::atomic::AtomicBool::new(stopping);
        let key = CachedKey {
            served: &served,
            key,
            stopping: &stopping,
        };
        AgentOperations.run(key, request)
    }

    /// A change waiting for the vault's lock when the agent stops gives up waiting and is
    /// answered as not made, with a refusal its client falls back on (it then makes the
    /// change itself); the agent running on waits as long as the change asks.
    #[test]
    fn a_change_waiting_for_the_lock_of_a_stopping_agent_is_not_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.kc");
        let (key, keyslot) = vault(&path, "a passphrase of the test");
        let held = keycellar::vault::store::lock(&path, std::time::Duration::ZERO).unwrap();
        let waiting = |ms: u64, stopping| {
            let note = keycellar::ops::ChangeRequest::Remove { label: "k".into() };
            let change = VaultRequest::change(note, std::time::Duration::from_millis(ms));
            run_as(&path, &key, keyslot.clone(), change, stopping).unwrap_err()
        };
        let busy = waiting(50, false);
        assert_eq!(busy.kind, "busy");
        let refused = waiting(u64::MAX, true);
        assert_eq!(refused.kind, keycellar::agent::protocol::kind::LOCKED);
        assert!(
            refused.message.contains("nothing was changed"),
            "{refused:?}"
        );
        drop(held);
    }

    #[test]
    fn a_change_waits_for_the_vault_lock_at_most_the_agents_bound() {
        let wait = |ms| {
            let change = keycellar::ops::ChangeRequest::Remove { label: "k".into() };
            let request = VaultRequest::change(change, std::time::Duration::from_millis(ms));
            match bounded_wait(request) {
                VaultRequest::Change {
                    lock_timeout_ms, ..
                } => lock_timeout_ms,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(wait(5_000), 5_000);
        assert_eq!(wait(u64::MAX / 2), AGENT_LOCK_WAIT_MS);
    }

    #[test]
    fn the_cached_key_opens_the_vault_and_a_changed_keyslot_is_agent_locked() {
        let dir = tempfile::tempdir().unwrap();
        let (path, other) = (dir.path().join("v.kc"), dir.path().join("w.kc"));
        let (key, keyslot) = vault(&path, "first passphrase of the test");
        let report = run(&path, &key, keyslot).unwrap();
        assert_eq!(report["reply"], "list");
        assert_eq!(report["entries"], serde_json::json!([]));
        // A keyslot the vault does not hold (as after a passwd): the client falls back.
        let (_, foreign) = vault(&other, "second passphrase of the test");
        let refused = run(&path, &key, foreign).unwrap_err();
        assert_eq!(refused.kind, keycellar::agent::protocol::kind::LOCKED);
    }
}

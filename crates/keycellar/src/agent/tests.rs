//! The state machine with an injected clock, and a whole agent served in-process;
//! `asking`: the client's side (replies out of shape, changes never answered).

use super::*;
use crate::ops::VaultRequest;
use crate::sign::FixedClock;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

const MINUTE: u64 = 60_000;
const KEY: [u8; 32] = [0x5a; 32];

fn served() -> Served {
    Served {
        vault: "v.kc".into(),
        file: "/x/v.kc".into(),
        vault_id: "00".repeat(16),
        keyslot: vec![1, 2, 3],
    }
}

fn unlocked(clock: &Arc<FixedClock>) -> AgentState {
    let key = LockedKey::from_bytes(&KEY).unwrap();
    AgentState::unlocked(served(), key, Limits::default(), clock.clone(), false)
}

fn there(_: &Served) -> bool {
    true
}

#[test]
fn a_thousand_status_requests_do_not_move_the_idle_deadline_and_use_does() {
    let clock = Arc::new(FixedClock::new(1_000_000));
    let mut state = unlocked(&clock);
    let deadline = state.status()["idle_deadline"].clone();
    assert!(deadline.is_string());
    for minute in 0..1000 {
        clock.set(1_000_000 + minute * 14 * MINUTE / 1000);
        assert_eq!(state.status()["idle_deadline"], deadline);
    }
    clock.set(1_000_000 + 10 * MINUTE);
    let key = *state.lease().unwrap().cached().key;
    assert_eq!(key, KEY);
    assert_ne!(state.status()["idle_deadline"], deadline);
    clock.set(1_000_000 + 24 * MINUTE);
    assert_eq!(state.status()["state"], "unlocked");
    clock.set(1_000_000 + 25 * MINUTE);
    let status = state.status();
    assert_eq!(status["state"], "locked");
    assert_eq!(status["locked_because"], "idle");
    assert_eq!(status["idle_deadline"], Value::Null);
}

#[test]
fn the_absolute_limit_locks_under_constant_use() {
    let clock = Arc::new(FixedClock::new(0));
    let mut state = unlocked(&clock);
    let mut uses = 0;
    while state.lease().is_ok() {
        uses += 1;
        clock.set(uses * MINUTE);
    }
    assert_eq!(uses, 8 * 60);
    assert_eq!(state.status()["locked_because"], "max");
}

#[test]
fn locked_agents_refuse_use_and_keep_the_first_reason() {
    let clock = Arc::new(FixedClock::new(0));
    let mut state = unlocked(&clock);
    state.lock(LockReason::Lock);
    clock.set(9 * 60 * MINUTE);
    let refused = state.lease().err().unwrap();
    assert_eq!(refused.kind, protocol::kind::LOCKED);
    assert_eq!(state.status()["locked_because"], "lock");
    assert_eq!(state.until_deadline(), None);
}

#[test]
fn a_keyslot_gone_from_the_header_locks_before_the_key_is_used() {
    let clock = Arc::new(FixedClock::new(0));
    let state = Mutex::new(unlocked(&clock));
    let refused = state::checked_lease(&state, &|_: &Served| false)
        .err()
        .unwrap();
    assert_eq!(refused.kind, protocol::kind::LOCKED);
    let mut state = state.into_inner().unwrap();
    assert_eq!(state.status()["locked_because"], "keyslots_changed");
    assert!(state.lease().is_err());
}

/// Locking while an operation holds a lease: the state lets go of the key at once (no new
/// lease), and the page is wiped when the running operation ends, not before.
#[test]
fn lock_takes_effect_at_once_and_a_running_lease_keeps_the_key_until_it_ends() {
    let clock = Arc::new(FixedClock::new(0));
    let state = Mutex::new(unlocked(&clock));
    let lease = state::checked_lease(&state, &there).unwrap();
    let mut held = state.lock().unwrap();
    held.lock(LockReason::Lock);
    assert_eq!(held.status()["state"], "locked");
    assert!(held.lease().is_err(), "no operation starts after lock");
    drop(held);
    assert_eq!(
        lease.cached().key,
        &KEY,
        "the running one finishes with its key"
    );
    let page = Arc::downgrade(lease.key());
    drop(lease);
    assert!(
        page.upgrade().is_none(),
        "the page is gone with the last lease"
    );
}

#[test]
fn deadlines_say_how_long_the_main_loop_may_wait() {
    let clock = Arc::new(FixedClock::new(0));
    let mut state = unlocked(&clock);
    assert_eq!(state.until_deadline(), Some(15 * MINUTE));
    clock.set(5 * MINUTE);
    assert_eq!(state.until_deadline(), Some(10 * MINUTE));
    state.advance(10 * MINUTE);
    assert!(!state.is_unlocked());
}

/// Answers `run` with the key's first byte and the operation, so the test sees both.
struct Echo;

impl Operations for Echo {
    fn run(&self, key: CachedKey<'_>, request: VaultRequest) -> Result<Value, Refusal> {
        match request {
            VaultRequest::Show { .. } => Err(Refusal {
                kind: "entry_not_found".into(),
                exit_code: 6,
                message: "no entry".into(),
                hint: "list".into(),
            }),
            request => Ok(json!({"first": key.key[0], "operation": request})),
        }
    }
}

/// A socket path in a private directory made in `root`.
fn private_socket(root: &tempfile::TempDir) -> PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let runtime = root.path().join("run");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&runtime)
        .unwrap();
    socket_path(&socket_dir(Some(&runtime)), &"00".repeat(16))
}

#[test]
fn a_served_agent_answers_status_run_lock_and_stop() {
    let root = tempfile::tempdir().unwrap();
    let socket = private_socket(&root);
    let server = AgentServer::bind(&socket, "v.kc".as_ref()).unwrap();
    assert!(matches!(
        AgentServer::bind(&socket, "v.kc".as_ref()),
        Err(AgentError::AlreadyServed { .. })
    ));
    let clock = Arc::new(FixedClock::new(0));
    let state = unlocked(&clock);
    let serving = std::thread::spawn(move || {
        server
            .serve(state, None, Box::new(Echo), Box::new(there))
            .unwrap();
    });
    let mut client = Client::connect(&socket).unwrap().unwrap();
    let status = client.ask(&Request::Status {}).unwrap().unwrap();
    assert_eq!(status["state"], "unlocked");
    let run = |vault_id: &str, operation: Value| Request::Run {
        vault: "/x/v.kc".into(),
        vault_id: vault_id.into(),
        operation,
    };
    let list = || json!({"request": "list"});
    let answer = client.ask(&run(&"00".repeat(16), list())).unwrap().unwrap();
    assert_eq!(
        answer["report"],
        json!({"first": 0x5a, "operation": {"request": "list"}})
    );
    let show = json!({"request": "show", "label": "x", "reveal": false});
    let failed = client
        .ask(&run(&"00".repeat(16), show))
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (failed.kind.as_str(), failed.exit_code),
        ("entry_not_found", 6)
    );
    let other = client
        .ask(&run(&"11".repeat(16), list()))
        .unwrap()
        .unwrap_err();
    assert_eq!(other.kind, protocol::kind::WRONG_VAULT);
    junk_runs_move_no_timer(&mut client, &clock, &|operation| {
        run(&"00".repeat(16), operation)
    });
    client.ask(&Request::Lock {}).unwrap().unwrap();
    let locked = client
        .ask(&run(&"00".repeat(16), list()))
        .unwrap()
        .unwrap_err();
    assert_eq!(locked.kind, protocol::kind::LOCKED);
    client.ask(&Request::Stop {}).unwrap().unwrap();
    serving.join().unwrap();
    assert!(!socket.exists());
    assert!(Client::connect(&socket).unwrap().is_none());
}

/// Holds each `run` until the test lets it go (a change waiting for the vault's lock), and
/// says whether one has finished.
struct Gate {
    started: Mutex<mpsc::Sender<()>>,
    release: Mutex<mpsc::Receiver<()>>,
    finished: Arc<AtomicBool>,
}

impl Operations for Gate {
    fn run(&self, key: CachedKey<'_>, _: VaultRequest) -> Result<Value, Refusal> {
        let _ = self.started.lock().unwrap().send(());
        // A backstop only: the test lets it go long before.
        let waited = self
            .release
            .lock()
            .unwrap()
            .recv_timeout(std::time::Duration::from_secs(60));
        self.finished.store(true, Ordering::SeqCst);
        Ok(json!({"first": key.key[0], "released": waited.is_ok()}))
    }
}

#[test]
fn lock_status_and_stop_answer_while_an_operation_runs() {
    let root = tempfile::tempdir().unwrap();
    let socket = private_socket(&root);
    let server = AgentServer::bind(&socket, "v.kc".as_ref()).unwrap();
    let (started, on_start) = mpsc::channel();
    let (release, on_release) = mpsc::channel();
    let finished = Arc::new(AtomicBool::new(false));
    let gate = Gate {
        started: Mutex::new(started),
        release: Mutex::new(on_release),
        finished: finished.clone(),
    };
    let state = unlocked(&Arc::new(FixedClock::new(0)));
    let serving = std::thread::spawn(move || {
        server
            .serve(state, None, Box::new(gate), Box::new(there))
            .unwrap();
    });
    let run = || Request::Run {
        vault: "/x/v.kc".into(),
        vault_id: "00".repeat(16),
        operation: json!({"request": "list"}),
    };
    let running_socket = socket.clone();
    let running = std::thread::spawn(move || {
        let mut client = Client::connect(&running_socket).unwrap().unwrap();
        client.ask(&run()).unwrap()
    });
    on_start.recv().unwrap();
    let mut client = Client::connect(&socket).unwrap().unwrap();
    client.ask(&Request::Lock {}).unwrap().unwrap();
    assert!(
        !finished.load(Ordering::SeqCst),
        "lock waited for the operation"
    );
    let status = client.ask(&Request::Status {}).unwrap().unwrap();
    assert_eq!(status["state"], "locked");
    let refused = client.ask(&run()).unwrap().unwrap_err();
    assert_eq!(refused.kind, protocol::kind::LOCKED);
    release.send(()).unwrap();
    let answer = running.join().unwrap().unwrap();
    assert_eq!(answer["report"], json!({"first": 0x5a, "released": true}));
    client.ask(&Request::Stop {}).unwrap().unwrap();
    serving.join().unwrap();
}

/// A request that is not one (or has a field too many) is refused before the key is used:
/// it does not move the idle deadline, where a request that uses the key does.
fn junk_runs_move_no_timer(
    client: &mut Client,
    clock: &FixedClock,
    run: &dyn Fn(Value) -> Request,
) {
    let deadline = client.ask(&Request::Status {}).unwrap().unwrap()["idle_deadline"].clone();
    clock.set(MINUTE);
    for junk in [
        json!({"request": "no-such"}),
        json!({"request": "list", "reveal": true}),
    ] {
        let refused = client.ask(&run(junk)).unwrap().unwrap_err();
        assert_eq!(refused.kind, protocol::kind::BAD_REQUEST);
    }
    let status = client.ask(&Request::Status {}).unwrap().unwrap();
    assert_eq!(status["idle_deadline"], deadline);
    client
        .ask(&run(json!({"request": "list"})))
        .unwrap()
        .unwrap();
    let status = client.ask(&Request::Status {}).unwrap().unwrap();
    assert_ne!(
        status["idle_deadline"], deadline,
        "a request that uses the key moves it"
    );
}

mod asking;

/// A connection still queued when the agent stops (nothing accepted it yet) is answered as
/// locked, so that its client falls back and runs the request itself, instead of being cut
/// off by the exit; the socket is gone by then (second attacker pass of 2026-12-06, F1).
#[test]
fn a_connection_queued_when_the_agent_stops_is_answered_as_locked() {
    use std::io::{BufRead, Write};
    let root = tempfile::tempdir().unwrap();
    let socket = private_socket(&root);
    let server = AgentServer::bind(&socket, "v.kc".as_ref()).unwrap();
    let mut queued = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    let run = Request::Run {
        vault: "/x/v.kc".into(),
        vault_id: "00".repeat(16),
        operation: json!({"request": "list"}),
    };
    queued.write_all(&protocol::request_line(&run)).unwrap();
    // The watch pipe is at its end already: the agent stops before it accepts anything.
    let (watch, ended) = rustix::pipe::pipe().unwrap();
    drop(ended);
    let clock = Arc::new(FixedClock::new(0));
    let state = unlocked(&clock);
    (server.serve(state, Some(watch), Box::new(Echo), Box::new(there))).unwrap();
    assert!(!socket.exists());
    let mut answer = String::new();
    std::io::BufReader::new(&queued)
        .read_line(&mut answer)
        .unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["error"]["kind"], protocol::kind::LOCKED, "{answer}");
}

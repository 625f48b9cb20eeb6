//! The state machine with an injected clock, and a whole agent served in-process.

use super::*;
use crate::ops::VaultRequest;
use crate::sign::FixedClock;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
    let key = state.use_key(&there, |k| *k.key).unwrap();
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
    while state.use_key(&there, |_| ()).is_ok() {
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
    let refused = state.use_key(&there, |_| ()).unwrap_err();
    assert_eq!(refused.kind, protocol::kind::LOCKED);
    assert_eq!(state.status()["locked_because"], "lock");
    assert_eq!(state.until_deadline(), None);
}

#[test]
fn a_keyslot_gone_from_the_header_locks_before_the_key_is_used() {
    let clock = Arc::new(FixedClock::new(0));
    let mut state = unlocked(&clock);
    let ran = AtomicBool::new(false);
    let refused = state
        .use_key(&|_: &Served| false, |_| ran.store(true, Ordering::SeqCst))
        .unwrap_err();
    assert_eq!(refused.kind, protocol::kind::LOCKED);
    assert!(!ran.load(Ordering::SeqCst));
    assert_eq!(state.status()["locked_because"], "keyslots_changed");
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

#[test]
fn a_served_agent_answers_status_run_lock_and_stop() {
    use std::os::unix::fs::DirBuilderExt;
    let root = tempfile::tempdir().unwrap();
    let runtime = root.path().join("run");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&runtime)
        .unwrap();
    let socket = socket_path(&socket_dir(Some(&runtime)), &"00".repeat(16));
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

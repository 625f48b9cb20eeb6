//! The client's side of the agent: replies of the wrong kind or shape, changes the agent
//! took and never answered, agents that never answer, and what an agent says shown
//! escaped.

use super::*;
use std::os::unix::net::{UnixListener, UnixStream};

/// A vault in `root`, and a socket where the test itself listens in the agent's place;
/// gives the vault's path, the socket's and the listener.
fn fake_agent(root: &tempfile::TempDir) -> (PathBuf, PathBuf, UnixListener) {
    let vault = vault_in(root);
    let socket = private_socket(root);
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(socket.parent().unwrap())
        .unwrap();
    let listener = UnixListener::bind(&socket).unwrap();
    (vault, socket, listener)
}

/// Why a `list` asked of the agent at `socket` with `patience` fell back: the agent's
/// protocol error, in words.
fn list_given_up(vault: &Path, socket: &Path, patience: std::time::Duration) -> String {
    use crate::ops::reply;
    let list = VaultRequest::List {
        filter: Default::default(),
    };
    let asked = crate::agent::client::run_within::<reply::List>;
    match asked(vault, None, Some(socket), &list, patience) {
        Ok(Err(Fallback::Unreachable(AgentError::Protocol { what, .. }))) => what,
        other => panic!("{other:?}"),
    }
}

/// Accepts a client and reads its request (a `run`), answering nothing.
fn take_request(listener: &UnixListener) -> UnixStream {
    use std::io::BufRead;
    let (stream, _) = listener.accept().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(&stream)
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("\"op\":\"run\""), "{line}");
    stream
}

/// A new empty vault in `root`.
fn vault_in(root: &tempfile::TempDir) -> PathBuf {
    use crate::kdf::KdfParams;
    use crate::passphrase::{NewPassphrase, Purpose};
    use crate::secret::Secret;
    let vault = root.path().join("v.kc");
    let passphrase = Secret::new("a passphrase".into());
    let new = NewPassphrase::typed(passphrase, Purpose::Vault).accepting_weak(true);
    let params = KdfParams {
        memory_kib: 8,
        time: 1,
        parallelism: 1,
    };
    crate::vault::Vault::create(&vault, &new, params, vec![]).unwrap();
    vault
}

/// A value shaped like an exchange secret.
const SECRET_LIKE: &str = "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7Le";

/// Answers every `run` with the same JSON, whatever was asked.
struct Answers(Value);

impl Operations for Answers {
    fn run(&self, _: CachedKey<'_>, _: VaultRequest) -> Result<Value, Refusal> {
        Ok(self.0.clone())
    }
}

/// A vault in `root`, and an agent serving it in-process that answers every request with
/// `answer`; gives the vault's path and the agent's socket.
fn agent_answering(root: &tempfile::TempDir, answer: Value) -> (PathBuf, PathBuf) {
    let vault = vault_in(root);
    let identity = identify(&vault).unwrap();
    let socket = private_socket(root);
    let server = AgentServer::bind(&socket, &vault).unwrap();
    let served = Served {
        vault: vault.clone(),
        file: identity.file,
        vault_id: identity.vault_id,
        keyslot: vec![],
    };
    let key = LockedKey::from_bytes(&KEY).unwrap();
    let clock = Arc::new(FixedClock::new(0));
    let state = AgentState::unlocked(served, key, Limits::default(), clock, false);
    std::thread::spawn(move || {
        let _ = server.serve(state, None, Box::new(Answers(answer)), Box::new(there));
    });
    (vault, socket)
}

#[test]
fn a_reply_of_another_kind_or_out_of_shape_is_the_agents_protocol_error() {
    use crate::ops::reply;
    let history = json!({"reply": "history", "chain": []});
    let cases = [
        (
            history.clone(),
            "answered a list request with a history reply",
        ),
        (
            json!({"reply": "list"}),
            "its reply (tagged \"list\") is not understood",
        ),
        (
            json!({"reply": "minted"}),
            "its reply (tagged \"minted\") is not understood",
        ),
        // A field the parser stumbles on is not quoted: it could hold a secret.
        (
            json!({"reply": "show", "entry": SECRET_LIKE}),
            "(tagged \"show\") is not",
        ),
    ];
    for (answer, said) in cases {
        let root = tempfile::tempdir().unwrap();
        let (vault, socket) = agent_answering(&root, answer);
        let list = VaultRequest::List {
            filter: Default::default(),
        };
        let asked = run::<reply::List>(&vault, None, Some(&socket), &list);
        match asked {
            Err(AgentError::Protocol { socket: at, what }) => {
                assert_eq!(at, socket);
                assert!(what.contains(said), "{what}");
                assert!(!what.contains(&SECRET_LIKE[..12]), "{what}");
            }
            other => panic!("{said}: {other:?}"),
        }
        stop(&socket);
    }
    let root = tempfile::tempdir().unwrap();
    let (vault, socket) = agent_answering(&root, history);
    let label = "bot".to_string();
    let asked = run::<reply::History>(
        &vault,
        None,
        Some(&socket),
        &VaultRequest::History { label },
    );
    assert!(matches!(asked, Ok(Ok(reply::History { chain })) if chain.is_empty()));
    stop(&socket);
}

fn stop(socket: &Path) {
    let mut client = Client::connect(socket).unwrap().unwrap();
    client.ask(&Request::Stop {}).unwrap().unwrap();
    client.wait_closed();
}

/// An agent that takes a request and closes the connection without answering (it was
/// stopped, or died, after the request reached it): a change may have been made, so it is
/// an error, never run again without the agent; a reading request falls back.
#[test]
fn a_change_the_agent_took_and_never_answered_is_not_run_again() {
    use crate::ops::{ChangeRequest, reply};
    let root = tempfile::tempdir().unwrap();
    let (vault, socket, listener) = fake_agent(&root);
    let taking = std::thread::spawn(move || {
        for _ in 0..2 {
            take_request(&listener);
        }
    });
    let change = VaultRequest::change(
        ChangeRequest::Remove {
            label: "bot".into(),
        },
        std::time::Duration::from_secs(1),
    );
    let changed = run::<reply::Changed>(&vault, None, Some(&socket), &change);
    assert!(
        matches!(&changed, Err(AgentError::ChangeUnanswered { socket: at, .. }) if *at == socket),
        "{changed:?}"
    );
    let list = VaultRequest::List {
        filter: Default::default(),
    };
    let listed = run::<reply::List>(&vault, None, Some(&socket), &list);
    assert!(
        matches!(listed, Ok(Err(Fallback::Unreachable(_)))),
        "{listed:?}"
    );
    taking.join().unwrap();
}

/// Any process of the user can listen where an agent should: what it says reaches the
/// terminal with its invisible characters escaped (a line break kept).
#[test]
fn an_agents_refusal_is_shown_escaped() {
    let refusal = Refusal {
        kind: "entry_not_found".into(),
        exit_code: 6,
        message: "no entry\u{1b}]0;owned\u{7}\nsecond line".into(),
        hint: "\u{1b}[2Jlist".into(),
    };
    let shown = "no entry\\u{1b}]0;owned\\u{7}\nsecond line";
    assert_eq!(refusal.message_shown(), shown);
    assert_eq!(AgentError::Answered(refusal.clone()).to_string(), shown);
    assert_eq!(refusal.hint_shown(), "\\u{1b}[2Jlist");
}

/// An agent that takes requests and never answers (stopped with SIGSTOP, or stuck) costs a
/// command its patience, not forever: a reading request falls back, a change is an error.
#[test]
fn an_agent_that_never_answers_is_given_up_on() {
    use crate::ops::{ChangeRequest, reply};
    let root = tempfile::tempdir().unwrap();
    let (vault, socket, listener) = fake_agent(&root);
    let (done, finished) = mpsc::channel::<()>();
    let silent = std::thread::spawn(move || {
        let mut held = Vec::new();
        for _ in 0..2 {
            held.push(take_request(&listener));
        }
        let _ = finished.recv();
    });
    let patience = std::time::Duration::from_millis(50);
    assert_eq!(
        list_given_up(&vault, &socket, patience),
        "it did not answer within 0.05 s"
    );
    let remove = ChangeRequest::Remove {
        label: "bot".into(),
    };
    let change = VaultRequest::change(remove, std::time::Duration::ZERO);
    let changed = crate::agent::client::run_within::<reply::Changed>(
        &vault,
        None,
        Some(&socket),
        &change,
        patience,
    );
    let Err(AgentError::ChangeUnanswered { what, .. }) = &changed else {
        panic!("{changed:?}");
    };
    assert!(what.ends_with("it did not answer within 0.05 s"), "{what}");
    done.send(()).unwrap();
    silent.join().unwrap();
}

/// The patience is for a whole answer, not each read: an agent that trickles a byte now and
/// then cannot keep a command waiting (second attacker pass, F4).
#[test]
fn an_agent_that_trickles_its_answer_is_given_up_on_all_the_same() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let (vault, socket, listener) = fake_agent(&root);
    let trickling = std::thread::spawn(move || {
        let mut stream = take_request(&listener);
        // Until the client hangs up.
        while stream.write_all(b" ").is_ok() {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    });
    let patience = std::time::Duration::from_millis(100);
    assert_eq!(
        list_given_up(&vault, &socket, patience),
        "it did not answer within 0.1 s"
    );
    trickling.join().unwrap();
}

/// An agent that takes no connection (stopped long enough for its queue of connections to
/// fill) costs a command its patience too: a reading request falls back (second attacker
/// pass, F4 of the fourth session's).
#[test]
fn an_agent_whose_queue_of_connections_is_full_is_given_up_on() {
    use crate::ops::reply;
    use rustix::io::Errno;
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let root = tempfile::tempdir().unwrap();
    let vault = vault_in(&root);
    let socket = private_socket(&root);
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(socket.parent().unwrap())
        .unwrap();
    // A listener that never accepts, with the shortest queue, filled.
    let unix_socket = |flags| {
        rustix::net::socket_with(AddressFamily::UNIX, SocketType::STREAM, flags, None).unwrap()
    };
    let listener = unix_socket(SocketFlags::empty());
    let address = SocketAddrUnix::new(&socket).unwrap();
    rustix::net::bind(&listener, &address).unwrap();
    rustix::net::listen(&listener, 0).unwrap();
    let mut queued = Vec::new();
    loop {
        let waiting = unix_socket(SocketFlags::NONBLOCK);
        match rustix::net::connect(&waiting, &address) {
            Ok(()) => queued.push(waiting),
            Err(Errno::AGAIN) => break,
            Err(e) => panic!("{e}"),
        }
        assert!(queued.len() < 100, "the queue never filled");
    }
    let list = VaultRequest::List {
        filter: Default::default(),
    };
    let patience = std::time::Duration::from_millis(100);
    let asked = crate::agent::client::run_within::<reply::List>;
    let asked = asked(&vault, None, Some(&socket), &list, patience);
    let Ok(Err(Fallback::Unreachable(AgentError::Io { source, .. }))) = &asked else {
        panic!("{asked:?}");
    };
    assert_eq!(source.kind(), std::io::ErrorKind::TimedOut);
}

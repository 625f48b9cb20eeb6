//! What the agent's memory holds after it locks, read through /proc/PID/mem (as root); the
//! peer check against another uid; the socket directory checks; a killed `agent start`; a
//! `passwd` locking the agent.

use super::{AgentVault, alive, eventually};
use crate::common::paper::FIXTURE_PASSPHRASE;
use crate::common::{FIXTURE_SECRETS, KRAKEN_KEY, KRAKEN_SECRET, process_memory};
use keycellar::secret::Secret;
use keycellar::vault::VaultHeader;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;

pub(super) fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// The fixture vault (six entries with documented secrets) with a private runtime dir.
pub(super) fn fixture() -> AgentVault {
    let av = AgentVault::new();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vault-v1.kc"),
        &av.tv.vault,
    )
    .unwrap();
    std::fs::write(&av.tv.pass_file, format!("{FIXTURE_PASSPHRASE}\n")).unwrap();
    av
}

pub(super) fn vault_key(av: &AgentVault) -> [u8; 32] {
    let passphrase = Secret::new(FIXTURE_PASSPHRASE.into());
    let header = VaultHeader::read(&av.tv.vault).unwrap();
    *header
        .unlock_with_passphrase(&av.tv.vault, &passphrase)
        .unwrap()
        .expose()
}

/// Has the agent reveal every secret, so that each has passed through its memory.
fn reveal_all(av: &AgentVault) {
    let listed = av.bare().args(["--json", "list"]).assert().success();
    let listed: Value = serde_json::from_slice(&listed.get_output().stdout).unwrap();
    for entry in listed["entries"].as_array().unwrap() {
        let label = entry["label"].as_str().unwrap();
        av.bare()
            .args(["show", label, "--reveal"])
            .assert()
            .success();
    }
}

/// The needles of a search: the key's halves, each secret's 16-byte pieces (shorter ones
/// whole), each named; pieces the executable itself holds (a table of hex digits) are left
/// out, since they would be found whatever the agent did.
pub(super) fn needles(key: &[u8; 32], executable: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut all = vec![
        ("the vault key".to_string(), key[..16].to_vec()),
        ("the vault key".to_string(), key[16..].to_vec()),
    ];
    for secret in FIXTURE_SECRETS.iter().chain([&KRAKEN_SECRET]) {
        let bytes = secret.as_bytes();
        let pieces: Vec<&[u8]> = match bytes.len() >= 16 {
            true => bytes.chunks_exact(16).collect(),
            false => vec![bytes],
        };
        all.extend(
            pieces
                .into_iter()
                .map(|p| (format!("{secret:?}"), p.to_vec())),
        );
    }
    let in_executable = found(executable, &all);
    all.into_iter()
        .filter(|(name, piece)| !in_executable.contains(&(name.clone(), piece.clone())))
        .collect()
}

/// The needles `hay` holds, in one pass (a table of first bytes).
pub(super) fn found(hay: &[u8], needles: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut first = [false; 256];
    needles
        .iter()
        .for_each(|(_, n)| first[usize::from(n[0])] = true);
    let mut hits = Vec::new();
    for at in 0..hay.len() {
        if !first[usize::from(hay[at])] {
            continue;
        }
        for needle in needles {
            if hay[at..].starts_with(&needle.1) && !hits.contains(needle) {
                hits.push(needle.clone());
            }
        }
    }
    hits
}

pub(super) fn names(hits: Vec<(String, Vec<u8>)>) -> Vec<String> {
    let mut names: Vec<String> = hits.into_iter().map(|(name, _)| name).collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn after_lock_and_after_each_expiry_the_agents_memory_holds_no_secret_and_no_key() {
    if !is_root() {
        return; // reading another process's memory needs root (CI runs as root)
    }
    for how in ["lock", "idle", "max"] {
        let av = fixture();
        let key = vault_key(&av);
        let pid = av.start(&[])["pid"].as_u64().unwrap();
        let executable = std::fs::read(format!("/proc/{pid}/exe")).unwrap();
        let needles = needles(&key, &executable);
        drop(executable);
        reveal_all(&av);
        // A change through the agent: its save must leave no copy of the key or of the
        // added secret on any thread's stack (it was once prepared on a second thread).
        let secret = av.tv.file("added-secret", KRAKEN_SECRET);
        av.bare()
            .args(["add", "added", "--exchange", "kraken", "--key", KRAKEN_KEY])
            .arg("--secret-file")
            .arg(&secret)
            .assert()
            .success();
        std::fs::remove_file(&secret).unwrap();
        // A last request that uses the key without revealing anything (the copy of the key a
        // request made must not outlive it, on a thread's stack or anywhere).
        av.bare().arg("list").assert().success();
        let before = process_memory(pid as u32);
        assert!(
            names(found(&before, &needles)).contains(&"the vault key".to_string()),
            "{how}: the key was not found while unlocked: the memory was not read"
        );
        drop(before);
        let mut agent = av.connect();
        let advance = |ms: u64| json!({"v": 1, "op": "advance", "ms": ms});
        let status = match how {
            "lock" => {
                agent.ask(&json!({"v": 1, "op": "lock"}));
                agent.ask(&json!({"v": 1, "op": "status"}))
            }
            "idle" => agent.ask(&advance(15 * 60_000)),
            _ => agent.ask(&advance(8 * 60 * 60_000)),
        };
        assert_eq!(status["state"], "locked", "{how}");
        let after = process_memory(pid as u32);
        let held = names(found(&after, &needles));
        assert!(
            held.is_empty(),
            "{how}: the agent's memory still holds {held:?}"
        );
    }
}

#[test]
fn a_client_of_another_user_is_refused() {
    if !is_root() {
        return; // needs root to act as another user (CI runs as root)
    }
    let av = AgentVault::new();
    av.start(&[]);
    let socket = av.socket();
    // Everything on the way to the socket opened to others, the socket too.
    let user = av.tv.user.path();
    for path in socket.parent().unwrap().ancestors() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        if path == user {
            break;
        }
    }
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777)).unwrap();
    // The agent answers a foreign peer at once and closes, so the probe only reads.
    let probe = "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n\
        print(s.makefile().readline(), end='')\n";
    let output = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            probe,
        ])
        .arg(&socket)
        .output()
        .unwrap();
    let answer: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(answer["error"]["kind"], "peer_refused");
    assert_eq!(answer.get("vault_id"), None);
    // Its own user is still served (the directory is restored first: clients check it).
    std::fs::set_permissions(
        socket.parent().unwrap(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    std::fs::set_permissions(&av.runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    av.bare().arg("list").assert().success();
}

/// The client checks who listens before it sends a byte (a request may carry `add`'s
/// secret): a listener of another uid at the agent's socket path gets nothing, and the
/// command says why and carries on with the passphrase.
#[test]
fn a_listener_of_another_user_at_the_socket_path_is_sent_nothing() {
    use std::io::BufRead;
    if !is_root() {
        return; // needs root to act as another user (CI runs as root)
    }
    let av = AgentVault::new();
    let id = keycellar::agent::identify(&av.tv.vault).unwrap().vault_id;
    let dir = av.runtime.join("keycellar");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    // The other user binds where it may, and the socket is then moved into place.
    let open = tempfile::tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let bound = open.path().join("s.sock");
    let listener = "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\n\
        s.listen(1)\nprint('ready', flush=True)\nc, _ = s.accept()\nprint(len(c.recv(65536)))\n";
    let mut foreign = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args(["/usr/bin/python3", "-c", listener])
        .arg(&bound)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = std::io::BufReader::new(foreign.stdout.take().unwrap());
    let mut line = String::new();
    said.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    std::fs::rename(&bound, dir.join(format!("agent-{id}.sock"))).unwrap();
    let out = av.cmd().arg("list").assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("another user's process"), "{stderr}");
    line.clear();
    said.read_line(&mut line).unwrap();
    assert_eq!(line, "0\n", "bytes reached the other user's listener");
    foreign.wait().unwrap();
}

#[test]
fn an_unsafe_socket_directory_is_refused_before_the_passphrase() {
    let av = AgentVault::new();
    let dir = av.runtime.join("keycellar");
    std::fs::create_dir(&dir).unwrap();
    let mut cases = vec![
        (0o720, "writable by group or others"),
        (0o702, "writable by group or others"),
    ];
    if is_root() {
        cases.push((0o700, "another user"));
    }
    for (mode, why) in cases {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
        if why == "another user" {
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        }
        // No passphrase source: the refusal must come before anything is asked.
        let out = av
            .bare()
            .args(["--json", "agent", "start"])
            .assert()
            .code(1);
        let error: Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
        assert_eq!(error["error"]["kind"], "unsafe_path", "{mode:o}");
        assert!(error["error"]["message"].as_str().unwrap().contains(why));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }
}

#[test]
fn killing_agent_start_before_the_handover_leaves_no_agent() {
    let av = AgentVault::new();
    // The passphrase comes from a pipe no one writes: `agent start` waits there, after it
    // started the agent process and before it hands the key over.
    let (reader, _writer) = std::io::pipe().unwrap();
    let mut start = std::process::Command::new(assert_cmd::cargo::cargo_bin("keycellar"))
        .env("KEYCELLAR_TEST_USER_DIRS", av.tv.user.path())
        .arg("--vault")
        .arg(&av.tv.vault)
        .args(["--passphrase-fd", "0", "agent", "start"])
        .stdin(reader)
        .spawn()
        .unwrap();
    let children = format!("/proc/{0}/task/{0}/children", start.id());
    let agent_pid = || {
        std::fs::read_to_string(&children).ok().and_then(|c| {
            c.split_whitespace()
                .next()
                .and_then(|p| p.parse::<u64>().ok())
        })
    };
    eventually("agent start starts the agent process", || {
        agent_pid().is_some()
    });
    let agent = agent_pid().unwrap();
    start.kill().unwrap();
    start.wait().unwrap();
    eventually("the agent process ends", || !alive(agent));
    let dir = av.runtime.join("keycellar");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a socket was left"
    );
    av.bare().args(["agent", "status"]).assert().code(1);
}

#[test]
fn a_passphrase_change_locks_the_agent() {
    let av = AgentVault::new();
    av.start(&[]);
    let new_pass = av.tv.file("new-pass", "a much longer new passphrase\n");
    av.cmd()
        .args(["--no-agent", "passwd", "--new-passphrase-file"])
        .arg(&new_pass)
        .assert()
        .success();
    av.bare().arg("list").assert().code(2);
    let status = av.status();
    assert_eq!(status["state"], "locked");
    assert_eq!(status["locked_because"], "keyslots_changed");
}

#[test]
fn a_wrong_passphrase_at_agent_start_leaves_no_agent_and_no_socket() {
    let av = AgentVault::new();
    let wrong = av.tv.file("wrong-pass", "not the passphrase\n");
    std::fs::set_permissions(&wrong, std::fs::Permissions::from_mode(0o600)).unwrap();
    av.bare()
        .arg("--passphrase-file")
        .arg(&wrong)
        .args(["agent", "start"])
        .assert()
        .code(3);
    av.bare().args(["agent", "status"]).assert().code(1);
    let dir = av.runtime.join("keycellar");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // agent start waited for the agent process, which read end of file instead of a key.
    assert!(!super::agents_of(&dir), "an agent process is left");
}

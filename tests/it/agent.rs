//! The agent (docs/AGENT.md, issue 31): one unlock, then commands answered without the
//! passphrase; status, lock, stop; `agent start -- COMMAND`; the socket directory and peer
//! checks; a killed `agent start`; `passwd` locking it. Timers are driven through the
//! test-only `advance` request (the `internals` feature), never by waiting.

use crate::common::{KRAKEN_SECRET, TestVault};
use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod clients;
mod every_command;
mod inflight;
mod memory;
mod parents;
mod sign_beside;

/// A test vault, its agent's socket in the test's own base directory.
pub struct AgentVault {
    pub tv: TestVault,
    pub runtime: PathBuf,
}

impl AgentVault {
    pub fn new() -> AgentVault {
        let tv = TestVault::new();
        tv.add_kraken("k1").success();
        let runtime = tv.runtime().parent().unwrap().to_path_buf();
        std::fs::create_dir_all(&runtime).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        AgentVault { tv, runtime }
    }

    /// `keycellar --vault V` with the test's own directories and no passphrase source.
    pub fn bare(&self) -> Command {
        let mut cmd = self.tv.bare();
        cmd.env_remove("KEYCELLAR_AGENT_SOCK");
        cmd
    }

    /// As [`AgentVault::bare`], with the passphrase file.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.arg("--passphrase-file").arg(&self.tv.pass_file);
        cmd
    }

    /// Starts the agent and returns its status.
    pub fn start(&self, args: &[&str]) -> Value {
        let out = self
            .cmd()
            .args(["--json", "agent", "start"])
            .args(args)
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    }

    pub fn status(&self) -> Value {
        let out = self
            .bare()
            .args(["--json", "agent", "status"])
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    }

    pub fn socket(&self) -> PathBuf {
        let id = self.status()["vault_id"].as_str().unwrap().to_string();
        self.runtime
            .join("keycellar")
            .join(format!("agent-{id}.sock"))
    }

    /// A connection to the agent, speaking the protocol directly.
    pub fn connect(&self) -> Line {
        let stream = UnixStream::connect(self.socket()).unwrap();
        Line {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        }
    }

    /// A `run` request for this vault.
    pub fn run_request(&self, operation: Value) -> Value {
        let file = std::fs::canonicalize(&self.tv.vault).unwrap();
        let id = self.status()["vault_id"].clone();
        json!({"v": 1, "op": "run", "vault": file, "vault_id": id, "operation": operation})
    }
}

impl Drop for AgentVault {
    fn drop(&mut self) {
        let _ = self.bare().args(["agent", "stop"]).output();
    }
}

pub struct Line {
    pub stream: UnixStream,
    pub reader: BufReader<UnixStream>,
}

impl Line {
    pub fn ask(&mut self, request: &Value) -> Value {
        // An agent that refuses a peer answers and hangs up without reading, so the write
        // may find the socket closed; the answer is still there to read.
        let _ = writeln!(self.stream, "{request}");
        let mut answer = String::new();
        self.reader.read_line(&mut answer).unwrap();
        serde_json::from_str(&answer).unwrap_or_else(|_| panic!("not JSON: {answer:?}"))
    }
}

/// Waits (polling, with a generous backstop) until `done` holds.
pub fn eventually(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// True while process `pid` exists and is not a zombie.
pub fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|s| !s.trim_start().starts_with('Z'))
    })
}

#[test]
fn after_one_unlock_list_and_show_need_no_passphrase_and_fail_as_they_would() {
    let av = AgentVault::new();
    let started = av.start(&[]);
    assert_eq!(started["state"], "unlocked");
    // Every reading command is a vault request the agent runs: none asks (there is no
    // terminal and no passphrase source, so asking would fail with exit 2).
    for args in [
        &["fingerprint", "k1"][..],
        &["verify", "k1"],
        &["history", "k1"],
        &["status"],
        &["fingerprint"],
    ] {
        av.bare().args(args).assert().success();
    }
    av.bare()
        .arg("list")
        .assert()
        .success()
        .stdout(predicates::str::contains("k1"));
    let listed: Value = serde_json::from_slice(
        &av.bare()
            .args(["--json", "list"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    let here: Value = serde_json::from_slice(
        &av.cmd()
            .args(["--no-agent", "--json", "list"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(listed, here, "the agent's list is the command's own");
    let shown = av
        .bare()
        .args(["show", "k1", "--reveal"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&shown.get_output().stdout).contains(KRAKEN_SECRET));
    let hidden = av.bare().args(["show", "k1"]).assert().success();
    assert!(!String::from_utf8_lossy(&hidden.get_output().stdout).contains(KRAKEN_SECRET));
    let missing = av.bare().args(["--json", "show", "nope"]).assert().code(6);
    let error: Value = serde_json::from_slice(&missing.get_output().stderr).unwrap();
    assert_eq!(error["error"]["kind"], "entry_not_found");
    // --no-agent asks for the passphrase, and there is no terminal to ask on.
    av.bare().args(["--no-agent", "list"]).assert().code(2);
    // A second agent for the same vault is refused while the first is unlocked.
    let second = av.cmd().args(["--json", "agent", "start"]).assert().code(1);
    let error: Value = serde_json::from_slice(&second.get_output().stderr).unwrap();
    assert_eq!(error["error"]["kind"], "agent_running");
}

#[test]
fn list_never_carries_a_secret_over_the_socket() {
    let av = AgentVault::new();
    av.start(&[]);
    let answer = av
        .connect()
        .ask(&av.run_request(json!({"request": "list"})));
    assert_eq!(answer["ok"], true, "{answer}");
    assert!(!answer.to_string().contains(&KRAKEN_SECRET[..16]));
    let shown = av
        .connect()
        .ask(&av.run_request(json!({"request": "show", "label": "k1", "reveal": false})));
    assert!(!shown.to_string().contains(&KRAKEN_SECRET[..16]));
}

#[test]
fn lock_wipes_the_key_and_commands_fall_back_to_the_passphrase() {
    let av = AgentVault::new();
    av.start(&[]);
    av.bare().arg("lock").assert().success();
    let status = av.status();
    assert_eq!(
        (status["state"].as_str(), status["locked_because"].as_str()),
        (Some("locked"), Some("lock"))
    );
    av.bare().arg("list").assert().code(2);
    av.cmd().arg("list").assert().success();
    // Starting again unlocks: the locked agent is replaced.
    assert_eq!(av.start(&[])["state"], "unlocked");
    av.bare().arg("list").assert().success();
    av.bare().args(["agent", "stop"]).assert().success();
    av.bare().args(["agent", "status"]).assert().code(1);
    av.bare().arg("lock").assert().success();
}

#[test]
fn a_thousand_status_requests_do_not_keep_it_unlocked_and_use_does() {
    let av = AgentVault::new();
    av.start(&[]);
    let mut agent = av.connect();
    let status = json!({"v": 1, "op": "status"});
    let deadline = agent.ask(&status)["idle_deadline"].clone();
    for _ in 0..1000 {
        assert_eq!(agent.ask(&status)["idle_deadline"], deadline);
    }
    // Fourteen minutes on, a list moves the idle deadline; fourteen more and it is open.
    agent.ask(&json!({"v": 1, "op": "advance", "ms": 14 * 60_000}));
    assert_eq!(
        agent.ask(&av.run_request(json!({"request": "list"})))["ok"],
        true
    );
    assert_ne!(agent.ask(&status)["idle_deadline"], deadline);
    let later = agent.ask(&json!({"v": 1, "op": "advance", "ms": 14 * 60_000}));
    assert_eq!(later["state"], "unlocked");
    let expired = agent.ask(&json!({"v": 1, "op": "advance", "ms": 60_000}));
    assert_eq!(
        (
            expired["state"].as_str(),
            expired["locked_because"].as_str()
        ),
        (Some("locked"), Some("idle"))
    );
    let refused = agent.ask(&av.run_request(json!({"request": "list"})));
    assert_eq!(refused["error"]["kind"], "agent_locked");
}

#[test]
fn the_absolute_limit_locks_under_constant_use() {
    let av = AgentVault::new();
    av.start(&[]);
    let mut agent = av.connect();
    let mut minutes = 0;
    while agent.ask(&av.run_request(json!({"request": "list"})))["ok"] == true {
        agent.ask(&json!({"v": 1, "op": "advance", "ms": 10 * 60_000}));
        minutes += 10;
        assert!(minutes <= 8 * 60, "still unlocked after 8 hours of use");
    }
    assert_eq!(minutes, 8 * 60);
    assert_eq!(
        agent.ask(&json!({"v": 1, "op": "status"}))["locked_because"],
        "max"
    );
}

#[test]
fn limits_are_checked_before_the_passphrase_is_asked() {
    let av = AgentVault::new();
    av.bare()
        .args(["agent", "start", "--max", "none"])
        .assert()
        .code(2);
    av.bare()
        .args(["agent", "start", "--idle", "5"])
        .assert()
        .code(2);
    let server = av.start(&["--idle", "none", "--max", "none"]);
    assert_eq!(
        (
            server["idle_deadline"].clone(),
            server["max_deadline"].clone()
        ),
        (Value::Null, Value::Null)
    );
}

#[test]
fn agent_start_with_a_command_ends_with_it_and_passes_its_code() {
    let av = AgentVault::new();
    let keycellar = assert_cmd::cargo::cargo_bin("keycellar");
    let script = format!(
        "test -S \"$KEYCELLAR_AGENT_SOCK\" && {} --vault {} list >/dev/null && exit 7",
        keycellar.display(),
        av.tv.vault.display()
    );
    av.cmd()
        .args(["agent", "start", "--", "sh", "-c", &script])
        .assert()
        .code(7);
    av.cmd()
        .args(["agent", "start", "--", "sh", "-c", "exit 0"])
        .assert()
        .success();
    av.bare().args(["agent", "status"]).assert().code(1);
    let dir = av.runtime.join("keycellar");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a socket was left behind"
    );
    assert!(!agents_of(&dir), "an agent process is left");
}

/// Whether a live `agent serve` process has the test's user directories (four levels above
/// the socket directory `dir`, `USER/home/.local/state/keycellar`) in its environment.
pub fn agents_of(dir: &Path) -> bool {
    let user = dir.ancestors().nth(4).unwrap();
    let needle = user.to_string_lossy().into_owned();
    std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
        let pid: Option<u64> = p.file_name().to_str().and_then(|n| n.parse().ok());
        pid.is_some_and(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            alive(pid)
                && String::from_utf8_lossy(&cmdline).contains("serve")
                && String::from_utf8_lossy(&environ).contains(&needle)
        })
    })
}

#[test]
fn a_killed_agent_leaves_a_socket_that_clients_pass_over_and_the_next_start_replaces() {
    let av = AgentVault::new();
    let pid = av.start(&[])["pid"].as_u64().unwrap();
    let socket = av.socket();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    eventually("the killed agent is gone", || !alive(pid));
    assert!(socket.exists(), "a killed agent cannot remove its socket");
    // No agent answers: the command asks the passphrase (none here: no terminal).
    av.bare().arg("list").assert().code(2);
    av.cmd().arg("list").assert().success();
    assert_eq!(av.start(&[])["state"], "unlocked");
    av.bare().arg("list").assert().success();
}

#[test]
fn a_signal_to_agent_start_reaches_its_command_and_the_agent_ends_with_it() {
    let av = AgentVault::new();
    let mut start = std::process::Command::new(assert_cmd::cargo::cargo_bin("keycellar"))
        .env("KEYCELLAR_TEST_USER_DIRS", av.tv.user.path())
        .arg("--vault")
        .arg(&av.tv.vault)
        .arg("--passphrase-file")
        .arg(&av.tv.pass_file)
        .args(["agent", "start", "--", "sh", "-c"])
        .arg("trap 'exit 5' TERM; echo ready; while :; do sleep 1; done")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(start.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready, "ready\n");
    // Once keycellar catches SIGTERM (its signal thread is up), the signal is passed on.
    let status = format!("/proc/{}/status", start.id());
    eventually("agent start catches SIGTERM", || {
        std::fs::read_to_string(&status).is_ok_and(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigCgt:"))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
                .is_some_and(|mask| mask & (1 << (15 - 1)) != 0)
        })
    });
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(start.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    assert_eq!(start.wait().unwrap().code(), Some(5));
    av.bare().args(["agent", "status"]).assert().code(1);
    let dir = av.runtime.join("keycellar");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn clients_that_hang_up_before_their_answer_do_not_end_the_agent() {
    let av = AgentVault::new();
    av.start(&[]);
    let request = av.run_request(json!({"request": "show", "label": "k1", "reveal": true}));
    for _ in 0..20 {
        let mut stream = UnixStream::connect(av.socket()).unwrap();
        writeln!(stream, "{request}").unwrap();
        drop(stream);
    }
    assert_eq!(av.status()["state"], "unlocked");
    av.bare().arg("list").assert().success();
}

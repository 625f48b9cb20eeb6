//! What a client of the agent's own user can and cannot make it do (issue 31, attacker
//! findings A2, A6, F6, H2 and the bind race): a request line with a key twice is refused;
//! request lines are small; at most `MAX_CLIENTS` clients at once, more wait their turn,
//! and silent ones are hung up on; a status request names no directory; out of descriptors it waits instead of spinning and serves again after; it keeps
//! no descriptor `agent start` had; two starts at once leave one agent; and `lock` reaches
//! the vault's agent past a socket variable left stale.

use super::{AgentVault, Line, eventually};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A connection whose reads give up after a generous backstop (never a synchronisation).
fn connect(av: &AgentVault) -> Line {
    connect_to(&av.socket())
}

/// As [`connect`], to a socket found before (finding it takes a connection of its own).
fn connect_to(socket: &std::path::Path) -> Line {
    let stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    Line {
        reader: BufReader::new(stream.try_clone().unwrap()),
        stream,
    }
}

#[test]
fn a_request_with_a_key_twice_does_nothing_but_get_an_error() {
    let av = AgentVault::new();
    av.start(&[]);
    let mut agent = connect(&av);
    for line in [
        r#"{"v":1,"op":"status","op":"stop"}"#,
        r#"{"v":1,"op":"lock","op":"status"}"#,
    ] {
        writeln!(agent.stream, "{line}").unwrap();
        let mut answer = String::new();
        agent.reader.read_line(&mut answer).unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["error"]["kind"], "bad_request", "{line}: {answer}");
        agent = connect(&av);
    }
    let mut operation = av.run_request(json!({"request": "list"})).to_string();
    operation = operation.replace(
        r#""request":"list""#,
        r#""request":"list","request":"show""#,
    );
    writeln!(agent.stream, "{operation}").unwrap();
    let mut answer = String::new();
    agent.reader.read_line(&mut answer).unwrap();
    assert!(answer.contains("bad_request"), "{answer}");
    assert_eq!(av.status()["state"], "unlocked");
}

#[test]
fn a_request_line_over_64_kib_is_refused_and_the_agent_serves_on() {
    let av = AgentVault::new();
    av.start(&[]);
    let mut agent = connect(&av);
    let padding = "x".repeat(80 << 10);
    let long = json!({"v": 1, "op": "status", "pad": padding}).to_string();
    // The agent may hang up before it read everything: a failed write is fine.
    let _ = writeln!(agent.stream, "{long}");
    let mut answer = String::new();
    agent.reader.read_line(&mut answer).unwrap();
    assert!(
        answer.contains("longer than the protocol allows"),
        "{answer}"
    );
    assert_eq!(av.status()["state"], "unlocked");
}

/// A6': idle connections cannot lock other clients out. Sixteen silent ones fill every
/// place; the seventeenth client waits in the queue instead of being refused, and is served
/// once the agent hangs up on a silent one (one second of silence before a request).
#[test]
fn clients_beyond_the_cap_wait_and_silent_ones_hold_no_place_for_long() {
    let av = AgentVault::new();
    av.start(&[]);
    let socket = av.socket();
    let silent: Vec<UnixStream> = (0..16)
        .map(|_| UnixStream::connect(&socket).unwrap())
        .collect();
    let mut queued = connect_to(&socket);
    let answer = queued.ask(&json!({"v": 1, "op": "status"}));
    assert_eq!(answer["ok"], true, "{answer}");
    // The silent ones were hung up on, without an answer.
    for mut stream in silent {
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let mut rest = Vec::new();
        assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
    }
}

/// B4: a status request cannot name the places the agent looks in (it would make them):
/// the field is not part of the request, and nothing appears there.
#[test]
fn a_status_request_naming_directories_makes_nothing_there() {
    let av = AgentVault::new();
    av.start(&[]);
    let elsewhere = av.tv.dir.path().join("elsewhere");
    let places =
        json!({"runtime_dir": elsewhere.join("run"), "state_dir": elsewhere.join("state")});
    let mut agent = connect(&av);
    let answer = agent.ask(&av.run_request(json!({"request": "status", "places": places})));
    assert_eq!(answer["error"]["kind"], "bad_request", "{answer}");
    assert!(!elsewhere.exists());
    let answer = agent.ask(&av.run_request(json!({"request": "status"})));
    assert_eq!(answer["ok"], true, "{answer}");
    assert!(!elsewhere.exists());
}

/// CPU time (user and system, in clock ticks) of process `pid`, from /proc.
fn cpu_ticks(pid: u64) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn out_of_descriptors_the_agent_waits_without_spinning_and_serves_again() {
    let av = AgentVault::new();
    let pid = av.start(&[])["pid"].as_u64().unwrap();
    let socket = av.socket();
    // Once the connections made so far are gone, only the listening socket is one.
    let fds = || -> Vec<(u64, String)> {
        let dir = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap();
        dir.flatten()
            .filter_map(|fd| {
                let target = std::fs::read_link(fd.path()).ok()?;
                let number = fd.file_name().to_str()?.parse().ok()?;
                Some((number, target.to_string_lossy().into_owned()))
            })
            .collect()
    };
    let sockets = || {
        fds()
            .iter()
            .filter(|(_, t)| t.starts_with("socket:"))
            .count()
    };
    eventually("the agent holds no client", || sockets() == 1);
    // Room for two clients more, no more: the lowest limit with two free numbers below it
    // (the hard limit too: raising it again would need a privilege).
    let open: Vec<u64> = fds().into_iter().map(|(n, _)| n).collect();
    let free_below = |limit: u64| limit - open.iter().filter(|&&n| n < limit).count() as u64;
    let top = (0..).find(|&limit| free_below(limit) == 2).unwrap();
    let limit = rustix::process::Rlimit {
        current: Some(top),
        maximum: Some(top),
    };
    let agent = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::prlimit(Some(agent), rustix::process::Resource::Nofile, limit).unwrap();
    let held: Vec<Line> = (0..2)
        .map(|_| {
            let mut client = connect_to(&socket);
            assert_eq!(client.ask(&json!({"v": 1, "op": "status"}))["ok"], true);
            client
        })
        .collect();
    // The third waits in the listen queue: accept fails with EMFILE.
    let mut waiting = UnixStream::connect(&socket).unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    writeln!(waiting, "{}", json!({"v": 1, "op": "status"})).unwrap();
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(2));
    let spent = cpu_ticks(pid) - before;
    // A spinning loop burns about 200 ticks in these two seconds (100 a second); waiting
    // 100 ms between tries, a handful at most.
    assert!(
        spent < 40,
        "the agent spent {spent} ticks out of descriptors"
    );
    drop(held);
    let mut answer = String::new();
    BufReader::new(&waiting).read_line(&mut answer).unwrap();
    assert!(answer.contains("\"ok\":true"), "{answer:?}");
}

#[test]
fn the_agent_keeps_no_descriptor_agent_start_had() {
    let av = AgentVault::new();
    let keycellar = assert_cmd::cargo::cargo_bin("keycellar");
    // Descriptor 7 carries the passphrase; 9 is any other file the caller had open.
    let script = format!(
        "exec 7< '{pass}' 9< '{vault}'; '{bin}' --json --vault '{vault}' --passphrase-fd 7 \
         agent start",
        pass = av.tv.pass_file.display(),
        vault = av.tv.vault.display(),
        bin = keycellar.display(),
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .env("KEYCELLAR_TEST_USER_DIRS", av.tv.user.path())
        .env_remove("KEYCELLAR_AGENT_SOCK")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = serde_json::from_slice::<Value>(&out.stdout).unwrap()["pid"]
        .as_u64()
        .unwrap();
    let inherited: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|fd| {
            let target = std::fs::read_link(fd.path()).ok()?;
            let from_caller = [&av.tv.pass_file, &av.tv.vault]
                .iter()
                .any(|p| target == std::fs::canonicalize(p).unwrap());
            from_caller.then(|| format!("{} -> {}", fd.file_name().display(), target.display()))
        })
        .collect();
    assert!(inherited.is_empty(), "the agent holds {inherited:?}");
}

#[test]
fn two_agent_starts_at_once_leave_one_agent() {
    let av = AgentVault::new();
    for round in 0..3 {
        let starts: Vec<std::process::Child> = (0..2)
            .map(|_| {
                std::process::Command::new(assert_cmd::cargo::cargo_bin("keycellar"))
                    .env("KEYCELLAR_TEST_USER_DIRS", av.tv.user.path())
                    .env_remove("KEYCELLAR_AGENT_SOCK")
                    .env_remove("KEYCELLAR_VAULT")
                    .arg("--vault")
                    .arg(&av.tv.vault)
                    .arg("--passphrase-file")
                    .arg(&av.tv.pass_file)
                    .args(["agent", "start"])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = starts
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let started = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(started, 1, "round {round}: {started} agents started");
        let refused = outs.iter().find(|o| !o.status.success()).unwrap();
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("already serves"), "round {round}: {said}");
        assert_eq!(av.status()["state"], "unlocked");
        av.bare().args(["agent", "stop"]).assert().success();
    }
}

/// An agent whose socket file someone removed cannot be found by its clients, nor by a
/// second `agent start` (which used to bind a second agent beside the first): it stops,
/// giving up the lock beside the socket, and the next `agent start` serves.
#[test]
fn an_agent_whose_socket_is_removed_stops_and_the_next_one_serves() {
    let av = AgentVault::new();
    let pid = av.start(&[])["pid"].as_u64().unwrap();
    std::fs::remove_file(av.socket()).unwrap();
    eventually("the first agent ends", || !super::alive(pid));
    assert_eq!(av.start(&[])["state"], "unlocked");
}

/// `lock` and `agent stop` ask the vault's own agent too when `KEYCELLAR_AGENT_SOCK` names
/// a socket where none listens (a variable left from an agent gone): they used to say
/// "nothing to do" and leave the vault's agent unlocked.
#[test]
fn lock_reaches_the_vaults_agent_past_a_stale_socket_variable() {
    let av = AgentVault::new();
    av.start(&[]);
    let stale = av.runtime.join("keycellar").join("agent-gone.sock");
    av.bare()
        .env("KEYCELLAR_AGENT_SOCK", &stale)
        .arg("lock")
        .assert()
        .success();
    assert_eq!(av.status()["state"], "locked");
    av.bare()
        .env("KEYCELLAR_AGENT_SOCK", &stale)
        .args(["agent", "stop"])
        .assert()
        .success();
    av.bare().args(["agent", "status"]).assert().code(1);
}

/// A socket `KEYCELLAR_AGENT_SOCK` names, where a process of the user answers every line
/// with a refusal that claims exit code 0; serves until the test ends.
fn refusing_socket(av: &AgentVault) -> std::path::PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let dir = av.tv.dir.path().join("hostile");
    std::fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
    let socket = dir.join("s.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let refusal = "{\"v\":1,\"ok\":false,\"error\":{\"kind\":\"x\",\"exit_code\":0,\
                       \"message\":\"m\",\"hint\":\"h\"}}\n";
        for stream in listener.incoming().flatten() {
            let mut lines = BufReader::new(&stream);
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                let _ = (&stream).write_all(refusal.as_bytes());
                line.clear();
            }
        }
    });
    socket
}

/// A hostile socket named by the variable cannot keep `lock` from locking the vault's own
/// agent, nor make it exit 0 by claiming that code (second attacker pass, F2).
#[test]
fn a_refusing_socket_in_the_variable_neither_stops_lock_nor_makes_it_succeed() {
    let av = AgentVault::new();
    av.start(&[]);
    let hostile = refusing_socket(&av);
    av.bare()
        .env("KEYCELLAR_AGENT_SOCK", &hostile)
        .arg("lock")
        .assert()
        .code(1);
    assert_eq!(av.status()["state"], "locked");
}

/// `lock` for one vault leaves another vault's agent alone, even when the variable names
/// that agent's socket (inside `agent start -- COMMAND` for the other vault; F3).
#[test]
fn lock_leaves_another_vaults_agent_alone() {
    let (served, other) = (AgentVault::new(), AgentVault::new());
    served.start(&[]);
    other
        .bare()
        .env("KEYCELLAR_AGENT_SOCK", served.socket())
        .arg("lock")
        .assert()
        .success();
    assert_eq!(served.status()["state"], "unlocked");
}

//! A bot run with `--profile sign` must not get its secrets, and an unlocked agent gives
//! them to any process of the user that asks (an attacker pass had such a bot run
//! `keycellar show --reveal`): `exec --profile sign` refuses to start beside an unlocked
//! agent unless `--beside-agent` says the user accepts it, and never tells the bot where
//! the agent is.

use super::AgentVault;
use serde_json::Value;
use std::io::{BufRead, Write};

/// `exec k1 --profile sign` with `extra` arguments, the bot printing its environment.
fn sign_run(av: &AgentVault, with_passphrase: bool, extra: &[&str]) -> std::process::Output {
    let state = av.tv.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mut cmd = if with_passphrase { av.cmd() } else { av.bare() };
    cmd.env("XDG_STATE_HOME", &state)
        .env("KEYCELLAR_AGENT_SOCK", av.socket())
        .args(["--json", "exec", "k1", "--profile", "sign"])
        .args(extra)
        .args(["--no-masking", "--", "env"])
        .output()
        .unwrap()
}

#[test]
fn a_sign_bot_is_not_started_beside_an_unlocked_agent_unless_asked() {
    let av = AgentVault::new();
    av.start(&[]);
    let refused = sign_run(&av, true, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&refused.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "agent_unlocked", "{error}");
    assert!(refused.stdout.is_empty(), "the bot did not start");

    // Accepted: the agent answers (no passphrase), and the bot is not told where it is.
    let beside = sign_run(&av, false, &["--beside-agent"]);
    assert!(
        beside.status.success(),
        "{}",
        String::from_utf8_lossy(&beside.stderr)
    );
    let env = String::from_utf8_lossy(&beside.stdout);
    assert!(env.contains("KEYCELLAR_SIGN_SOCK="), "{env}");
    assert!(!env.contains("KEYCELLAR_AGENT_SOCK"), "{env}");

    // Locked, the agent gives nothing to anyone: the run starts, with the passphrase.
    av.bare().arg("lock").assert().success();
    let locked = sign_run(&av, true, &[]);
    assert!(
        locked.status.success(),
        "{}",
        String::from_utf8_lossy(&locked.stderr)
    );
}

/// The refusal above looks for agents where their sockets are; an attacker pass moved an
/// unlocked agent's socket into another directory, where it still answered, and a sign bot
/// read the secrets through it. An agent whose socket is moved or linked elsewhere, or whose
/// directory is moved, stops, and a connection made before gives no use of the key.
#[test]
fn an_agent_whose_socket_is_moved_or_linked_away_stops() {
    type Move = fn(&std::path::Path, &std::path::Path) -> std::io::Result<()>;
    let moves: [(&str, Move); 3] = [
        ("renamed", |from, to| std::fs::rename(from, to)),
        ("linked", |from, to| std::fs::hard_link(from, to)),
        ("directory renamed", |from, _| {
            let dir = from.parent().unwrap();
            std::fs::rename(dir, dir.with_file_name("moved"))
        }),
    ];
    for (how, move_away) in moves {
        let av = AgentVault::new();
        let pid = av.start(&[])["pid"].as_u64().unwrap();
        let socket = av.socket();
        let mut before = av.connect();
        let request = av.run_request(serde_json::json!({"request": "list"}));
        assert_eq!(before.ask(&request)["ok"], true, "{how}: serving");
        let hidden = av.runtime.join("hidden");
        std::fs::create_dir(&hidden).unwrap();
        move_away(&socket, &hidden.join("agent.sock")).unwrap();
        // Asked through the connection made before: locked, or already gone.
        let _ = writeln!(before.stream, "{request}");
        let mut answer = String::new();
        let _ = before.reader.read_line(&mut answer);
        if !answer.is_empty() {
            let answer: Value = serde_json::from_str(&answer).unwrap();
            assert_eq!(answer["ok"], false, "{how}: {answer}");
            assert_eq!(answer["error"]["kind"], "agent_locked", "{how}: {answer}");
        }
        super::eventually(&format!("the agent stops once its socket is {how}"), || {
            !super::alive(pid)
        });
    }
}

//! A bot run with `--profile sign` must not get its secrets, and an unlocked agent gives
//! them to any process of the user that asks (an attacker pass had such a bot run
//! `keycellar show --reveal`): `exec --profile sign` refuses to start beside an unlocked
//! agent unless `--beside-agent` says the user accepts it, and never tells the bot where
//! the agent is.

use super::AgentVault;
use serde_json::Value;

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

//! The interactive path in a real pseudo-terminal: hidden input, passphrase confirmation,
//! and a retry after a mistyped passphrase. What the terminal shows must hold no secret.

mod common;

use common::*;
use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};
use std::process::Command;

/// Spawns keycellar in a pty. rexpect turns terminal echo off; `stty echo` turns it back
/// on, as in a user's terminal, so that anything not hidden by keycellar shows on screen
/// (the echoed public key proves it).
fn spawn(tv: &TestVault, args: &[&str]) -> PtySession {
    let mut cmd = Command::new("sh");
    cmd.env_remove("KEYCELLAR_VAULT")
        .args(["-c", "stty echo && exec \"$0\" \"$@\""])
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .arg("--vault")
        .arg(&tv.vault)
        .args(args);
    spawn_command(cmd, Some(30_000)).unwrap()
}

fn exit_code(session: &PtySession) -> i32 {
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("keycellar did not exit normally: {other:?}"),
    }
}

#[test]
fn init_confirms_the_passphrase_and_add_hides_the_secret() {
    let tv = TestVault::empty();
    let mut screen = String::new();

    let mut init = spawn(&tv, &["init"]);
    screen += &init.exp_string("New vault passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Repeat the passphrase:").unwrap();
    init.send_line("not the same").unwrap();
    screen += &init.exp_string("differ").unwrap();
    screen += &init.exp_eof().unwrap();
    assert_eq!(exit_code(&init), 1);
    assert!(!tv.vault.exists());

    let mut init = spawn(&tv, &["init", "--kdf-memory", "1", "--kdf-time", "1"]);
    screen += &init.exp_string("New vault passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Repeat the passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Created vault").unwrap();
    screen += &init.exp_eof().unwrap();
    assert_eq!(exit_code(&init), 0);

    let mut add = spawn(&tv, &["add", "kraken-grid-bot", "--exchange", "kraken"]);
    screen += &add.exp_string("Public API key:").unwrap();
    add.send_line(KRAKEN_KEY).unwrap();
    screen += &add.exp_string("API secret (hidden):").unwrap();
    add.send_line(KRAKEN_SECRET).unwrap();
    screen += &add.exp_string("Vault passphrase:").unwrap();
    add.send_line("a wrong passphrase").unwrap();
    screen += &add.exp_string("Wrong passphrase, try again.").unwrap();
    screen += &add.exp_string("Vault passphrase:").unwrap();
    add.send_line(PASSPHRASE).unwrap();
    screen += &add.exp_string("Added kraken-grid-bot").unwrap();
    screen += &add.exp_eof().unwrap();
    assert_eq!(exit_code(&add), 0);

    assert!(
        screen.contains(KRAKEN_KEY),
        "the public key is echoed as typed"
    );
    assert!(
        !screen.contains(KRAKEN_SECRET),
        "the secret was echoed:\n{screen}"
    );
    assert!(
        !screen.contains(PASSPHRASE),
        "the passphrase was echoed:\n{screen}"
    );
    assert!(!screen.contains("a wrong passphrase"));
    let list = tv.json(&["list"]);
    assert_eq!(list["entries"][0]["label"], "kraken-grid-bot");
}

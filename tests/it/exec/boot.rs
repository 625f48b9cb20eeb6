//! "Run a bot at boot" (README): the systemd user unit in contrib/systemd passes
//! `systemd-analyze verify` where that tool runs, and the sequence it runs (the passphrase
//! from the credentials directory, a supervised `exec`) is driven here without systemd.

use super::wait_for;
use crate::common::*;
use std::fs;
use std::path::Path;
use std::process::Command;

fn unit() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/systemd/keycellar-bot.service");
    fs::read_to_string(path).unwrap()
}

/// The unit's ExecStart, split as systemd splits it (no quotes in it).
fn exec_start(unit: &str) -> Vec<String> {
    let line = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    line.split_whitespace().map(str::to_string).collect()
}

#[test]
fn the_boot_unit_verifies_where_systemd_analyze_runs() {
    let unit = unit();
    assert!(unit.contains("LoadCredentialEncrypted=keycellar-passphrase:"));
    assert!(!unit.contains("LoadCredential=") && !unit.contains("SetCredential="));
    let probe = Command::new("systemd-analyze").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("systemd-analyze is not installed: the unit is not verified here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // verify checks that the commands exist: point them at ones that do.
    let file = dir.path().join("keycellar-bot.service");
    fs::write(&file, unit.replace("/usr/local/bin/keycellar", "/bin/true")).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("Failed to initialize manager") {
        eprintln!("systemd-analyze cannot run here: {stderr}");
        return;
    }
    assert!(out.status.success() && stderr.trim().is_empty(), "{stderr}");
}

/// What the unit runs, with the credentials directory made by hand and the `exec` that the
/// agent will run (the agent is not there yet: `agent start ... --` is left out) given the
/// passphrase file directly: the bot fails once, is restarted, and succeeds.
#[test]
fn the_boot_sequence_runs_without_systemd() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    let credentials = tv.dir.path().join("credentials");
    fs::create_dir(&credentials).unwrap();
    fs::copy(&tv.pass_file, credentials.join("keycellar-passphrase")).unwrap();
    let runs = tv.dir.path().join("runs");
    let bot = tv.file(
        "run",
        &format!(
            "#!/bin/sh\necho run >> '{runs}'\n[ \"$(wc -l < '{runs}')\" -ge 2 ] || exit 1\n\
             [ -S \"$KEYCELLAR_SIGN_SOCK\" ] && touch '{runs}.done'\n",
            runs = runs.display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&bot, fs::Permissions::from_mode(0o755)).unwrap();
    let keycellar = assert_cmd::cargo::cargo_bin("keycellar");
    let words = exec_start(&unit());
    let start = words.iter().position(|w| w == "--").unwrap();
    let passphrase_file = &words[words.iter().position(|w| w == "--passphrase-file").unwrap() + 1];
    let mut args: Vec<String> = words[start + 1..].to_vec();
    args[0] = keycellar.display().to_string();
    for arg in args.iter_mut() {
        if arg == "%h/bots/grid-bot/run" {
            *arg = bot.display().to_string();
        }
    }
    let mut child = Command::new(&args[0])
        .args(["--passphrase-file"])
        .arg(passphrase_file.replace("%d", &credentials.display().to_string()))
        .args(&args[1..])
        .env("KEYCELLAR_VAULT", &tv.vault)
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .env("XDG_STATE_HOME", tv.dir.path().join("state"))
        .env("KEYCELLAR_TEST_RESTART_DELAY_MS", "0")
        .spawn()
        .unwrap();
    wait_for(&runs.with_extension("done"), &mut child);
    assert!(child.wait().unwrap().success());
    assert_eq!(fs::read_to_string(&runs).unwrap(), "run\nrun\n");
}

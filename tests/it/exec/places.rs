//! Where run locks and agents' sockets live and what names a lock (issue 31, findings F1, F2,
//! F5): one place per user, found from the uid and not the environment, so that a bot or an
//! agent started from a login shell and one started by cron meet; one lock per exchange key,
//! whichever vault holds it; and no directory another user can make first.

use super::locks::{code_through, exec_at, running_bot, running_bot_in};
use crate::common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;

#[test]
fn a_login_shell_bot_and_a_cron_bot_meet_on_one_lock() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let session = tv.dir.path().join("session");
    fs::create_dir(&session).unwrap();
    fs::set_permissions(&session, fs::Permissions::from_mode(0o700)).unwrap();
    // The bot as a login shell starts it: $XDG_RUNTIME_DIR set.
    let bot = running_bot_in(&tv, &tv.vault, &["k"], &[("XDG_RUNTIME_DIR", &session)]);
    // The second as cron starts it: no $XDG_RUNTIME_DIR.
    let out = exec_at(&tv, &tv.vault, &["k", "--", "true"])
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "a second run from cron");
    let status = tv
        .cmd()
        .env_remove("XDG_RUNTIME_DIR")
        .arg("status")
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains("k under exec"), "{status}");
    drop(bot);
    // And the other way round.
    let bot = running_bot(&tv, &tv.vault, "k");
    let out = exec_at(&tv, &tv.vault, &["k", "--", "true"])
        .env("XDG_RUNTIME_DIR", &session)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "a second run from a login shell"
    );
    drop(bot);
    assert_eq!(
        fs::read_dir(&session).unwrap().count(),
        0,
        "a lock in $XDG_RUNTIME_DIR"
    );
}

/// Started from a login shell (`$XDG_RUNTIME_DIR` set), used from cron (unset), or the
/// other way round: one socket, found from the uid.
#[test]
fn an_agent_is_found_whatever_xdg_runtime_dir_says() {
    let av = crate::agent::AgentVault::new();
    let session = av.tv.dir.path().join("session");
    std::fs::create_dir(&session).unwrap();
    std::fs::set_permissions(&session, std::fs::Permissions::from_mode(0o700)).unwrap();
    av.cmd()
        .env("XDG_RUNTIME_DIR", &session)
        .args(["agent", "start"])
        .assert()
        .success();
    av.bare()
        .env_remove("XDG_RUNTIME_DIR")
        .arg("list")
        .assert()
        .success();
    av.bare().args(["agent", "stop"]).assert().success();
    av.cmd()
        .env_remove("XDG_RUNTIME_DIR")
        .args(["agent", "start"])
        .assert()
        .success();
    av.bare()
        .env("XDG_RUNTIME_DIR", &session)
        .arg("list")
        .assert()
        .success();
    assert_eq!(std::fs::read_dir(&session).unwrap().count(), 0);
}

#[test]
fn one_key_in_two_vaults_gets_one_lock() {
    let first = TestVault::new();
    first.add_kraken("k").success();
    let second = TestVault::new();
    second.add_kraken("same-key").success();
    // Both run as one user: the second vault through the first's user directories.
    let bot = running_bot(&first, &first.vault, "k");
    assert_eq!(code_through(&first, &second.vault, "same-key"), Some(7));
    drop(bot);
    assert_eq!(code_through(&first, &second.vault, "same-key"), Some(0));
    // The lock's name is a hash: neither the key nor the vault's id in clear (the run
    // records beside it are per vault, `runs-VAULTID`).
    let names: Vec<String> = fs::read_dir(first.runtime())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("runs-"))
        .collect();
    // One key's: its run lock and the lock its starts take turns at.
    let mut names = names;
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    let id = names[0].strip_prefix("run-").expect("a run lock");
    assert!(
        id.len() == 16 && names[1] == format!("start-{id}"),
        "{names:?}"
    );
    assert!(!id.contains(&KRAKEN_KEY[..8]), "{names:?}");
}

/// Another local user made `/tmp/keycellar-UID` of the victim first (a 0700 directory of
/// theirs, where the runtime directory used to be without `$XDG_RUNTIME_DIR`): the victim's
/// `exec` and `agent start` work all the same, since nothing of theirs is in `/tmp`.
#[test]
fn a_runtime_directory_squatted_in_tmp_blocks_nothing() {
    if !rustix::process::geteuid().is_root() {
        return; // needs root to act as two other users (CI runs as root)
    }
    // Uids of no one else, apart per test process (helpers may run on one machine).
    let victim = 3_000_000 + std::process::id() % 1_000_000;
    let squatter = victim + 1_000_000;
    let squat = std::path::PathBuf::from(format!("/tmp/keycellar-{victim}"));
    let _ = fs::remove_dir_all(&squat);
    fs::create_dir(&squat).unwrap();
    std::os::unix::fs::chown(&squat, Some(squatter), Some(squatter)).unwrap();
    fs::set_permissions(&squat, fs::Permissions::from_mode(0o700)).unwrap();
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    for dir in [tv.dir.path(), tv.user.path()] {
        chown_tree(dir, victim);
    }
    let as_victim = |args: &[&str]| {
        std::process::Command::new("setpriv")
            .arg(format!("--reuid={victim}"))
            .arg(format!("--regid={victim}"))
            .arg("--clear-groups")
            .arg(assert_cmd::cargo::cargo_bin("keycellar"))
            .env_remove("KEYCELLAR_VAULT")
            .env_remove("XDG_RUNTIME_DIR")
            .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
            .arg("--vault")
            .arg(&tv.vault)
            .arg("--passphrase-file")
            .arg(&tv.pass_file)
            .args(args)
            .output()
            .unwrap()
    };
    let outputs = [
        as_victim(&["exec", "k", "--", "true"]),
        as_victim(&["agent", "start", "--", "true"]),
    ];
    let _ = fs::remove_dir_all(&squat);
    for out in outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn chown_tree(dir: &std::path::Path, uid: u32) {
    std::os::unix::fs::chown(dir, Some(uid), Some(uid)).unwrap();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() && !path.is_symlink() {
            true => chown_tree(&path, uid),
            false => std::os::unix::fs::chown(&path, Some(uid), Some(uid)).unwrap(),
        }
    }
}

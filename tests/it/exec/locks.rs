//! Run locks are per exchange key and per vault, wherever the vault is reached from (issue
//! 31, cases 2 to 4): two labels holding one key, a symbolic and a hard link to the vault;
//! lock files (and `VAULT.lock`) that are links are refused and their targets left alone;
//! a read-only vault directory runs bots, exclusive and shared.

use super::{exec, succeeds, wait_for};
use crate::common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// `keycellar --vault VAULT ... exec ARGS`.
pub(super) fn exec_at(tv: &TestVault, vault: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
    cmd.env_remove("KEYCELLAR_VAULT")
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .arg("--vault")
        .arg(vault)
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .arg("exec")
        .args(args);
    cmd
}

/// A bot run through `exec`, stopped (and waited for) when dropped, also by a failed test.
pub(super) struct Bot {
    child: Child,
    stop: PathBuf,
}

impl Drop for Bot {
    fn drop(&mut self) {
        fs::write(&self.stop, "").unwrap();
        let status = self.child.wait().unwrap();
        let _ = fs::remove_file(&self.stop);
        let _ = fs::remove_file(self.stop.with_file_name("started"));
        if !std::thread::panicking() {
            assert!(status.success(), "{status:?}");
        }
    }
}

/// `exec LABEL -- sh` through `vault`, waiting for `stop` once `started` exists.
pub(super) fn running_bot(tv: &TestVault, vault: &Path, label: &str) -> Bot {
    running_bot_with(tv, vault, &[label])
}

/// A bot started by `exec ARGS -- ...` that runs until dropped.
fn running_bot_with(tv: &TestVault, vault: &Path, args: &[&str]) -> Bot {
    running_bot_in(tv, vault, args, &[])
}

/// As [`running_bot_with`], `exec` started with the variables `env` set.
pub(super) fn running_bot_in(
    tv: &TestVault,
    vault: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
) -> Bot {
    let started = tv.dir.path().join("started");
    let stop = tv.dir.path().join("stop");
    let script = format!(
        "touch '{}'; while [ ! -e '{}' ]; do sleep 0.05; done",
        started.display(),
        stop.display()
    );
    let command: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--", "sh", "-c", &script])
        .collect();
    let mut child = exec_at(tv, vault, &command)
        .envs(env.iter().copied())
        .spawn()
        .unwrap();
    wait_for(&started, &mut child);
    Bot { child, stop }
}

pub(super) fn code_through(tv: &TestVault, vault: &Path, label: &str) -> Option<i32> {
    let out = exec_at(tv, vault, &[label, "--", "true"]).output().unwrap();
    out.status.code()
}

/// A start that holds the key's turn (stopped or stuck while it starts) keeps another start
/// waiting no longer than `--lock-timeout`, and then it is refused, saying why.
#[test]
fn a_start_stuck_in_its_turn_is_waited_for_only_as_long_as_asked() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    assert_eq!(code_through(&tv, &tv.vault, "k"), Some(0));
    let run_lock = fs::read_dir(tv.runtime())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("run-") && !name.starts_with("runs-"))
        .unwrap();
    let turn = tv.runtime().join(run_lock.replacen("run-", "start-", 1));
    let held = fs::File::open(&turn).unwrap();
    held.lock().unwrap();
    let out = exec_at(&tv, &tv.vault, &["--lock-timeout", "0", "k", "--", "true"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("has not finished starting"), "{stderr}");
    drop(held);
    assert_eq!(code_through(&tv, &tv.vault, "k"), Some(0));
}

/// A signing service's bot, which is not trusted with the secret, is handed no lock: it
/// cannot let go of the service's lock (a flock belongs to the open file description, so
/// `flock -u` on an inherited descriptor would release it for keycellar too) and so let a
/// bot holding the secret start beside the running service.
#[test]
fn a_signing_services_bot_cannot_let_go_of_its_lock() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let started = tv.dir.path().join("started");
    let stop = tv.dir.path().join("stop");
    let fds = tv.dir.path().join("fds");
    let script = format!(
        "for fd in /proc/$$/fd/*; do readlink \"$fd\" >> '{fds}'; flock -u \"${{fd##*/}}\" \
         2>/dev/null; done; touch '{started}'; while [ ! -e '{stop}' ]; do sleep 0.05; done",
        fds = fds.display(),
        started = started.display(),
        stop = stop.display()
    );
    let mut signer = exec_at(
        &tv,
        &tv.vault,
        &["k", "--profile", "sign", "--", "sh", "-c", &script],
    )
    .spawn()
    .unwrap();
    wait_for(&started, &mut signer);
    let beside = code_through(&tv, &tv.vault, "k");
    fs::write(&stop, "").unwrap();
    assert!(signer.wait().unwrap().success());
    let held = fs::read_to_string(&fds).unwrap();
    assert!(
        !held.contains("/sign-") && !held.contains("/run-"),
        "{held}"
    );
    assert_eq!(
        beside,
        Some(7),
        "a bot holding the secret beside the service"
    );
}

#[test]
fn two_labels_holding_one_key_share_its_lock() {
    let tv = TestVault::new();
    tv.add_kraken("k1").success();
    tv.add_kraken("k2").success();
    let bot = running_bot(&tv, &tv.vault, "k1");
    assert_eq!(code_through(&tv, &tv.vault, "k2"), Some(7), "same key");
    let status = tv.stdout(&["status"]);
    assert!(status.contains("k1 under exec"), "{status}");
    drop(bot);
    assert_eq!(code_through(&tv, &tv.vault, "k2"), Some(0));
}

/// Every kind of run of a key started beside every other (through two labels holding it):
/// bots that share it run together and so do signing services, but a signing service never
/// runs beside a bot that holds the secret, shared or not, in either order.
#[test]
fn each_kind_of_run_meets_each_other_kind_as_the_table_says() {
    const EXCLUSIVE: &[&str] = &[];
    const SHARED: &[&str] = &["--shared"];
    const SIGN: &[&str] = &["--profile", "sign"];
    const ANOTHER: &str = "in use by another `keycellar exec`";
    const SIGNER: &str = "in use by a signing service of `keycellar exec`";
    const HOLDER: &str = "in use by a `keycellar exec` whose bot holds the secret";
    // The run first started, the run started beside it, and what that one says (None: it
    // runs).
    let table: [(&[&str], &[&str], Option<&str>); 9] = [
        (EXCLUSIVE, EXCLUSIVE, Some(ANOTHER)),
        (EXCLUSIVE, SHARED, Some(ANOTHER)),
        (EXCLUSIVE, SIGN, Some(HOLDER)),
        (SHARED, EXCLUSIVE, Some(ANOTHER)),
        (SHARED, SHARED, None),
        (SHARED, SIGN, Some(HOLDER)),
        (SIGN, EXCLUSIVE, Some(SIGNER)),
        (SIGN, SHARED, Some(SIGNER)),
        (SIGN, SIGN, None),
    ];
    let tv = TestVault::new();
    tv.add_kraken("k1").success();
    tv.add_kraken("k2").success();
    for (first, second, refused) in table {
        let case = format!("{first:?} then {second:?}");
        let bot = running_bot_with(&tv, &tv.vault, &[&["k1"], first].concat());
        let status = tv.stdout(&["status"]);
        assert!(status.contains("k1 under exec"), "{case}: {status}");
        let beside = exec_at(&tv, &tv.vault, &[&["k2"], second, &["--", "true"]].concat())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&beside.stderr);
        match refused {
            Some(says) => {
                assert_eq!(beside.status.code(), Some(7), "{case}: {stderr}");
                assert!(stderr.contains(says), "{case}: {stderr}");
            }
            None => assert_eq!(beside.status.code(), Some(0), "{case}: {stderr}"),
        }
        drop(bot);
    }
}

#[test]
fn links_to_the_vault_reach_the_same_lock() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let symlink = tv.dir.path().join("link.kc");
    std::os::unix::fs::symlink(&tv.vault, &symlink).unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let hard = tv.dir.path().join("hard.kc");
    fs::hard_link(&tv.vault, &hard).unwrap();
    let copy = other_dir.path().join("copy.kc");
    fs::copy(&tv.vault, &copy).unwrap();
    for (first, second) in [(&tv.vault, &symlink), (&symlink, &hard), (&hard, &copy)] {
        let _bot = running_bot(&tv, first, "k");
        assert_eq!(code_through(&tv, second, "k"), Some(7), "{second:?}");
        let status = Command::new(assert_cmd::cargo::cargo_bin("keycellar"))
            .env_remove("KEYCELLAR_VAULT")
            .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
            .arg("--vault")
            .arg(second)
            .arg("--passphrase-file")
            .arg(&tv.pass_file)
            .arg("status")
            .output()
            .unwrap();
        let status = String::from_utf8_lossy(&status.stdout);
        assert!(status.contains("k under exec"), "{second:?}: {status}");
    }
    let names: Vec<String> = fs::read_dir(tv.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".run-")), "{names:?}");
}

#[test]
fn a_run_lock_that_is_a_link_is_refused_and_its_target_left_alone() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let run = |label: &str| exec(&tv, &[label, "--", "true"]).output().unwrap();
    assert!(run("k").status.success());
    let dir = tv.runtime();
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // The run lock, beside the run records.
    let lock = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("run-"))
        .unwrap();
    // Each lock file of the key: the run lock, the one its starts take turns at, and the
    // signing services' (which a plain run only looks at); a FIFO at one is never waited on.
    let id = lock.file_name().unwrap().to_string_lossy()["run-".len()..].to_string();
    let victim = tv.file("victim", "precious\n");
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o644)).unwrap();
    for name in ["run", "start", "sign"] {
        let planted = dir.join(format!("{name}-{id}"));
        for link in ["symbolic", "hard", "fifo"] {
            let _ = fs::remove_file(&planted);
            match link {
                "symbolic" => std::os::unix::fs::symlink(&victim, &planted).unwrap(),
                "hard" => fs::hard_link(&victim, &planted).unwrap(),
                _ => assert!(tool("mkfifo").arg(&planted).status().unwrap().success()),
            }
            // Looking at the locks never waits on what was planted.
            tv.cmd().arg("status").assert().success();
            let out = run("k");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name} {link}: {stderr}");
            assert!(stderr.contains("run lock"), "{name} {link}: {stderr}");
            assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
            let mode = fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o644, "{name} {link}");
        }
        fs::remove_file(&planted).unwrap();
        assert!(run("k").status.success(), "{name}");
    }
    // A runtime directory others may enter is refused.
    fs::remove_file(&lock).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let out = run("k");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("runtime directory"));
}

/// In a vault directory others can write (a shared group directory), `VAULT.lock` made a
/// link to one of the user's files: a command that takes the vault lock refuses it, and
/// the file is neither truncated nor chmodded.
#[test]
fn a_vault_lock_that_is_a_link_is_refused_and_its_target_left_alone() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let lock = tv.dir.path().join("vault.kc.lock");
    let victim = tv.file("victim", "precious\n");
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o644)).unwrap();
    for link in ["symbolic", "hard"] {
        let _ = fs::remove_file(&lock);
        match link {
            "symbolic" => std::os::unix::fs::symlink(&victim, &lock).unwrap(),
            _ => fs::hard_link(&victim, &lock).unwrap(),
        }
        let before = tv.bytes();
        let out = tv
            .cmd()
            .args(["edit", "k", "--rename", "k9"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{link}");
        assert_eq!(tv.bytes(), before, "{link}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        let mode = fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{link}");
    }
}

/// Nothing `exec` does needs the vault's directory to be writable: it creates nothing there,
/// and where the system lets the test mount the directory read-only, bots run from it.
#[test]
fn a_read_only_vault_directory_runs_bots() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let listing = || {
        let mut names: Vec<_> = fs::read_dir(tv.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    succeeds(exec(&tv, &["k", "--", "true"]));
    succeeds(exec(&tv, &["--shared", "k", "--", "true"]));
    assert_eq!(listing(), before, "exec wrote into the vault directory");

    // A read-only bind mount in a user and mount namespace of its own, where allowed.
    let probe = Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mount --bind -o ro / / 2>/dev/null || mount --bind -o ro /tmp /tmp",
        ])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("no user namespaces here: the read-only mount part is skipped");
        return;
    }
    let keycellar = assert_cmd::cargo::cargo_bin("keycellar");
    let dir = tv.dir.path().display().to_string();
    for shared in ["", "--shared"] {
        let script = format!(
            "mount --bind -o ro '{dir}' '{dir}' && ! touch '{dir}/probe' 2>/dev/null && \
             '{}' --vault '{}' --passphrase-file '{}' exec {shared} k -- true",
            keycellar.display(),
            tv.vault.display(),
            tv.pass_file.display()
        );
        let out = Command::new("unshare")
            .args(["-rm", "sh", "-c", &script])
            .env_remove("KEYCELLAR_VAULT")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shared}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

//! Faults during a save: every I/O step of a save fails in turn (EIO, ENOSPC) or the process
//! is killed just before it, through the `KEYCELLAR_FAULT` test hook; and a real disk-full
//! case on a small tmpfs. After each one the vault opens and holds the old or the new state,
//! no temp file is left behind (or the next change removes it), and a failed command says
//! what happened.

use crate::common;

use crate::common::{KRAKEN_SECRET, SAVE_STEPS, TestVault};
use std::fs;
use std::path::Path;
use std::process::Command;

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect()
}

fn labels(tv: &TestVault) -> Vec<String> {
    tv.json(&["list"])["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_save_step_failing_or_killed_leaves_the_old_or_the_new_vault() {
    for action in ["eio", "enospc", "kill"] {
        for (step, new_in_place) in SAVE_STEPS {
            let case = format!("{action}@{step}");
            let tv = TestVault::new();
            tv.add_kraken("first").success();
            let before = tv.bytes();
            let secret = tv.file("kraken-secret", KRAKEN_SECRET);
            let out = tv
                .cmd()
                .args(["add", "second", "--exchange", "kraken"])
                .args(["--key", common::KRAKEN_KEY, "--secret-file"])
                .arg(secret)
                .env("KEYCELLAR_FAULT", &case)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if action == "kill" {
                assert_eq!(out.status.code(), None, "{case}: not killed");
            } else {
                assert_eq!(out.status.code(), Some(1), "{case}: {stderr}");
                let errno = if action == "eio" {
                    "Input/output error"
                } else {
                    "No space left on device"
                };
                assert!(stderr.contains(errno), "{case}: {stderr}");
                assert!(stderr.contains("hint:"), "{case}: {stderr}");
                assert!(!stderr.contains(KRAKEN_SECRET), "{case}");
                if new_in_place && step == "sync-directory" {
                    assert!(stderr.contains("may still undo the change"), "{stderr}");
                }
                assert!(temp_files(tv.dir.path()).is_empty(), "{case}: temp left");
            }
            if new_in_place {
                assert_eq!(labels(&tv), ["first", "second"], "{case}");
            } else {
                assert_eq!(tv.bytes(), before, "{case}: the vault changed");
                assert_eq!(labels(&tv), ["first"], "{case}");
            }
            tv.cmd().arg("verify").assert().success();
            // The next change succeeds and removes whatever a killed save left behind.
            tv.cmd()
                .args(["edit", "first", "--note", "after the fault"])
                .assert()
                .success();
            assert!(temp_files(tv.dir.path()).is_empty(), "{case}: stale temp");
        }
    }
}

/// A real disk-full: the vault lives on a tmpfs too small for the next save. Needs a mount
/// namespace (`unshare -rm`) or root; prints why it was skipped otherwise.
#[test]
fn a_full_disk_fails_the_save_and_leaves_the_vault_intact() {
    let tv = TestVault::new();
    tv.add_kraken("first").success();
    let secret = tv.file("kraken-secret", KRAKEN_SECRET);
    let bin = assert_cmd::cargo::cargo_bin("keycellar");
    let mnt = tv.dir.path().join("small");
    fs::create_dir(&mnt).unwrap();
    // Inside the namespace: copy the vault onto a 64 KiB tmpfs, fill the rest, try an add
    // (must fail and leave the file as it was), free the space, add again (must work).
    let script = r#"
        set -u
        mount -t tmpfs -o size=64k tmpfs "$MNT" || exit 77
        cp "$VAULT" "$MNT/vault.kc"
        head -c 1048576 /dev/zero > "$MNT/filler" 2>/dev/null
        add() { "$BIN" --vault "$MNT/vault.kc" --passphrase-file "$PASS" add "$1" \
                --exchange kraken --key "$KEY" --secret-file "$SECRET"; }
        add second 2> "$OUT/err"; echo "full-exit=$?"
        cmp -s "$VAULT" "$MNT/vault.kc" && echo "unchanged"
        ls -a "$MNT" | grep -c '\.tmp\.' | sed 's/^/temps=/'
        rm "$MNT/filler"
        add second 2>> "$OUT/err"; echo "freed-exit=$?"
        "$BIN" --vault "$MNT/vault.kc" --passphrase-file "$PASS" list
    "#;
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", script])
        .env("MNT", &mnt)
        .env("VAULT", &tv.vault)
        .env("PASS", &tv.pass_file)
        .env("KEY", common::KRAKEN_KEY)
        .env("SECRET", &secret)
        .env("BIN", &bin)
        .env("OUT", tv.dir.path())
        .output()
        .unwrap();
    if out.status.code() == Some(77) || !out.status.success() && out.stdout.is_empty() {
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = fs::read_to_string(tv.dir.path().join("err")).unwrap();
    assert!(stdout.contains("full-exit=1"), "{stdout}\n{stderr}");
    assert!(stdout.contains("unchanged"), "{stdout}");
    assert!(stdout.contains("temps=0"), "{stdout}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("Free some disk space"), "{stderr}");
    assert!(stdout.contains("freed-exit=0"), "{stdout}\n{stderr}");
    assert!(stdout.contains("second"), "{stdout}");
}

/// An export records itself in the vault only once the export file is written: when the
/// file cannot be created, or its directory cannot be synced, the vault stays as it was
/// and no temp file is left beside it.
#[test]
fn a_failed_export_leaves_the_vault_as_it_was() {
    const RECIPIENT: &str = "age1crw5nqypkghh0zzstxkkxjezh6jghua8lycrxgvtrrjmugpr2gqs9ed7g7";
    let tv = TestVault::new();
    tv.add_kraken("first").success();
    let before = tv.bytes();
    let missing_dir = tv.dir.path().join("no-such-dir").join("out.age");
    let out = tv
        .cmd()
        .args(["export", "-r", RECIPIENT, "-o"])
        .arg(&missing_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(tv.bytes(), before, "a failed export changed the vault");
    assert!(temp_files(tv.dir.path()).is_empty());

    let out = tv
        .cmd()
        .args(["export", "-r", RECIPIENT, "-o"])
        .arg(tv.dir.path().join("out.age"))
        .env("KEYCELLAR_FAULT", "eio@sync-directory")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("out.age was written"), "{stderr}");
    assert_eq!(tv.bytes(), before, "an unsynced export was recorded");
    assert!(temp_files(tv.dir.path()).is_empty());
    assert_eq!(tv.json(&["status"])["last_export"], serde_json::Value::Null);
}

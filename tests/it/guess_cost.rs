//! New passphrases against keycellar's guessing floor, from scripts: a passphrase file below
//! the floor is refused for a vault, an export and a paper sheet (nothing written), taken
//! with --allow-weak-passphrase (with a warning that says what it costs), and a generated
//! passphrase needs a terminal. The terminal side (offered back, shown once) is in pty.rs;
//! the arithmetic in the library's unit tests (src/passphrase/cost/tests.rs).

use crate::common::*;
use std::fs;

/// zxcvbn finds this in a few thousand guesses.
const WEAK: &str = "password1\n";

fn json_error(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stderr)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)))
}

#[test]
fn a_vault_passphrase_below_the_floor_is_refused_unless_allowed() {
    let tv = TestVault::empty();
    fs::write(&tv.pass_file, WEAK).unwrap();
    let refused = tv
        .cmd()
        .args(["--json", "init"])
        .args(FAST_KDF)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let error = json_error(&refused);
    assert_eq!(error["error"]["kind"], "weak_passphrase", "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("to guess"), "{message}");
    assert!(message.contains("floor of $1 million"), "{message}");
    assert!(!message.contains("password1"), "{message}");
    assert!(!tv.vault.exists());

    let allowed = tv
        .cmd()
        .args(["init", "--allow-weak-passphrase"])
        .args(FAST_KDF)
        .output()
        .unwrap();
    assert!(allowed.status.success());
    let stderr = String::from_utf8_lossy(&allowed.stderr);
    assert!(
        stderr.contains("accepted because of --allow-weak-passphrase"),
        "{stderr}"
    );
    assert!(tv.vault.exists());
}

#[test]
fn a_backup_passphrase_below_the_floor_writes_nothing() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let before = tv.bytes();
    let weak = tv.file("weak", WEAK);
    let export = tv.dir.path().join("k.age");
    let sheet = tv.dir.path().join("k.pdf");
    let attempts: [&[&str]; 2] = [
        &["export", "--passphrase", "-o", export.to_str().unwrap()],
        &["print", "-o", sheet.to_str().unwrap()],
    ];
    for args in attempts {
        let out = tv
            .cmd()
            .args(args)
            .arg("--backup-passphrase-file")
            .arg(&weak)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("too easy to guess"), "{stderr}");
        assert!(stderr.contains("scrypt"), "names the KDF: {stderr}");
        assert!(!export.exists() && !sheet.exists(), "{args:?} wrote a file");
        assert_eq!(tv.bytes(), before, "{args:?} changed the vault");
    }
    tv.cmd()
        .args(["export", "--passphrase", "--allow-weak-passphrase", "-o"])
        .arg(&export)
        .arg("--backup-passphrase-file")
        .arg(&weak)
        .assert()
        .success();
}

#[test]
fn passwd_refuses_a_weak_passphrase_and_can_raise_the_kdf() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let weak = tv.file("weak", WEAK);
    tv.cmd()
        .arg("passwd")
        .arg("--new-passphrase-file")
        .arg(&weak)
        .assert()
        .code(1);
    assert_eq!(tv.bytes(), before);
    let strong = tv.file("strong", "raised-Kdf-Vq3Lp8Zw2Nx7\n");
    tv.cmd()
        .args([
            "passwd",
            "--kdf-memory",
            "8",
            "--kdf-time",
            "2",
            "--kdf-parallelism",
            "1",
        ])
        .arg("--new-passphrase-file")
        .arg(&strong)
        .assert()
        .success();
    fs::copy(&strong, &tv.pass_file).unwrap();
    let status = tv.json(&["status"]);
    assert_eq!(status["kdf"][0]["memory_kib"], 8 * 1024, "{status}");
    assert_eq!(status["kdf"][0]["time"], 2, "{status}");
}

#[test]
fn generating_needs_a_terminal_and_goes_with_a_passphrase() {
    let tv = TestVault::empty();
    // setsid: no controlling terminal, even when the tests run in one.
    let out = std::process::Command::new("setsid")
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .arg("--vault")
        .arg(&tv.vault)
        .args(["init", "--generate-passphrase"])
        .args(FAST_KDF)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("there is no terminal"), "{stderr}");
    assert!(!tv.vault.exists());

    tv.bare().args(["init", "--words", "6"]).assert().code(2);
    let tv = TestVault::new();
    let export = tv.dir.path().join("x.age");
    tv.cmd()
        .args([
            "export",
            "-r",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
        ])
        .arg("-o")
        .arg(&export)
        .arg("--generate-passphrase")
        .assert()
        .code(2);
    assert!(!export.exists());
}

//! A newcomer's first hour (issue 20): input checked before the passphrase and the KDF,
//! shape checks that refuse, flags that would do nothing refused, errors in the user's
//! words, nouns that agree with their numbers, and a restored vault that counts as backed
//! up. (The terminal side, prompts and Ctrl-C, is in `tests/it/pty.rs`.)

use crate::common::*;
use predicates::prelude::*;
use serde_json::Value;

/// Runs `cmd` with `--json` and returns (exit code, error kind, message).
fn failure(mut cmd: assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&out.stderr)));
    let error = &doc["error"];
    (
        out.status.code().unwrap(),
        error["kind"].as_str().unwrap().to_string(),
        format!("{} {}", error["message"], error["hint"]),
    )
}

/// `keycellar --json ARGS` on `tv`'s vault with no passphrase source and no terminal: a
/// command that got as far as asking would fail with `no_terminal`.
fn without_passphrase(tv: &TestVault, args: &[&str]) -> (i32, String, String) {
    let mut cmd = tv.bare();
    cmd.arg("--json").args(args);
    failure(cmd)
}

#[test]
fn add_checks_everything_before_the_passphrase_is_asked() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let secret = tv.file("secret", KRAKEN_SECRET);
    let secret = secret.to_str().unwrap();
    let add = |key: &str, extra: &[&str]| {
        let mut args = vec!["add", "kbot", "--exchange", "kraken", "--key", key];
        args.extend(["--secret-file", secret]);
        args.extend(extra);
        without_passphrase(&tv, &args)
    };
    let (code, kind, message) = add("ABCDEF", &[]);
    assert_eq!((code, kind.as_str()), (1, "invalid_entry"), "{message}");
    assert!(
        message.contains("a Kraken public key is 56 base64 characters"),
        "{message}"
    );
    let (_, kind, message) = add(KRAKEN_KEY, &["--expires", "2020-01-31"]);
    assert_eq!(kind, "invalid_entry");
    assert!(
        message.contains("the expiry date 2020-01-31 is already past"),
        "{message}"
    );
    let (_, kind, message) = add(KRAKEN_KEY, &["--created", "2999-01-01"]);
    assert_eq!(kind, "invalid_entry");
    assert!(message.contains("is in the future"), "{message}");
    let (code, kind, message) = add(KRAKEN_KEY, &["--permission", "trade"]);
    assert_eq!((code, kind.as_str()), (2, "usage"));
    assert!(
        message.contains("known: query-funds, deposit-funds"),
        "{message}"
    );
    assert!(message.contains("--permission-other"), "{message}");
    assert_eq!(tv.bytes(), before, "nothing was written");

    // The same key with everything right goes in; a permission outside the list only
    // as --permission-other.
    tv.cmd()
        .args(["add", "kbot", "--exchange", "kraken", "--key", KRAKEN_KEY])
        .args(["--secret-file", secret, "--permission", "query-funds"])
        .args(["--permission-other", "new-kraken-permission"])
        .assert()
        .success();
    let shown = tv.json(&["show", "kbot"]);
    assert_eq!(shown["permissions"][1], "new-kraken-permission");
}

#[test]
fn edits_that_would_do_nothing_are_refused() {
    let tv = TestVault::new();
    tv.add_kraken("kbot").success();
    let before = tv.bytes();
    let (code, kind, message) = without_passphrase(
        &tv,
        &[
            "edit",
            "kbot",
            "--add-ip",
            "203.0.113.9",
            "--remove-ip",
            "203.0.113.9",
        ],
    );
    assert_eq!((code, kind.as_str()), (2, "usage"), "{message}");
    assert!(message.contains("both added and removed"), "{message}");
    let mut cmd = tv.cmd();
    cmd.args(["--json", "edit", "kbot", "--remove-ip", "198.51.100.1"]);
    let (code, kind, message) = failure(cmd);
    assert_eq!((code, kind.as_str()), (1, "bad_input"));
    assert!(
        message.contains("it has no IP \\\"198.51.100.1\\\" to remove"),
        "{message}"
    );
    assert!(message.contains("keycellar show"), "{message}");
    assert_eq!(tv.bytes(), before);
    TestVault::empty()
        .cmd()
        .args(["init", "--kdf-target-ms", "200", "--kdf-time", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn an_expired_key_is_never_shown_as_active() {
    let tv = TestVault::new();
    tv.add_kraken("kbot").success();
    tv.cmd()
        .args(["edit", "kbot", "--expires", "2021-06-30"])
        .assert()
        .success();
    assert_eq!(tv.json(&["list"])["entries"][0]["status"], "expired");
    assert_eq!(tv.json(&["status"])["entries"]["expired"], 1);
    tv.cmd()
        .arg("list")
        .assert()
        .stdout(predicate::str::contains("expired"))
        .stdout(predicate::str::contains("active").not());
}

#[test]
fn a_mistyped_label_gets_the_closest_ones() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    tv.cmd()
        .args(["show", "kraken-gird-bot"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "no entry labelled \"kraken-gird-bot\"; did you mean \"kraken-grid-bot\"?",
        ));
    tv.cmd()
        .args(["show", "okx"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("did you mean").not());
}

#[test]
fn messages_speak_of_the_file_not_of_the_library() {
    let tv = TestVault::new();
    let text = tv.file("note.txt", "not an image\n");
    tv.cmd()
        .args(["add", "kbot", "--qr"])
        .arg(&text)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is not an image keycellar reads (PNG or JPEG)",
        ))
        .stderr(predicate::str::contains("extension").not());
    tv.cmd()
        .args(["export", "-o"])
        .arg(tv.dir.path().join("x.age"))
        .args(["-r", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("it is not a whole SSH public key"))
        .stderr(predicate::str::contains("Invalid(").not());
    let (identity, recipient) = age_identity(tv.dir.path(), "id.txt");
    tv.add_kraken("kbot").success();
    let export = tv.dir.path().join("keys.age");
    tv.cmd()
        .args(["export", "-o"])
        .arg(&export)
        .args(["-r", &recipient])
        .assert()
        .success();
    let whole = std::fs::read(&export).unwrap();
    let cut = tv.dir.path().join("cut.age");
    std::fs::write(&cut, &whole[..100]).unwrap();
    TestVault::empty()
        .cmd()
        .args(["import", "--init"])
        .args(FAST_KDF)
        .arg(&cut)
        .arg("-i")
        .arg(&identity)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("is cut short"))
        .stderr(predicate::str::contains("fill whole buffer").not());
    tv.cmd()
        .args(["add", "--from-json"])
        .arg(tv.dir.path().join("missing.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Check the path."))
        .stderr(predicate::str::contains("disk space").not());

    // And the counts agree with their nouns.
    tv.cmd()
        .args(["verify", "--backup"])
        .arg(&export)
        .arg("-i")
        .arg(&identity)
        .assert()
        .success()
        .stdout(predicate::str::contains("exactly the vault's 1 entry."));
}

#[test]
fn a_vault_restored_from_a_backup_is_not_reported_as_never_backed_up() {
    let tv = TestVault::new();
    tv.add_kraken("kbot").success();
    let pass = tv.file("backup-pass", "backup-Tn5Vb7Kc3Hj1-passphrase\n");
    let export = tv.dir.path().join("keys.age");
    tv.cmd()
        .args(["export", "--passphrase", "-o"])
        .arg(&export)
        .arg("--backup-passphrase-file")
        .arg(&pass)
        .assert()
        .success();
    let restored = TestVault::empty();
    restored
        .cmd()
        .args(["import", "--init"])
        .args(FAST_KDF)
        .arg(&export)
        .arg("--backup-passphrase-file")
        .arg(&pass)
        .assert()
        .success();
    let findings = restored.cmd().args(["--json", "audit"]).output().unwrap();
    let findings: Value = serde_json::from_slice(&findings.stdout).unwrap();
    let rules: Vec<&str> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.iter().any(|r| r.contains("backup")), "{rules:?}");
    let status = restored.json(&["status"]);
    assert_eq!(
        status["last_export"]["recipients"][0],
        "(the backup this vault was restored from)"
    );
    // The rotate guard counts it as a backup of the key.
    let new_secret = restored.file("new-secret", &format!("{}==", "A".repeat(86)));
    restored
        .cmd()
        .args(["rotate", "kbot", "--key", &KRAKEN_KEY.replace('y', "z")])
        .arg("--secret-file")
        .arg(new_secret)
        .assert()
        .success();
}

/// The library's warnings state facts; the command line adds the flag for the one a flag
/// answers, in text and in the `--json` warnings document alike.
#[test]
fn a_warning_that_a_flag_answers_names_the_flag() {
    let tv = TestVault::new();
    let secret = tv.file("secret", "8a1b2c3d-1111-2222-3333-444455556666");
    let passphrase = tv.file("api-passphrase", "kucoin-api-passphrase\n");
    let said = "ku: no KuCoin key version given; most keys are 2 (--key-version)";
    for (label, json) in [("ku", false), ("ku-json", true)] {
        let mut add = tv.cmd();
        if json {
            add.arg("--json");
        }
        let out = add
            .args(["add", label, "--exchange", "kucoin"])
            .args(["--key", "0123456789abcdef01234567", "--secret-file"])
            .arg(&secret)
            .arg("--api-passphrase-file")
            .arg(&passphrase)
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let expected = said.replacen("ku:", &format!("{label}:"), 1);
        match json {
            false => assert!(stderr.contains(&format!("warning: {expected}")), "{stderr}"),
            true => {
                let document: Value = serde_json::from_str(&stderr).unwrap();
                assert!(
                    document["warnings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|w| w == &expected)
                );
            }
        }
    }
}

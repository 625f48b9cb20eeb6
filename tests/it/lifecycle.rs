//! Rotation with history, crash safety of a rotate, audit rules, and `exec`.

use crate::common::*;
use predicates::prelude::*;
use std::fs;

const NEW_KEY: &str = "Dkcg7Xxq1cT8QmKkzXq4p3mS2fJ0rN9wYbE6hLuVaZo5tGiR/+WdPnCj";

fn new_secret() -> String {
    KRAKEN_SECRET.replace('F', "G")
}

fn rotate_cmd(tv: &TestVault) -> assert_cmd::Command {
    let secret = tv.file("new-secret", &new_secret());
    let mut cmd = tv.cmd();
    cmd.args([
        "rotate",
        "kraken-grid-bot",
        "--key",
        NEW_KEY,
        "--reason",
        "scheduled",
    ])
    .arg("--secret-file")
    .arg(secret);
    cmd
}

fn export(tv: &TestVault) {
    let pass = tv.file("backup-pass", "backup-Tn5Vb7Kc3Hj1-passphrase\n");
    tv.cmd()
        .args([
            "export",
            "--force",
            "--passphrase",
            "--backup-passphrase-file",
        ])
        .arg(pass)
        .arg("-o")
        .arg(tv.dir.path().join("backup.age"))
        .assert()
        .success();
}

#[test]
fn rotate_needs_a_fresh_backup_then_keeps_both_keys_linked() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    tv.cmd()
        .args(["edit", "kraken-grid-bot", "--add-used-by", "gridbot"])
        .assert()
        .success();
    let before = tv.bytes();
    rotate_cmd(&tv)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("back up first"));
    assert_eq!(tv.bytes(), before);

    export(&tv);
    rotate_cmd(&tv)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Disable or delete the old key CJbfPw...I3y",
        ))
        .stdout(predicate::str::contains("gridbot"));
    let current = tv.json(&["show", "kraken-grid-bot"]);
    assert_eq!(current["api_key"], NEW_KEY);
    assert_eq!(current["used_by"][0], "gridbot");
    let history = tv.json(&["history", "kraken-grid-bot"]);
    let chain = history["history"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0]["status"], "active");
    assert_eq!(chain[1]["status"], "rotated");
    assert_eq!(chain[1]["reason"], "scheduled");
    assert_eq!(chain[1]["fingerprint"], "YP2B-D3HQ-448X-E7RS");
    tv.cmd().arg("verify").assert().success();
    let status = tv.json(&["status"]);
    assert_eq!(status["entries"]["rotated"], 1);
    assert_eq!(status["last_export"]["changed_since"], true);
}

#[test]
fn a_rotate_killed_at_any_step_leaves_the_old_or_the_new_vault() {
    for (step, expect_new) in SAVE_STEPS {
        let tv = TestVault::new();
        tv.add_kraken("kraken-grid-bot").success();
        export(&tv);
        let status = rotate_cmd(&tv)
            .env("KEYCELLAR_FAULT", format!("kill@{step}"))
            .assert()
            .failure()
            .get_output()
            .status;
        assert_eq!(status.code(), None, "{step}: keycellar was not killed");
        let list = tv.json(&["list"]);
        let entries = list["entries"].as_array().unwrap();
        assert_eq!(entries.len(), if expect_new { 2 } else { 1 }, "{step}");
        tv.cmd().arg("verify").assert().success();
        // The next change cleans up whatever the killed save left behind.
        tv.cmd()
            .args(["edit", "kraken-grid-bot", "--note", "after"])
            .assert()
            .success();
        let leftovers = fs::read_dir(tv.dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .count();
        assert_eq!(leftovers, 0, "{step}");
    }
}

/// A vault whose KDF settings clear every audit rule: 256 MiB (one pass keeps tests quick
/// and still prices four common words above the guessing floor).
fn strong_vault() -> TestVault {
    vault_with_memory("256")
}

fn vault_with_memory(mib: &str) -> TestVault {
    let tv = TestVault::empty();
    tv.cmd()
        .args([
            "init",
            "--kdf-memory",
            mib,
            "--kdf-time",
            "1",
            "--kdf-parallelism",
            "1",
        ])
        .assert()
        .success();
    tv
}

fn add(tv: &TestVault, label: &str, secret: &str, args: &[&str]) {
    let file = tv.file(&format!("{label}-secret"), secret);
    tv.cmd()
        .args(["add", label, "--exchange", "kraken", "--key", KRAKEN_KEY])
        .arg("--secret-file")
        .arg(file)
        .args(args)
        .assert()
        .success();
}

fn rules(tv: &TestVault) -> (Vec<String>, Option<i32>) {
    let out = tv.cmd().args(["--json", "audit"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    (rules, out.status.code())
}

#[test]
fn audit_is_quiet_on_a_clean_vault_and_each_rule_fires() {
    let tv = strong_vault();
    add(
        &tv,
        "clean",
        KRAKEN_SECRET,
        &["--permission", "query-funds", "--ip", "203.0.113.7"],
    );
    assert_eq!(rules(&tv).0, ["no-backup"]);
    export(&tv);
    assert_eq!(rules(&tv), (vec![], Some(0)));

    let soon = (time::OffsetDateTime::now_utc().date() + time::Duration::days(7)).to_string();
    let variant = |c: char| KRAKEN_SECRET.replace('F', &c.to_string());
    add(
        &tv,
        "old",
        &variant('A'),
        &["--created", "2020-01-01", "--ip", "203.0.113.7"],
    );
    add(
        &tv,
        "withdraws",
        &variant('B'),
        &["--permission", "withdraw-funds", "--ip", "203.0.113.7"],
    );
    add(
        &tv,
        "trades",
        &variant('C'),
        &["--permission", "modify-trades"],
    );
    // A new key cannot be added already expired; a stored one reaches its expiry later,
    // which `edit` stands in for here.
    add(&tv, "expired", &variant('D'), &["--ip", "203.0.113.7"]);
    tv.cmd()
        .args(["edit", "expired", "--expires", "2020-01-01"])
        .assert()
        .success();
    add(
        &tv,
        "expiring",
        &variant('E'),
        &["--expires", &soon, "--ip", "203.0.113.7"],
    );
    add(&tv, "retired", &variant('H'), &["--used-by", "oldbot"]);
    tv.cmd()
        .args(["edit", "retired", "--status", "revoked"])
        .assert()
        .success();
    let (found, code) = rules(&tv);
    for rule in [
        "key-age",
        "withdraw-permission",
        "no-ip-allowlist",
        "expired",
        "expiring",
        "retired-key-in-use",
        "duplicate-key",
        "stale-backup",
    ] {
        assert!(
            found.iter().any(|r| r == rule),
            "{rule} did not fire: {found:?}"
        );
    }
    assert_eq!(code, Some(8));

    // A stored fingerprint that no longer matches its key (only a damaged or tampered
    // vault has one; the library is used here to make it).
    let passphrase = keycellar::secret::Secret::new(PASSPHRASE.into());
    let mut vault = keycellar::vault::Vault::open_for_change(
        &tv.vault,
        &mut keycellar::vault::Passphrase(&passphrase),
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let first = vault.entries()[0].label().to_string();
    vault
        .damage_recorded_fingerprint(&first, "0000-0000-0000-0000".parse().unwrap())
        .unwrap();
    vault.save().unwrap();
    drop(vault);
    assert!(rules(&tv).0.iter().any(|r| r == "fingerprint-mismatch"));

    let weak = TestVault::new();
    assert!(rules(&weak).0.iter().any(|r| r == "weak-kdf"));
    // 64 MiB and one pass is the recommended memory, but four common words then cost
    // less than the floor to guess.
    let (cheap, _) = rules(&vault_with_memory("64"));
    assert!(cheap.iter().any(|r| r == "kdf-below-floor"), "{cheap:?}");
    assert!(!cheap.iter().any(|r| r == "weak-kdf"), "{cheap:?}");
}

#[test]
fn exec_hands_the_key_to_the_child_in_its_environment_only() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    let out = tv.dir.path();
    let script = format!(
        "printf %s \"$KRAKEN_API_SECRET\" > '{d}/secret'; printf %s \"$KRAKEN_API_KEY\" > '{d}/key'; \
         tr '\\0' ' ' < /proc/$$/cmdline > '{d}/child-argv'; tr '\\0' ' ' < /proc/$PPID/cmdline > '{d}/parent-argv'; exit 42",
        d = out.display()
    );
    tv.cmd()
        .args(["exec", "kraken-grid-bot", "--", "sh", "-c", &script])
        .assert()
        .code(42);
    assert_eq!(
        fs::read_to_string(out.join("secret")).unwrap(),
        KRAKEN_SECRET
    );
    assert_eq!(fs::read_to_string(out.join("key")).unwrap(), KRAKEN_KEY);
    for argv in ["child-argv", "parent-argv"] {
        let text = fs::read_to_string(out.join(argv)).unwrap();
        assert!(
            !text.is_empty() && !text.contains(&KRAKEN_SECRET[..20]),
            "{argv}: {text}"
        );
    }
    tv.cmd()
        .args([
            "exec",
            "kraken-grid-bot",
            "--env",
            "MY_SECRET=secret",
            "--",
            "sh",
            "-c",
        ])
        .arg("test -n \"$MY_SECRET\" && test -z \"$KRAKEN_API_SECRET\"")
        .assert()
        .success();
}

/// Backs up the entries `labels` name (all when empty) the way `kind` does.
fn back_up(tv: &TestVault, kind: &str, labels: &[&str]) {
    let pass = tv.file("backup-pass", "backup-Tn5Vb7Kc3Hj1-passphrase\n");
    let out = tv.dir.path().join(format!("{kind}.out"));
    let mut cmd = tv.cmd();
    match kind {
        "export" => cmd
            .args(["export", "--force", "--passphrase", "-o"])
            .arg(&out),
        "export-stdout" => cmd.args(["export", "--passphrase", "-o", "-"]),
        "print" => cmd.args(["print", "--force", "-o"]).arg(&out),
        "print-split" => cmd
            .args(["print", "--force", "--split", "2-of-3", "-o"])
            .arg(&out),
        _ => unreachable!("{kind}"),
    };
    if kind != "print-split" {
        cmd.arg("--backup-passphrase-file").arg(&pass);
    }
    cmd.args(labels).assert().success();
}

/// The labels of a list of entries in `status --json`.
fn labels_of(list: &serde_json::Value) -> Vec<&str> {
    let list = list.as_array().unwrap();
    list.iter().map(|e| e["label"].as_str().unwrap()).collect()
}

fn stale_labels(tv: &TestVault) -> Vec<String> {
    let out = tv.cmd().args(["--json", "audit"]).output().unwrap();
    let audit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = audit["findings"].as_array().unwrap();
    assert!(!findings.iter().any(|f| f["rule"] == "no-backup"));
    findings
        .iter()
        .filter(|f| f["rule"] == "stale-backup")
        .map(|f| f["label"].as_str().unwrap().to_string())
        .collect()
}

/// Every command that records a backup, given one label of three and then none: a backup
/// of some entries vouches for those only, so `status` and `audit` name the others however
/// recent the backup is, and a backup of all of them clears both.
#[test]
fn a_backup_of_some_entries_vouches_for_those_only() {
    for (kind, field) in [
        ("export", "last_export"),
        ("export-stdout", "last_export"),
        ("print", "last_print"),
        ("print-split", "last_print"),
    ] {
        let tv = TestVault::new();
        for (label, c) in [("bot1", 'A'), ("bot2", 'B'), ("bot3", 'C')] {
            add(&tv, label, &KRAKEN_SECRET.replace('F', &c.to_string()), &[]);
        }
        back_up(&tv, kind, &["bot2"]);
        let status = tv.json(&["status"]);
        assert_eq!(status[field]["changed_since"], true, "{kind}");
        assert_eq!(
            labels_of(&status[field]["missing"]),
            ["bot1", "bot3"],
            "{kind}"
        );
        assert_eq!(
            labels_of(&status["in_no_backup"]),
            ["bot1", "bot3"],
            "{kind}"
        );
        let text = tv.stdout(&["status"]);
        assert!(!text.contains("unchanged"), "{kind}: {text}");
        assert!(text.contains("holds 1 of 3 entries only"), "{kind}: {text}");
        assert!(
            text.contains("In no backup:      2 of 3 entries: bot1, bot3"),
            "{kind}: {text}"
        );
        assert_eq!(stale_labels(&tv), ["bot1", "bot3"], "{kind}");

        back_up(&tv, kind, &[]);
        let status = tv.json(&["status"]);
        assert_eq!(status[field]["changed_since"], false, "{kind}");
        assert_eq!(labels_of(&status[field]["missing"]), [""; 0], "{kind}");
        assert_eq!(labels_of(&status["in_no_backup"]), [""; 0], "{kind}");
        let text = tv.stdout(&["status"]);
        assert!(text.contains("vault unchanged since"), "{kind}: {text}");
        assert!(text.contains("In no backup:      none"), "{kind}: {text}");
        assert_eq!(stale_labels(&tv), [""; 0], "{kind}");

        // A backup of one entry after the full one: the other two are still backed up.
        back_up(&tv, kind, &["bot1"]);
        assert_eq!(labels_of(&tv.json(&["status"])["in_no_backup"]), [""; 0]);
        assert_eq!(stale_labels(&tv), [""; 0], "{kind}");
    }
}

/// A rotation whose public key or secret is that of the key the label holds now, or of one
/// it held before, is refused by name (every part against every key of the history), and
/// the vault is left as it was; a key new in both parts rotates.
#[test]
fn a_rotation_must_bring_a_new_public_key_and_a_new_secret() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    export(&tv);
    rotate_cmd(&tv).assert().success();
    let fresh_key = NEW_KEY.replace('D', "E");
    let fresh_secret = KRAKEN_SECRET.replace('F', "H");
    let cases = [
        (NEW_KEY, fresh_secret.clone(), "public key", "holds now"),
        (&fresh_key, new_secret(), "secret", "holds now"),
        (NEW_KEY, new_secret(), "public key", "holds now"),
        (KRAKEN_KEY, fresh_secret.clone(), "public key", "held until"),
        (
            &fresh_key,
            KRAKEN_SECRET.to_string(),
            "secret",
            "held until",
        ),
        (
            KRAKEN_KEY,
            KRAKEN_SECRET.to_string(),
            "public key",
            "held until",
        ),
    ];
    let attempt = |key: &str, secret: &str| {
        let file = tv.file("attempt-secret", secret);
        let mut cmd = tv.cmd();
        cmd.args(["--json", "rotate", "kraken-grid-bot", "--no-backup-check"])
            .args(["--key", key, "--secret-file"])
            .arg(file);
        cmd.output().unwrap()
    };
    let before = tv.bytes();
    for (key, secret, part, held) in &cases {
        let out = attempt(key, secret);
        let error: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
        let message = error["error"]["message"].as_str().unwrap();
        assert_eq!(out.status.code(), Some(1), "{part} {held}: {message}");
        assert_eq!(error["error"]["kind"], "bad_input");
        assert!(
            message.starts_with(&format!(
                "the new {part} is the one \"kraken-grid-bot\" {held}"
            )) && message.ends_with("nothing was rotated"),
            "{message}"
        );
        let hint = error["error"]["hint"].as_str().unwrap();
        assert!(
            hint.contains("--key") && hint.contains("--secret-file"),
            "{hint}"
        );
        assert_eq!(tv.bytes(), before, "{part} {held}");
    }
    assert!(attempt(&fresh_key, &fresh_secret).status.success());
    assert_eq!(
        tv.json(&["history", "kraken-grid-bot"])["history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

//! Faithful backups, case by case: a restore gives back every entry (also one key under two
//! labels) with every detail; a command that changes nothing writes nothing; rotate asks
//! for a backup of the entry it retires; a passphrase change leaves nothing beside the vault
//! that the old passphrase opens; links, pipes and devices are treated as what they are;
//! `exec` hands out only the current, active key; writers do not queue on the KDF; and
//! `status` shows a rollback.

use crate::common::*;
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Every file in `dir` with its bytes (the vault, its generations, its lock, backups).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.path(), fs::read(e.path()).unwrap()))
        .collect()
}

/// The entries of `list --json`, without the day count (which moves with the clock).
fn entries(tv: &TestVault) -> serde_json::Value {
    let mut list = tv.json(&["list"]);
    for entry in list["entries"].as_array_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("age_days");
    }
    list["entries"].take()
}

/// An age identity made by keycellar, and its recipient.
fn identity(tv: &TestVault) -> (PathBuf, String) {
    let key = tv.dir.path().join("backup-key.txt");
    let out = tv.cmd().args(["keygen", "-o"]).arg(&key).assert().success();
    let public = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    (key, public.trim().to_string())
}

fn export(tv: &TestVault, recipient: &str, labels: &[&str]) -> PathBuf {
    let out = tv
        .dir
        .path()
        .join(format!("export-{}.age", labels.join("-")));
    tv.cmd()
        .args(["export", "-o"])
        .arg(&out)
        .args(["-r", recipient])
        .args(labels)
        .assert()
        .success();
    out
}

/// A vault with one key under two labels, and another key with metadata.
fn vault_with_a_shared_key() -> TestVault {
    let tv = TestVault::new();
    tv.add_kraken("grid-bot").success();
    tv.add_kraken("grid-bot-spare")
        .success()
        .stderr(predicate::str::contains("same key is already stored"));
    let secret = tv.file("okx-secret", "0123456789ABCDEF0123456789ABCDEF");
    let pass = tv.file("okx-pass", "okx pass phrase");
    tv.cmd()
        .args(["add", "okx-tax", "--exchange", "okx"])
        .args(["--key", "0f3c2b1a-1111-4222-8333-944455556666"])
        .arg("--secret-file")
        .arg(secret)
        .arg("--api-passphrase-file")
        .arg(pass)
        .args([
            "--permission",
            "read",
            "--ip",
            "203.0.113.7",
            "--used-by",
            "koinly",
        ])
        .args(["--note", "tax tool", "--expires", "2099-01-31"])
        .assert()
        .success();
    tv.cmd()
        .args(["edit", "grid-bot-spare", "--status", "revoked"])
        .assert()
        .success();
    tv
}

#[test]
fn a_key_under_two_labels_survives_export_and_import() {
    let tv = vault_with_a_shared_key();
    let (key, recipient) = identity(&tv);
    let file = export(&tv, &recipient, &[]);
    let restored = TestVault::empty();
    restored
        .cmd()
        .args(["import", "--init"])
        .args(FAST_KDF)
        .arg(&file)
        .arg("-i")
        .arg(&key)
        .assert()
        .success();
    assert_eq!(entries(&restored), entries(&tv));
    assert_eq!(
        restored.json(&["list"])["vault_fingerprint"],
        tv.json(&["list"])["vault_fingerprint"]
    );
    tv.cmd()
        .args(["verify", "--backup"])
        .arg(&file)
        .arg("-i")
        .arg(&key)
        .assert()
        .success()
        .stdout(predicate::str::contains("exactly the vault's 3 entries"));
}

#[test]
fn verify_backup_names_entries_and_details_that_differ() {
    let tv = vault_with_a_shared_key();
    let (key, recipient) = identity(&tv);
    let file = export(&tv, &recipient, &[]);
    tv.cmd()
        .args(["edit", "okx-tax", "--add-ip", "198.51.100.9"])
        .assert()
        .success();
    tv.cmd()
        .args(["remove", "grid-bot-spare", "--yes"])
        .assert()
        .success();
    let out = tv
        .cmd()
        .args(["--json", "verify", "--backup"])
        .arg(&file)
        .arg("-i")
        .arg(&key)
        .assert()
        .code(4);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["extra"], serde_json::json!(["grid-bot-spare"]));
    assert_eq!(
        doc["changed"],
        serde_json::json!([{"label": "okx-tax", "fields": ["IP allow-list"]}])
    );
}

#[test]
fn commands_that_change_nothing_write_nothing() {
    let tv = vault_with_a_shared_key();
    let (key, recipient) = identity(&tv);
    let file = export(&tv, &recipient, &[]);
    // Two saves more, so that both generations exist and would move.
    tv.cmd()
        .args(["edit", "okx-tax", "--note", "n2"])
        .assert()
        .success();
    tv.cmd()
        .args(["edit", "okx-tax", "--note", "n3"])
        .assert()
        .success();
    let before = snapshot(tv.dir.path());
    tv.cmd()
        .args(["edit", "okx-tax", "--note", "n3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Nothing to change"));
    tv.cmd()
        .args(["edit", "okx-tax", "--add-ip", "203.0.113.7"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Nothing to change"));
    tv.cmd()
        .args(["import"])
        .arg(&file)
        .arg("-i")
        .arg(&key)
        .assert()
        .success()
        .stdout(predicate::str::contains("Nothing to import"));
    assert_eq!(snapshot(tv.dir.path()), before);
}

#[test]
fn rotate_asks_for_a_backup_of_the_entry_it_retires() {
    let tv = TestVault::new();
    tv.add_kraken("bot1").success();
    let secret = tv.file("other", "0123456789ABCDEF0123456789ABCDEF");
    tv.cmd()
        .args(["add", "bot2", "--exchange", "other", "--key", "k2"])
        .arg("--secret-file")
        .arg(&secret)
        .assert()
        .success();
    let (_, recipient) = identity(&tv);
    export(&tv, &recipient, &["bot1"]);
    let new_secret = tv.file("new", "FEDCBA9876543210FEDCBA9876543210");
    let rotate = |label: &str| {
        let mut cmd = tv.cmd();
        cmd.args(["rotate", label, "--key", "k3"])
            .arg("--secret-file")
            .arg(&new_secret);
        cmd
    };
    let before = snapshot(tv.dir.path());
    rotate("bot2")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "\"bot2\" is in no export or print",
        ));
    assert_eq!(snapshot(tv.dir.path()), before);
    export(&tv, &recipient, &["bot2"]);
    rotate("bot2").assert().success();
}

#[test]
fn passwd_leaves_nothing_beside_the_vault_that_the_old_passphrase_opens() {
    use keycellar::secret::Secret;
    use keycellar::vault::{Passphrase, Vault};
    let tv = TestVault::new();
    tv.add_kraken("a").success();
    tv.add_kraken("b").success();
    let new_pass = tv.file("new-pass", "brand-new-Wq7Zr4Nd8Lp2-passphrase\n");
    tv.cmd()
        .arg("passwd")
        .arg("--new-passphrase-file")
        .arg(&new_pass)
        .assert()
        .success();
    let old = Secret::new(PASSPHRASE.into());
    let new = Secret::new("brand-new-Wq7Zr4Nd8Lp2-passphrase".into());
    let files = [
        tv.vault.clone(),
        tv.dir.path().join("vault.kc.1"),
        tv.dir.path().join("vault.kc.2"),
    ];
    let counts: Vec<usize> = files
        .iter()
        .map(|file| {
            let bytes = fs::read(file).unwrap();
            let refused = Vault::from_bytes(file, &bytes, &mut Passphrase(&old)).unwrap_err();
            assert!(
                matches!(refused, keycellar::Error::WrongPassphrase { .. }),
                "{}: {refused}",
                file.display()
            );
            Vault::from_bytes(file, &bytes, &mut Passphrase(&new))
                .unwrap()
                .entries()
                .len()
        })
        .collect();
    // The generations keep what they held: the vault before passwd, and before that.
    assert_eq!(counts, [2, 2, 1]);
    fs::write(&tv.pass_file, "brand-new-Wq7Zr4Nd8Lp2-passphrase\n").unwrap();
    tv.add_kraken("c").success();
}

#[test]
fn a_vault_reached_through_a_link_is_saved_at_its_target() {
    let tv = TestVault::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let link = elsewhere.path().join("link.kc");
    std::os::unix::fs::symlink(&tv.vault, &link).unwrap();
    let through_link = |args: &[&str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("keycellar").unwrap();
        cmd.arg("--vault")
            .arg(&link)
            .arg("--passphrase-file")
            .arg(&tv.pass_file)
            .args(args);
        cmd
    };
    let secret = tv.file("s", KRAKEN_SECRET);
    through_link(&["add", "k", "--exchange", "kraken", "--key", KRAKEN_KEY])
        .arg("--secret-file")
        .arg(&secret)
        .assert()
        .success();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(tv.json(&["list"])["entries"].as_array().unwrap().len(), 1);
    assert!(tv.dir.path().join("vault.kc.1").exists());
    let stray: Vec<_> = fs::read_dir(elsewhere.path()).unwrap().flatten().collect();
    assert_eq!(
        stray.len(),
        1,
        "only the link is beside the link: {stray:?}"
    );
}

#[test]
fn outputs_are_never_devices_and_dash_is_stdout() {
    let tv = vault_with_a_shared_key();
    let (_, recipient) = identity(&tv);
    let fifo = tv.dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    tv.cmd()
        .args(["export", "--force", "-r", &recipient, "-o"])
        .arg(&fifo)
        .assert()
        .success();
    assert!(reader.join().unwrap().starts_with(b"age-encryption.org/v1"));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    use std::os::unix::fs::FileTypeExt;
    for command in [&["export", "-r", &recipient][..], &["print"][..]] {
        tv.cmd()
            .args(command)
            .args(["--force", "-o", "/dev/null"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("not a regular file"));
    }
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    let pdf = tv
        .cmd()
        .args(["print", "-o", "-", "--backup-passphrase-file"])
        .arg(&tv.pass_file)
        .assert()
        .success();
    assert!(pdf.get_output().stdout.starts_with(b"%PDF"));
    let identity = tv.cmd().args(["keygen", "-o", "-"]).assert().success();
    assert!(
        identity
            .get_output()
            .stdout
            .windows(15)
            .any(|w| w == b"AGE-SECRET-KEY-")
    );
    let dash = std::env::current_dir().unwrap().join("-");
    assert!(!dash.exists() && !tv.dir.path().join("-").exists());
}

#[test]
fn exec_hands_out_only_the_current_active_key() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let exec = |extra: &[&str]| {
        let mut cmd = tv.cmd();
        cmd.args(["exec", "bot"]).args(extra).args([
            "--",
            "sh",
            "-c",
            "test -n \"$KRAKEN_API_SECRET\"",
        ]);
        cmd
    };
    exec(&[]).assert().success();
    tv.cmd()
        .args(["edit", "bot", "--status", "revoked"])
        .assert()
        .success();
    exec(&[])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("revoked"));
    exec(&["--allow-inactive"]).assert().success();
    tv.cmd()
        .args([
            "edit",
            "bot",
            "--status",
            "active",
            "--expires",
            "2001-01-01",
        ])
        .assert()
        .success();
    exec(&[])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired"));
    // A label whose current key is gone: the key rotated out of it is refused for its status
    // (naming --allow-inactive, which the entry needs), and handed out only with that flag.
    tv.cmd()
        .args(["edit", "bot", "--expires", "none"])
        .assert()
        .success();
    let new_secret = tv.file("new", &KRAKEN_SECRET.replace('F', "G"));
    let new_key = KRAKEN_KEY.replace('y', "z");
    tv.cmd()
        .args(["rotate", "bot", "--no-backup-check", "--key", &new_key])
        .arg("--secret-file")
        .arg(&new_secret)
        .assert()
        .success();
    tv.cmd().args(["remove", "bot", "--yes"]).assert().success();
    exec(&[]).assert().code(1).stderr(
        predicate::str::contains("is rotated").and(predicate::str::contains("--allow-inactive")),
    );
    exec(&["--allow-inactive"]).assert().success();
}

/// Four writers, five adds each, at m=64 MiB. Each derivation takes about 0.4 s here, so
/// writers that took the lock before deriving would wait over a second for each other; the
/// timeout is 1 s (stricter than the default 5 s), and none may give up.
#[test]
fn writers_do_not_queue_on_the_kdf() {
    let tv = TestVault::empty();
    tv.cmd()
        .args([
            "init",
            "--kdf-memory",
            "64",
            "--kdf-time",
            "10",
            "--kdf-parallelism",
            "1",
        ])
        .assert()
        .success();
    let secret = tv.file("s", KRAKEN_SECRET);
    std::thread::scope(|scope| {
        for w in 0..4 {
            let (tv, secret) = (&tv, &secret);
            scope.spawn(move || {
                for i in 0..5 {
                    tv.cmd()
                        .args(["--lock-timeout", "1"])
                        .args(["add", &format!("w{w}-{i}"), "--exchange", "kraken"])
                        .args(["--key", KRAKEN_KEY, "--secret-file"])
                        .arg(secret)
                        .assert()
                        .success();
                }
            });
        }
    });
    assert_eq!(tv.json(&["list"])["entries"].as_array().unwrap().len(), 20);
}

#[test]
fn status_shows_a_rollback() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    tv.cmd()
        .args(["edit", "bot", "--status", "revoked"])
        .assert()
        .success();
    let now = tv.json(&["status"]);
    // An older copy put back: the same key, so the same vault fingerprint, but not the
    // same state.
    fs::copy(tv.dir.path().join("vault.kc.1"), &tv.vault).unwrap();
    let rolled_back = tv.json(&["status"]);
    assert_eq!(now["vault_fingerprint"], rolled_back["vault_fingerprint"]);
    assert_ne!(now["state_code"], rolled_back["state_code"]);
    assert!(now["generation"].as_u64() > rolled_back["generation"].as_u64());
}

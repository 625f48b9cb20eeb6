//! Exports and imports through real peers: Debian's `age` and `ssh-keygen` (installed by
//! .ci/run) decrypt what keycellar writes, and keycellar reads what `age` writes.

use crate::common::*;
use predicates::prelude::*;
use rexpect::session::spawn_command;
use std::fs;
use std::process::Command;

/// A vault with a Kraken and an OKX entry.
fn two_entry_vault() -> TestVault {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    let secret = tv.file("okx-secret", "0123456789ABCDEF0123456789ABCDEF");
    let pass = tv.file("okx-pass", "okx api pass");
    tv.cmd()
        .args(["add", "okx-tax", "--exchange", "okx"])
        .args(["--key", "5f6b2a52-7c39-4d8e-9b8a-1c2d3e4f5a6b"])
        .arg("--secret-file")
        .arg(secret)
        .arg("--api-passphrase-file")
        .arg(pass)
        .assert()
        .success();
    tv
}

fn secrets_in(json: &[u8]) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(json).unwrap();
    assert_eq!(doc["keycellar_export"], 1);
    doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["label"].as_str().unwrap().into(),
                e["secret"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn an_x25519_export_opens_with_the_age_cli_and_holds_exactly_the_chosen_secrets() {
    let tv = two_entry_vault();
    let (key, public) = age_identity(tv.dir.path(), "age-key.txt");
    let out = tv.dir.path().join("kraken.age");
    tv.cmd()
        .args(["export", "-o"])
        .arg(&out)
        .args(["-r", &public, "kraken-grid-bot"])
        .assert()
        .success();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let plain = run(tool("age").arg("-d").arg("-i").arg(&key).arg(&out));
    assert_eq!(
        secrets_in(&plain),
        [("kraken-grid-bot".to_string(), KRAKEN_SECRET.to_string())]
    );
    // The vault recorded the export: when, of what, to whom.
    let vault = keycellar::vault::Vault::open(
        &tv.vault,
        &mut keycellar::vault::Passphrase(&keycellar::secret::Secret::new(PASSPHRASE.into())),
    )
    .unwrap();
    let record = &vault.backups()[0];
    assert_eq!(
        record.kind,
        keycellar::vault::backup_log::BackupKind::Export
    );
    assert_eq!(record.recipients, [public]);
    assert_eq!(record.entries, ["YP2B-D3HQ-448X-E7RS".parse().unwrap()]);
    assert_eq!(record.vault_fingerprint, vault.fingerprint());
}

#[test]
fn an_ssh_ed25519_export_opens_with_the_age_cli() {
    let tv = two_entry_vault();
    let id = tv.dir.path().join("id_ed25519");
    run(tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&id));
    let public = fs::read_to_string(id.with_extension("pub")).unwrap();
    let out = tv.dir.path().join("all.age");
    tv.cmd()
        .args(["export", "--armor", "-o"])
        .arg(&out)
        .args(["-r", public.trim()])
        .assert()
        .success();
    assert!(
        fs::read_to_string(&out)
            .unwrap()
            .starts_with("-----BEGIN AGE ENCRYPTED FILE-----")
    );
    let plain = run(tool("age").arg("-d").arg("-i").arg(&id).arg(&out));
    let secrets = secrets_in(&plain);
    assert_eq!(secrets.len(), 2);
    assert_eq!(
        secrets[1],
        ("okx-tax".into(), "0123456789ABCDEF0123456789ABCDEF".into())
    );
    tv.cmd()
        .args(["verify", "--backup"])
        .arg(&out)
        .arg("-i")
        .arg(&id)
        .assert()
        .success();
}

#[test]
fn a_passphrase_export_opens_with_the_age_cli_at_its_prompt() {
    let tv = two_entry_vault();
    let backup_pass = tv.file("backup-pass", "backup-Tn5Vb7Kc3Hj1-passphrase\n");
    let out = tv.dir.path().join("pass.age");
    tv.cmd()
        .args(["export", "--passphrase", "--backup-passphrase-file"])
        .arg(&backup_pass)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let plain_path = tv.dir.path().join("plain.json");
    tool("age");
    let mut age = Command::new("age");
    age.arg("-d").arg("-o").arg(&plain_path).arg(&out);
    let mut session = spawn_command(age, Some(60_000)).unwrap();
    session.exp_string("passphrase").unwrap();
    session.send_line("backup-Tn5Vb7Kc3Hj1-passphrase").unwrap();
    session.exp_eof().unwrap();
    assert_eq!(secrets_in(&fs::read(&plain_path).unwrap()).len(), 2);
}

#[test]
fn a_hand_written_document_encrypted_by_age_imports() {
    let tv = TestVault::new();
    let (key, public) = age_identity(tv.dir.path(), "age-key.txt");
    let doc = tv.file(
        "hand.json",
        &format!(
            r#"{{"keycellar_export": 1, "entries": [{{"label": "typed-in", "exchange": "kraken",
                "api_key": "{KRAKEN_KEY}", "secret": "{KRAKEN_SECRET}",
                "permissions": ["query-funds"]}}]}}"#
        ),
    );
    let encrypted = tv.dir.path().join("hand.age");
    run(tool("age")
        .args(["-e", "-r", &public, "-o"])
        .arg(&encrypted)
        .arg(&doc));
    tv.cmd()
        .arg("import")
        .arg(&encrypted)
        .arg("-i")
        .arg(&key)
        .assert()
        .success();
    let shown = tv.json(&["show", "typed-in"]);
    assert_eq!(shown["fingerprint"], "YP2B-D3HQ-448X-E7RS");

    let bad = tv.file(
        "bad.json",
        r#"{"keycellar_export": 1, "entries": [{"label": "x", "exchange": "kraken", "api_key": "k", "secret": "s", "permisions": []}]}"#,
    );
    let bad_age = tv.dir.path().join("bad.age");
    run(tool("age")
        .args(["-e", "-r", &public, "-o"])
        .arg(&bad_age)
        .arg(&bad));
    tv.cmd()
        .arg("import")
        .arg(&bad_age)
        .arg("-i")
        .arg(&key)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("entries[0]"));
}

#[test]
fn restore_on_a_new_machine_gives_the_same_vault_fingerprint() {
    let old = two_entry_vault();
    let (key, public) = age_identity(old.dir.path(), "age-key.txt");
    let export = old.dir.path().join("keys.age");
    old.cmd()
        .arg("export")
        .arg("-o")
        .arg(&export)
        .args(["-r", &public])
        .assert()
        .success();
    let original = old.stdout(&["fingerprint"]);

    let home = tempfile::tempdir().unwrap();
    let keycellar = || {
        let mut cmd = assert_cmd::Command::cargo_bin("keycellar").unwrap();
        cmd.env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var("PATH").unwrap())
            .arg("--passphrase-file")
            .arg(&old.pass_file);
        cmd
    };
    keycellar()
        .args(["import", "--init"])
        .arg(&export)
        .arg("-i")
        .arg(&key)
        .args(FAST_KDF)
        .assert()
        .success();
    let restored = keycellar().arg("fingerprint").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&restored.get_output().stdout),
        original
    );
    assert!(home.path().join(".local/share/keycellar/vault.kc").exists());
}

#[test]
fn failures_are_classified_and_change_nothing() {
    let tv = two_entry_vault();
    let (key, public) = age_identity(tv.dir.path(), "age-key.txt");
    let other = tempfile::tempdir().unwrap();
    let (wrong_key, _) = age_identity(other.path(), "age-key.txt");
    let export = tv.dir.path().join("keys.age");
    tv.cmd()
        .arg("export")
        .arg("-o")
        .arg(&export)
        .args(["-r", &public])
        .assert()
        .success();
    let before = tv.bytes();

    tv.cmd()
        .arg("import")
        .arg(&export)
        .arg("-i")
        .arg(&wrong_key)
        .assert()
        .code(3);

    let mut damaged = fs::read(&export).unwrap();
    let at = damaged.len() - 20;
    damaged[at] ^= 0x01;
    let damaged_path = tv.file("damaged.age", "");
    fs::write(&damaged_path, &damaged).unwrap();
    tv.cmd()
        .arg("import")
        .arg(&damaged_path)
        .arg("-i")
        .arg(&key)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("damaged"));

    // A different key under an existing label.
    let other_vault = TestVault::new();
    let secret = other_vault.file("s", &KRAKEN_SECRET.replace('F', "G"));
    other_vault
        .cmd()
        .args([
            "add",
            "okx-tax",
            "--exchange",
            "kraken",
            "--key",
            KRAKEN_KEY,
        ])
        .arg("--secret-file")
        .arg(&secret)
        .assert()
        .success();
    let conflicting = other_vault.dir.path().join("conflict.age");
    other_vault
        .cmd()
        .arg("export")
        .arg("-o")
        .arg(&conflicting)
        .args(["-r", &public])
        .assert()
        .success();
    tv.cmd()
        .arg("import")
        .arg(&conflicting)
        .arg("-i")
        .arg(&key)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("okx-tax"));
    tv.cmd()
        .args(["import", "--dry-run", "--on-conflict", "rename"])
        .arg(&conflicting)
        .arg("-i")
        .arg(&key)
        .assert()
        .success()
        .stdout(predicate::str::contains("okx-tax-imported"));
    assert_eq!(
        tv.bytes(),
        before,
        "a refused import or a dry run changed the vault"
    );

    // The vault gains an entry the backup lacks.
    let secret = tv.file("s3", &KRAKEN_SECRET.replace('F', "H"));
    tv.cmd()
        .args([
            "add",
            "new-key",
            "--exchange",
            "kraken",
            "--key",
            KRAKEN_KEY,
        ])
        .arg("--secret-file")
        .arg(&secret)
        .assert()
        .success();
    tv.cmd()
        .args(["verify", "--backup"])
        .arg(&export)
        .arg("-i")
        .arg(&key)
        .assert()
        .code(4)
        .stdout(predicate::str::contains("MISSING from the backup"))
        .stdout(predicate::str::contains("new-key"));
}

/// A file given to import or verify --backup that is not age at all is said to be so (with
/// what it looks like, and for a PDF how to restore a printed sheet), never called a
/// damaged or cut-short backup; a damaged age file is still called damaged.
#[test]
fn a_file_that_is_not_age_is_named_for_what_it_is() {
    let tv = two_entry_vault();
    let (key, public) = age_identity(tv.dir.path(), "age-key.txt");
    let export = tv.dir.path().join("keys.age");
    tv.cmd()
        .args(["export", "-r", &public, "-o"])
        .arg(&export)
        .assert()
        .success();
    let plain = tv.dir.path().join("plain.json");
    run(tool("age")
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg("-o")
        .arg(&plain)
        .arg(&export));
    let cases = [
        ("hello.age", b"hello\n".to_vec(), "it is plain text"),
        (
            ".env",
            b"KRAKEN_API_KEY=abc\nKRAKEN_API_SECRET=xyz\n".to_vec(),
            "plain text",
        ),
        (
            "sheet.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec(),
            "it is a PDF",
        ),
        ("empty.age", Vec::new(), "it is empty"),
        (
            "plain.json",
            fs::read(&plain).unwrap(),
            "JSON text, not encrypted",
        ),
        ("vault.kc", tv.bytes(), "it is a keycellar vault"),
    ];
    for (name, bytes, what) in cases {
        let path = tv.dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        for command in [&["import"][..], &["verify", "--backup"]] {
            let out = tv
                .cmd()
                .arg("--json")
                .args(command)
                .arg(&path)
                .arg("-i")
                .arg(&key)
                .output()
                .unwrap();
            let doc: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
            let message = doc["error"]["message"].as_str().unwrap();
            assert_eq!(out.status.code(), Some(5), "{name}: {message}");
            assert_eq!(doc["error"]["kind"], "damaged_backup", "{name}");
            assert!(
                message.contains("is not an age file") && message.contains(what),
                "{name}: {message}"
            );
            let hint = doc["error"]["hint"].as_str().unwrap();
            if name.ends_with(".pdf") {
                assert!(
                    hint.contains("pdftoppm -r 300") && hint.contains("restore"),
                    "{hint}"
                );
            }
        }
    }
    // A damaged age file is damage, as before.
    let mut damaged = fs::read(&export).unwrap();
    damaged[3] ^= 0x20;
    let damaged_path = tv.dir.path().join("damaged.age");
    fs::write(&damaged_path, damaged).unwrap();
    tv.cmd()
        .arg("import")
        .arg(&damaged_path)
        .arg("-i")
        .arg(&key)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("not an age file").not());
}

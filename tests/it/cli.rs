//! The commands of the vault core, driven through the real binary without a terminal.

use crate::common::*;
use predicates::prelude::*;
use std::fs;

#[test]
fn init_add_list_show_verify_edit_remove_passwd_round_trip() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot")
        .success()
        .stdout(predicate::str::contains("CJbfPw...I3y"));
    let okx_secret = tv.file("okx-secret", "0123456789ABCDEF0123456789ABCDEF\n");
    let okx_pass = tv.file("okx-pass", "My okx pass phrase\n");
    tv.cmd()
        .args(["add", "okx-tax", "--exchange", "okx"])
        .args(["--key", "5f6b2a52-7c39-4d8e-9b8a-1c2d3e4f5a6b"])
        .arg("--secret-file")
        .arg(&okx_secret)
        .arg("--api-passphrase-file")
        .arg(&okx_pass)
        .assert()
        .success();

    let list = tv.json(&["list"]);
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["masked_key"], "CJbfPw...I3y");
    let listed = tv.stdout(&["list"]);
    assert!(listed.contains("kraken-grid-bot") && listed.contains("okx-tax"));
    assert!(!listed.contains(KRAKEN_SECRET));

    let shown = tv.stdout(&["show", "kraken-grid-bot"]);
    assert!(
        !shown.contains(KRAKEN_SECRET),
        "show without --reveal printed the secret"
    );
    let revealed = tv.stdout(&["show", "kraken-grid-bot", "--reveal"]);
    assert!(revealed.contains(KRAKEN_SECRET));

    let fp = entries[0]["fingerprint"].as_str().unwrap().to_string();
    tv.cmd().arg("verify").assert().success();
    let typed = fp.to_lowercase().replace('-', "");
    tv.cmd()
        .args(["verify", "kraken-grid-bot", "--fingerprint", &typed])
        .assert()
        .success();
    tv.cmd()
        .args(["verify", "kraken-grid-bot", "--key", KRAKEN_KEY])
        .assert()
        .success();

    tv.cmd()
        .args([
            "edit",
            "okx-tax",
            "--rename",
            "okx-taxes",
            "--add-ip",
            "203.0.113.7",
        ])
        .args(["--add-used-by", "koinly", "--note", "read only"])
        .assert()
        .success();
    let shown = tv.json(&["show", "okx-taxes"]);
    assert_eq!(shown["ip_allowlist"][0], "203.0.113.7");
    assert_eq!(shown["used_by"][0], "koinly");

    tv.cmd()
        .args(["remove", "okx-taxes", "--yes"])
        .assert()
        .success();
    tv.cmd()
        .args(["show", "okx-taxes"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("no entry labelled"));

    let new_pass = tv.file("new-pass", "a much longer new passphrase\n");
    tv.cmd()
        .arg("passwd")
        .arg("--new-passphrase-file")
        .arg(&new_pass)
        .assert()
        .success();
    tv.cmd().arg("list").assert().code(3);
    tv.bare()
        .arg("--passphrase-file")
        .arg(&new_pass)
        .args(["fingerprint", "kraken-grid-bot"])
        .assert()
        .success()
        .stdout(format!("{fp}\n"));
}

fn flip_and_expect(offset_from: impl Fn(usize, usize) -> usize, expect: &str) {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let mut bytes = tv.bytes();
    let header_len = u32::from_be_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let at = offset_from(header_len, bytes.len());
    bytes[at] ^= 0x10;
    fs::write(&tv.vault, &bytes).unwrap();
    tv.cmd()
        .arg("list")
        .assert()
        .code(5)
        .stderr(predicate::str::contains(expect));
    assert_eq!(tv.bytes(), bytes, "a failed command changed the file");
}

#[test]
fn a_flipped_header_byte_is_reported_damaged_with_exit_5() {
    flip_and_expect(|header_len, _| header_len / 2, "damaged: header");
}

#[test]
fn a_flipped_payload_byte_is_reported_damaged_with_exit_5() {
    flip_and_expect(|header_len, _| header_len + 5, "damaged: payload");
}

#[test]
fn a_truncated_file_is_reported_with_exit_5() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let bytes = tv.bytes();
    fs::write(&tv.vault, &bytes[..bytes.len() - 40]).unwrap();
    tv.cmd()
        .arg("list")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("truncated"));
}

#[test]
fn an_invalid_kraken_secret_is_refused_without_printing_it() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let bad = &KRAKEN_SECRET[..86];
    let secret = tv.file("bad", bad);
    let assert = tv
        .cmd()
        .args(["add", "k", "--exchange", "kraken", "--key", KRAKEN_KEY])
        .arg("--secret-file")
        .arg(&secret)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("base64"));
    let out = assert.get_output();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(&bad[..20]), "the secret leaked: {all}");
    assert_eq!(tv.bytes(), before);
}

#[test]
fn every_file_written_is_0600_under_umask_000_and_022() {
    use std::os::unix::fs::PermissionsExt;
    for umask in ["000", "022"] {
        let tv = TestVault::empty();
        let secret = tv.file("s", KRAKEN_SECRET);
        let bin = assert_cmd::cargo::cargo_bin("keycellar");
        // The last add is killed once its new file has a temp name, which is left behind.
        let script = format!(
            "umask {umask}; kc() {{ '{k}' --vault '{v}' --passphrase-file '{p}' \"$@\"; }}; \
             kc init {kdf} && kc add k --exchange kraken --key {key} --secret-file '{s}' && \
             kc edit k --note n && kc keygen -o '{d}/identity.txt' && \
             r=$(grep -o 'age1[a-z0-9]*' '{d}/identity.txt') && \
             kc export -o '{d}/keys.age' -r \"$r\" && kc print -o '{d}/paper.pdf' -r \"$r\" && \
             KEYCELLAR_FAULT=kill@vault-rename kc add k2 --exchange kraken --key {key} \
             --secret-file '{s}'; test $? -ge 128",
            v = tv.vault.display(),
            p = tv.pass_file.display(),
            k = bin.display(),
            d = tv.dir.path().display(),
            kdf = FAST_KDF.join(" "),
            key = KRAKEN_KEY,
            s = secret.display(),
        );
        let out = sh(&script);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut checked = Vec::new();
        for entry in fs::read_dir(tv.dir.path()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if ["pass", "s"].contains(&name.as_str()) {
                continue;
            }
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "umask {umask}: {name} is {mode:o}");
            checked.push(if name.contains(".tmp.") {
                "temp".into()
            } else if name.ends_with(".pending") {
                "pending generation".into()
            } else {
                name
            });
        }
        checked.sort();
        assert_eq!(
            checked,
            [
                "identity.txt",
                "keys.age",
                "paper.pdf",
                "pending generation",
                "pending generation",
                "temp",
                "vault.kc",
                "vault.kc.1",
                "vault.kc.2",
                "vault.kc.lock"
            ],
            "umask {umask}"
        );
    }
}

#[test]
fn kraken_uri_from_stdin_and_bulk_json_are_all_or_nothing() {
    let tv = TestVault::new();
    tv.cmd()
        .args(["add", "from-qr", "--kraken-uri-file", "-"])
        .write_stdin(format!(
            "kraken://apikey?key={KRAKEN_KEY}&secret={KRAKEN_SECRET}\n"
        ))
        .assert()
        .success();
    let list = tv.json(&["list"]);
    assert_eq!(list["entries"][0]["api_key"], KRAKEN_KEY);
    tv.add_kraken("twin")
        .success()
        .stderr(predicate::str::contains("already stored as \"from-qr\""));
    let before = tv.bytes();
    let json = format!(
        r#"[{{"label":"a","exchange":"kraken","api_key":"{KRAKEN_KEY}","secret":"{KRAKEN_SECRET}"}},
            {{"label":"b","exchange":"kraken","api_key":"{KRAKEN_KEY}","secret":"tooShort=="}}]"#
    );
    tv.cmd()
        .args(["add", "--from-json", "-"])
        .write_stdin(json.clone())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\"b\""));
    assert_eq!(tv.bytes(), before, "a refused bulk add changed the vault");
    let fixed = json.replace("tooShort==", KRAKEN_SECRET);
    tv.cmd()
        .args(["add", "--from-json", "-"])
        .write_stdin(fixed)
        .assert()
        .success();
    assert_eq!(tv.json(&["list"])["entries"].as_array().unwrap().len(), 4);
}

#[test]
fn a_stale_temp_file_is_removed_by_the_next_change() {
    let tv = TestVault::new();
    let stale = tv.dir.path().join(".vault.kc.tmp.killed");
    fs::write(&stale, b"left by a killed save").unwrap();
    tv.add_kraken("k").success();
    assert!(!stale.exists());
}

#[test]
fn core_dumps_are_off_and_the_process_is_not_dumpable() {
    let tv = TestVault::empty();
    let out = tv.bare().arg("hygiene-check").assert().success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["dumpable"], false);
    assert_eq!(report["core_limit"], 0);
}

#[test]
fn the_passphrase_can_come_from_a_file_descriptor() {
    let tv = TestVault::new();
    let bin = assert_cmd::cargo::cargo_bin("keycellar");
    let script = format!(
        "'{}' --vault '{}' --passphrase-fd 3 --json list 3< '{}'",
        bin.display(),
        tv.vault.display(),
        tv.pass_file.display()
    );
    let out = sh(&script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list["entries"].as_array().unwrap().is_empty());
    // A descriptor that is not open is a clear error, not a prompt. (Closed explicitly: the
    // test binary may hold descriptors that a child would otherwise inherit.)
    let script = script.replace(" 3< ", " 3<&- 4< ");
    let out = sh(&script);
    assert_ne!(out.status.code(), Some(0));
}

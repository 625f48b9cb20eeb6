//! Golden fixtures made by earlier versions must keep opening with the same fingerprints.

use crate::common;

use crate::common::TestVault;
use std::fs;

const PASSPHRASE: &str = "keycellar-fixture-v1";
const VAULT_FINGERPRINT: &str = "FAGW-ZBN7-XBSE-2C32";
const ENTRIES: [(&str, &str); 4] = [
    ("kraken-grid-bot", "YP2B-D3HQ-448X-E7RS"),
    ("okx-tax", "CYE4-C33R-9PJ0-CDFY"),
    ("binance-tracker", "C8Q5-8P5C-RTD9-S496"),
    ("kucoin-bot", "HPVZ-TYWJ-APKN-AKBK"),
];

/// A private copy of the fixture, so that no test can change the committed file.
fn copy_of_v1() -> TestVault {
    let tv = TestVault::empty();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vault-v1.kc");
    fs::copy(fixture, &tv.vault).unwrap();
    fs::write(&tv.pass_file, format!("{PASSPHRASE}\n")).unwrap();
    tv
}

#[test]
fn the_v1_fixture_opens_with_its_recorded_fingerprints() {
    let tv = copy_of_v1();
    let list = tv.json(&["list"]);
    assert_eq!(list["vault_fingerprint"], VAULT_FINGERPRINT);
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), ENTRIES.len());
    for ((label, fp), entry) in ENTRIES.iter().zip(entries) {
        assert_eq!(entry["label"], *label);
        assert_eq!(entry["fingerprint"], *fp);
    }
    let verified = tv.json(&["verify"]);
    for result in verified["results"].as_array().unwrap() {
        assert_eq!(result["ok"], true, "{result}");
    }
    let okx = tv.json(&["show", "okx-tax", "--reveal"]);
    assert_eq!(okx["api_passphrase"], "Fixture OKX passphrase");
}

#[test]
fn the_v1_fixture_accepts_changes_and_keeps_its_entries() {
    let tv = copy_of_v1();
    tv.cmd()
        .args(["edit", "okx-tax", "--note", "still here"])
        .assert()
        .success();
    let list = tv.json(&["list"]);
    assert_eq!(list["vault_fingerprint"], VAULT_FINGERPRINT);
    let original = fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vault-v1.kc")).unwrap();
    assert_eq!(fs::read(tv.vault.with_extension("kc.1")).unwrap(), original);
}

/// Restores a fixture sheet from its scans and from its typed text, checking that the
/// whole fixture vault comes back.
fn restore_fixture_sheet(dir: &str, pages: usize, sheet_passphrase: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let scans: Vec<_> = (1..=pages)
        .map(|n| dir.join(format!("scan{n}.png")))
        .collect();
    let restore = |source: &[&str], files: &[std::path::PathBuf]| {
        let tv = TestVault::empty();
        let sheet_pass = tv.file("sheet-pass", &format!("{sheet_passphrase}\n"));
        tv.cmd()
            .args(["restore", "--init"])
            .args(common::FAST_KDF)
            .arg("--backup-passphrase-file")
            .arg(sheet_pass)
            .args(source)
            .args(files)
            .assert()
            .success();
        let list = tv.json(&["list"]);
        assert_eq!(list["vault_fingerprint"], VAULT_FINGERPRINT, "{source:?}");
        let labels: Vec<&str> = list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ENTRIES.map(|(label, _)| label));
        list
    };
    restore(&["--image"], &scans);
    let typed = restore(&["--text"], &[dir.join("typed.txt")]);
    assert_eq!(typed["entries"][0]["permissions"][2], "withdraw-funds");
}

/// The KC1 paper sheet printed from the fixture: every later paper format must keep
/// reading it.
#[test]
fn the_kc1_sheet_restores_from_its_scans_and_its_typed_text() {
    restore_fixture_sheet("fixtures/sheet-v1", 6, "keycellar-fixture-sheet-v1");
}

/// The KC2 paper sheet printed from the fixture, details included.
#[test]
fn the_kc2_sheet_restores_from_its_scans_and_its_typed_text() {
    restore_fixture_sheet("fixtures/sheet-v2", 5, "keycellar-fixture-sheet-v2");
}

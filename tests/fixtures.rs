//! Golden fixtures made by earlier versions must keep opening with the same fingerprints.

mod common;

use common::TestVault;
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

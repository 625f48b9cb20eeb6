//! Secret hygiene of the library's types: `Debug` of everything that holds a secret (an
//! opened vault's contents, its entries, an imported export, new entries from JSON, the
//! secret holder itself, errors) shows none of the fixture's secrets.

use crate::common::FIXTURE_SECRETS;
use keycellar::backup::export;
use keycellar::credential::entry::NewEntry;
use keycellar::secret::Secret;
use keycellar::vault::{Passphrase, Vault};
use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn assert_redacted(what: &str, debug: String) {
    for secret in FIXTURE_SECRETS {
        assert!(
            !debug.contains(secret),
            "Debug of {what} shows {secret:.6}..."
        );
    }
}

#[test]
fn debug_of_every_secret_holding_type_shows_no_secret() {
    let path = root().join("fixtures/vault-v1.kc");
    let passphrase = Secret::new("keycellar-fixture-v1".into());
    let vault = Vault::from_bytes(
        &path,
        &fs::read(&path).unwrap(),
        &mut Passphrase(&passphrase),
    )
    .unwrap();
    // The secrets are really there, so the checks below can fail.
    assert_eq!(vault.entries()[0].secret().expose(), FIXTURE_SECRETS[0]);
    assert_redacted("Vault", format!("{vault:?}"));
    assert_redacted("Entry", format!("{:#?}", vault.entries()));
    assert_redacted(
        "Secret",
        format!("{:?}", Secret::new(FIXTURE_SECRETS[2].into())),
    );
    assert_eq!(format!("{passphrase:?}"), "Secret([redacted])");

    let document = fs::read(root().join("fuzz/seeds/export_doc/fixture-export.json")).unwrap();
    let imported = export::parse(&document).unwrap();
    assert_eq!(imported.entries.len(), 4);
    assert_redacted("Imported", format!("{imported:?}"));

    let entries: Vec<serde_json::Value> = serde_json::from_slice::<serde_json::Value>(&document)
        .unwrap()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut e = e.clone();
            let object = e.as_object_mut().unwrap();
            object.retain(|k, _| {
                ["label", "exchange", "api_key", "secret", "api_passphrase"].contains(&k.as_str())
            });
            e
        })
        .collect();
    let json = serde_json::to_string(&entries).unwrap();
    let new_entries = NewEntry::list_from_json(&json).unwrap();
    assert_eq!(new_entries.len(), 4);
    assert_redacted("NewEntry", format!("{new_entries:?}"));

    let wrong = Vault::from_bytes(
        &path,
        &fs::read(&path).unwrap(),
        &mut Passphrase(&Secret::new("x".into())),
    );
    assert_redacted("Error", format!("{:?}", wrong.err().unwrap()));
}

use super::*;
use crate::error::{BackupError, VaultError};

/// The parser with its problems named as the callers name them.
fn parse(plaintext: &[u8], name: &str) -> Result<Imported> {
    super::parse(plaintext).map_err(|e| e.at(name))
}

const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

fn doc(extra: &str) -> String {
    format!(
        r#"{{"keycellar_export": 1, "entries": [
            {{"label": "k", "exchange": "kraken", "api_key": "{KEY}", "secret": "{SECRET}"{extra}}}
        ]}}"#
    )
}

#[test]
fn a_minimal_hand_written_document_imports_with_computed_fingerprints() {
    let imported = parse(doc("").as_bytes(), "hand.json").unwrap();
    assert_eq!(imported.entries.len(), 1);
    assert_eq!(
        imported.entries[0].fingerprint.to_string(),
        "YP2B-D3HQ-448X-E7RS"
    );
    assert_eq!(
        imported.entries[0].status,
        crate::credential::entry::Status::Active
    );
}

#[test]
fn a_recorded_fingerprint_that_does_not_match_is_a_mismatch() {
    let ok = parse(
        doc(r#", "fingerprint": "yp2b-d3hq-448x-e7rs""#).as_bytes(),
        "d",
    );
    assert!(ok.is_ok());
    let bad = parse(
        doc(r#", "fingerprint": "0000-0000-0000-0000""#).as_bytes(),
        "d",
    );
    assert!(
        matches!(bad, Err(Error::Backup(BackupError::BackupAltered { problems, .. }))
            if matches!(&problems[..], [Altered::Entry { recorded, .. }] if recorded == "0000-0000-0000-0000"))
    );
}

#[test]
fn schema_errors_name_the_json_path_and_versions_are_checked() {
    let err = parse(doc(r#", "permissions": "query-funds""#).as_bytes(), "d").unwrap_err();
    assert!(err.to_string().contains("entries[0].permissions"), "{err}");
    let newer = r#"{"keycellar_export": 2, "entries": []}"#;
    assert!(matches!(
        parse(newer.as_bytes(), "d"),
        Err(Error::Vault(VaultError::UnsupportedVersion {
            found: 2,
            ..
        }))
    ));
    let foreign = r#"{"something": "else"}"#;
    assert!(
        parse(foreign.as_bytes(), "d")
            .unwrap_err()
            .to_string()
            .contains("keycellar_export")
    );
}

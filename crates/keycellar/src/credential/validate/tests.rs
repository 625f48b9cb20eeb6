use super::*;
use crate::credential::entry::NewEntry;
use crate::error::EntryError;

pub(crate) const KRAKEN_KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
pub(crate) const KRAKEN_SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

fn entry(exchange: Exchange, key: &str, secret: &str) -> Entry {
    crate::credential::entry::sample("label", exchange, key, secret)
}

#[test]
fn the_kraken_documentation_pair_is_clean() {
    let report = check(&entry(Exchange::Kraken, KRAKEN_KEY, KRAKEN_SECRET));
    assert_eq!(report, Report::default());
}

#[test]
fn a_kraken_secret_of_the_wrong_length_is_refused_without_echoing_it() {
    let short = &KRAKEN_SECRET[..84];
    let report = check(&entry(Exchange::Kraken, KRAKEN_KEY, short));
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert!(!report.errors[0].to_string().contains(&short[..10]));
    let not_base64 = KRAKEN_SECRET.replace('+', "-");
    let report = check(&entry(Exchange::Kraken, KRAKEN_KEY, &not_base64));
    assert!(
        report.errors[0].to_string().contains("not valid base64"),
        "{report:?}"
    );
    assert!(!report.errors[0].to_string().contains(&not_base64[..10]));
}

#[test]
fn passphrase_exchanges_require_one() {
    let e = entry(
        Exchange::Okx,
        "5f6b2a52-7c39-4d8e-9b8a-1c2d3e4f5a6b",
        "0123456789ABCDEF0123456789ABCDEF",
    );
    assert_eq!(check(&e).errors.len(), 1);
    let mut with = e.clone();
    with.api_passphrase = Some(Secret::new("hunter2".into()));
    assert_eq!(check(&with), Report::default());
}

#[test]
fn ip_allowlist_entries_must_parse() {
    let mut e = entry(Exchange::Kraken, KRAKEN_KEY, KRAKEN_SECRET);
    e.ip_allowlist = vec!["203.0.113.7".into(), "2001:db8::/32".into()];
    assert!(check(&e).errors.is_empty());
    e.ip_allowlist = vec!["203.0.113.7/33".into()];
    assert_eq!(check(&e).errors.len(), 1);
}

#[test]
fn normalize_trims_and_unescapes_pem() {
    let mut e = entry(
        Exchange::Kraken,
        &format!(" {KRAKEN_KEY}\n"),
        &format!("{KRAKEN_SECRET}\n"),
    );
    normalize(&mut e);
    assert_eq!(e.api_key, KRAKEN_KEY);
    assert_eq!(e.secret.expose(), KRAKEN_SECRET);
    let mut pem = entry(
        Exchange::Coinbase,
        "k",
        "-----BEGIN EC PRIVATE KEY-----\\nAAAA\\n-----END EC PRIVATE KEY-----\\n",
    );
    normalize(&mut pem);
    assert_eq!(pem.secret.expose().lines().count(), 3);
}

#[test]
fn coinbase_key_forms_share_a_canonical_key() {
    let uuid = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b";
    let long = format!("organizations/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/apiKeys/{uuid}");
    assert_eq!(
        canonical_api_key(Exchange::Coinbase, &long),
        canonical_api_key(Exchange::Coinbase, &uuid.to_uppercase())
    );
}

#[test]
fn ids_and_rotation_links_are_uuids_in_one_form_or_refused() {
    let mut e = entry(Exchange::Kraken, KRAKEN_KEY, KRAKEN_SECRET).with_fingerprint(None);
    e.id = "{6F2D1C0E-4B3A-4A59-8E7D-1F2E3D4C5B6A}".into();
    e.lineage.supersedes = Some("urn:uuid:0f3c2b1a-1111-4222-8333-944455556666".into());
    let admitted = admit(e.clone()).unwrap().entry;
    assert_eq!(admitted.id(), "6f2d1c0e-4b3a-4a59-8e7d-1f2e3d4c5b6a");
    assert_eq!(
        admitted.lineage().supersedes.as_deref(),
        Some("0f3c2b1a-1111-4222-8333-944455556666")
    );
    for (id, link) in [
        ("\u{1b}]0;pwned\u{7}", None),
        ("../../etc/x", None),
        ("", None),
        ("6f2d1c0e-4b3a-4a59-8e7d-1f2e3d4c5b6a", Some("a/b")),
    ] {
        let mut bad = e.clone();
        bad.id = id.into();
        bad.lineage.replaced_by = link.map(String::from);
        let Err(Error::Entry(EntryError::Invalid { problems, .. })) = admit(bad) else {
            panic!("{id:?} {link:?} was admitted");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().contains("UUID"), "{problems:?}");
        assert!(
            !problems[0].to_string().contains(id) || id.is_empty(),
            "{problems:?}"
        );
    }
}

/// Messages about a refused entry document quote what serde repeats, and withhold what
/// looks like a secret (the JSON reader lives in `source`).
#[test]
fn values_serde_repeats_are_quoted_and_secrets_withheld() {
    const SECRET: &str = "9F3A6C1D8E2B4F7A0C5D9E1B3A6F8C2D";
    let message = |json: String| {
        NewEntry::list_from_json(&json)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let base = r#""label":"a","api_key":"k","secret":"s""#;
    for (json, expected) in [
        (
            format!(r#"{{{base},"exchange":"{SECRET}"}}"#),
            "unknown variant (a value that looks like a secret key",
        ),
        (
            format!(r#"{{{base},"exchange":"kraken","used_by":"{SECRET}"}}"#),
            "invalid type: string (a value that looks like a secret key",
        ),
        (
            format!(r#"{{{base},"exchange":"kraken","{SECRET}":1}}"#),
            "unknown field (a value that looks like a secret key",
        ),
        (
            format!(r#"{{{base},"exchange":"kraken","expires":"{SECRET}"}}"#),
            "(a value that looks like a secret key; not repeated here) is not a date",
        ),
        (
            format!(r#"[{{{base},"exchange":"kraken\u001b[2J"}}]"#),
            r#"unknown variant "kraken\u{1b}[2J", expected one of"#,
        ),
    ] {
        let shown = message(json);
        assert!(shown.contains(expected), "{shown}");
        assert!(
            !shown.contains(&SECRET[..12]) && !shown.contains('\u{1b}'),
            "{shown}"
        );
    }
}

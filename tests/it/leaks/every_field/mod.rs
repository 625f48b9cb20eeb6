//! Secrets seeded into every field of an `add --from-json` document and of an imported
//! export document, in each shape a mistake gives them: as the value, inside a list, as a
//! key of an object, and as a field name. Each document fails (an unknown field after the
//! seeded one stops the parse; a bad IP address in the entry stops the checks of one that
//! parses), and neither its message nor its `--json` error may show any piece of a secret:
//! every value that reaches a message goes through `untrusted::quoted`.

use super::*;

/// Where a secret goes in a document.
#[derive(Clone, Copy)]
enum Shape {
    Value,
    InList,
    ObjectKey,
}

fn shaped(shape: Shape, secret: &str) -> String {
    match shape {
        Shape::Value => format!("{secret:?}"),
        Shape::InList => format!("[{secret:?}]"),
        Shape::ObjectKey => format!("{{{secret:?}: 1}}"),
    }
}

/// `fields` (name, JSON value) as a JSON object, with the seeded `(name, value)` in place
/// of that field (an empty name adds a field named by the value instead), and `tail` (more
/// fields, or nothing) at the end.
fn object(fields: &[(&str, String)], seeded: Option<(&str, &str)>, tail: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(("", value)) = seeded {
        parts.push(format!("{value}: 1"));
    }
    for (field, normal) in fields {
        match seeded {
            Some((name, value)) if name == *field => parts.push(format!("{field:?}: {value}")),
            _ => parts.push(format!("{field:?}: {normal}")),
        }
    }
    if !tail.is_empty() {
        parts.push(tail.to_string());
    }
    format!("{{{}}}", parts.join(", "))
}

/// The fields of an entry, each with a value that passes; the IP address is the one bad
/// value, so that every document that parses fails its checks.
fn entry_fields(with_import_fields: bool) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("label", r#""seeded""#.to_string()),
        ("exchange", r#""kraken""#.into()),
        ("api_key", format!("{KRAKEN_KEY:?}")),
        ("secret", format!("{KRAKEN_SECRET:?}")),
        ("api_passphrase", r#""pass""#.into()),
        ("otp_seed", r#""JBSWY3DPEHPK3PXP""#.into()),
        ("key_version", r#""2""#.into()),
        ("account_ref", r#""AA00 N84G""#.into()),
        ("permissions", r#"["query-funds"]"#.into()),
        ("ip_allowlist", r#"["999.0.0.1"]"#.into()),
        ("expires", r#""2099-01-01""#.into()),
        ("created", r#""2026-01-01""#.into()),
        ("notes", r#""n""#.into()),
        ("used_by", r#"["bot"]"#.into()),
    ];
    if with_import_fields {
        fields.extend([
            (
                "id",
                r#""6f2d1c0e-4b3a-4a59-8e7d-1f2e3d4c5b6a""#.to_string(),
            ),
            ("added_at", r#""2026-01-01T00:00:00Z""#.into()),
            ("status", r#""active""#.into()),
            ("fingerprint", r#""YP2B-D3HQ-448X-E7RS""#.into()),
            (
                "lineage",
                r#"{"supersedes": "0f3c2b1a-1111-4222-8333-944455556666", "reason": "r"}"#.into(),
            ),
        ]);
    }
    fields
}

/// Every (field, value) a secret is seeded as, for `fields`.
fn seeded<'a>(fields: &'a [(&'a str, String)], secret: &str) -> Vec<(&'a str, String)> {
    let mut cases = vec![("", format!("{secret:?}"))];
    for (name, _) in fields {
        for shape in [Shape::Value, Shape::InList, Shape::ObjectKey] {
            cases.push((name, shaped(shape, secret)));
        }
    }
    cases
}

/// After the seeded field: an unknown field (the parse stops there, if not before), or
/// nothing (the document parses when the seeded value fits, and its checks run).
const TAILS: [&str; 2] = [r#""unknown_after": true"#, ""];

#[test]
fn secrets_in_every_field_of_a_document_are_never_repeated() {
    let s = Seeded::new();
    let secrets = [OKX_SECRET, KRAKEN_SECRET, s.secrets[5].as_str()];
    let fields = entry_fields(false);
    let mut runs = 0;
    for (n, (name, value)) in seeded(&fields, "SECRET").into_iter().enumerate() {
        let value = value.replace("SECRET", secrets[n % secrets.len()]);
        for tail in TAILS {
            let document = object(&fields, Some((name, &value)), tail);
            let path = s.tv.file("input-entries.json", &document);
            for json in [false, true] {
                let code = s.run(&["add", "--from-json", path.to_str().unwrap()], json, false);
                assert_ne!(code, 0, "{document}");
                runs += 1;
            }
        }
    }
    assert!(runs >= 150, "only {runs} runs");
}

#[test]
fn secrets_in_every_field_of_an_import_are_never_repeated() {
    let s = Seeded::new();
    let recipient: age::x25519::Recipient = s.recipient.parse().unwrap();
    let id = s.identity.display().to_string();
    let secrets = [OKX_SECRET, KRAKEN_SECRET, s.secrets[5].as_str()];
    let entry = entry_fields(true);
    let top = |entries: String| -> Vec<(&'static str, String)> {
        vec![
            ("keycellar_export", "1".to_string()),
            ("created_at", r#""2026-01-01T00:00:00Z""#.into()),
            ("keycellar_version", r#""0.1.0""#.into()),
            ("vault_id", r#""00112233445566778899aabbccddeeff""#.into()),
            ("vault_fingerprint", r#""YP2B-D3HQ-448X-E7RS""#.into()),
            ("entries_fingerprint", r#""YP2B-D3HQ-448X-E7RS""#.into()),
            ("entries", entries),
        ]
    };
    let write = |document: &str| {
        let file = s.tv.dir.path().join("input-export.age");
        fs::write(
            &file,
            age::encrypt(&recipient, document.as_bytes()).unwrap(),
        )
        .unwrap();
        file.display().to_string()
    };
    let mut runs = 0;
    // In an entry: every document fails.
    for (n, (name, value)) in seeded(&entry, "SECRET").into_iter().enumerate() {
        let value = value.replace("SECRET", secrets[n % secrets.len()]);
        for tail in TAILS {
            let seeded_entry = object(&entry, Some((name, &value)), tail);
            let document = object(&top(format!("[{seeded_entry}]")), None, "");
            let file = write(&document);
            for json in [false, true] {
                let args = ["import", &file, "-i", &id, "--dry-run"];
                assert_ne!(s.run(&args, json, false), 0, "{document}");
                runs += 1;
            }
        }
    }
    // At the top, beside a valid entry: some documents import (a dry run); their messages
    // and warnings are checked all the same.
    let valid_entry = object(&entry, Some(("ip_allowlist", r#"["203.0.113.7"]"#)), "");
    let fields = top(format!("[{valid_entry}]"));
    for (n, (name, value)) in seeded(&fields, "SECRET").into_iter().enumerate() {
        let value = value.replace("SECRET", secrets[n % secrets.len()]);
        let file = write(&object(&fields, Some((name, &value)), ""));
        for json in [false, true] {
            s.run(&["import", &file, "-i", &id, "--dry-run"], json, true);
            runs += 1;
        }
    }
    assert!(runs >= 200, "only {runs} runs");
}

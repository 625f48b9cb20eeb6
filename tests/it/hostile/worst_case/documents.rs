//! JSON documents built to cost the reader most: nesting as deep as the text allows, more
//! entries than one command adds, and one label repeated by every entry of a backup.

use super::*;

/// `document` encrypted by the stock `age` to `recipient`, as anyone who knows it can do.
fn encrypted(tv: &TestVault, name: &str, document: &str, recipient: &str) -> String {
    let plain = tv.file(&format!("{name}.json"), document);
    let path = tv.dir.path().join(name);
    run(tool("age")
        .args(["-r", recipient, "-o"])
        .arg(&path)
        .arg(&plain));
    path.display().to_string()
}

fn kraken_entry(label: &str, secret_seed: u32) -> String {
    use base64::Engine;
    let mut secret = [0u8; 64];
    secret[..4].copy_from_slice(&secret_seed.to_be_bytes());
    let secret = base64::engine::general_purpose::STANDARD.encode(secret);
    format!(
        r#"{{"label":"{label}","exchange":"kraken","api_key":"{KRAKEN_KEY}","secret":"{secret}"}}"#
    )
}

#[test]
fn nesting_as_deep_as_the_text_allows_is_refused_at_once() {
    let (tv, id, recipient) = vault_with_identity();
    let deep = format!("{}{}", "[".repeat(1 << 20), "]".repeat(1 << 20));
    let entries = tv.file("deep.json", &deep);
    let export = encrypted(
        &tv,
        "deep.age",
        &format!(r#"{{"keycellar_export": 1, "entries": {deep}}}"#),
        &recipient,
    );
    for args in [
        &["add", "--from-json", entries.to_str().unwrap()][..],
        &["import", &export, "-i", &id, "--dry-run"],
    ] {
        let (code, kind, message) = refused(&tv, args);
        assert_eq!(
            (code, kind.as_str()),
            (1, "bad_input"),
            "{args:?}: {message}"
        );
        assert!(message.len() < 500, "{message}");
    }
}

#[test]
fn more_entries_than_one_add_takes_are_refused_before_any_is_checked() {
    // 100,001 entries: before the bound, each was searched for among all the others.
    let tv = TestVault::new();
    let entries: Vec<String> = (0..100_001)
        .map(|n| kraken_entry(&format!("bot-{n}"), n))
        .collect();
    let document = format!("[{}]", entries.join(","));
    let entries = tv.file("many.json", &document);
    let (code, kind, message) = refused(&tv, &["add", "--from-json", entries.to_str().unwrap()]);
    assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
    assert!(message.contains("100001 entries"), "{message}");
}

#[test]
fn one_label_repeated_by_every_entry_of_a_backup_is_named_once() {
    let (tv, id, recipient) = vault_with_identity();
    let entries: Vec<String> = (0..20_000).map(|n| kraken_entry("same", n)).collect();
    let export = encrypted(
        &tv,
        "conflicts.age",
        &format!(
            r#"{{"keycellar_export": 1, "entries": [{}]}}"#,
            entries.join(",")
        ),
        &recipient,
    );
    let (code, kind, message) = refused(&tv, &["import", &export, "-i", &id]);
    assert_eq!((code, kind.as_str()), (1, "conflict"), "{message}");
    assert!(
        message.contains(r#""same" (19999 entries in all)"#) && message.len() < 500,
        "{message}"
    );
}

#[test]
fn an_imported_id_is_a_uuid_or_the_entry_is_refused() {
    // An id with terminal escapes or a path was shown raw by `show` and put into the name of
    // exec's run-lock file.
    let (tv, id, recipient) = vault_with_identity();
    let entry = |id: &str, link: &str| {
        let entry = kraken_entry("imported", 7);
        let (id, link) = (serde_json::json!(id), serde_json::json!(link));
        let extra = format!(r#""id": {id}, "lineage": {{"supersedes": {link}}}}}"#);
        format!(
            r#"{{"keycellar_export": 1, "entries": [{}, {extra}]}}"#,
            &entry[..entry.len() - 1]
        )
    };
    let uuid = "6F2D1C0E-4B3A-4A59-8E7D-1F2E3D4C5B6A";
    for (name, document) in [
        ("escapes.age", entry("\u{1b}]0;pwned\u{7}", uuid)),
        ("path.age", entry("../../run-lock", uuid)),
        ("link.age", entry(uuid, "/tmp/x")),
    ] {
        let export = encrypted(&tv, name, &document, &recipient);
        let (code, kind, message) = refused(&tv, &["import", &export, "-i", &id]);
        assert_eq!((code, kind.as_str()), (1, "invalid_entry"), "{message}");
        assert!(
            message.contains("not a UUID") || message.contains("not the UUID"),
            "{message}"
        );
        assert!(
            !message.contains('\u{1b}') && !message.contains("../"),
            "{message}"
        );
    }
    // Any written form of a UUID is taken, and stored in the one form (the link names
    // another entry: one naming its own entry is refused since the library admits imports).
    let other = "{0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}";
    let export = encrypted(&tv, "upper.age", &entry(uuid, other), &recipient);
    tv.cmd()
        .args(["import", &export, "-i", &id])
        .assert()
        .success();
    let shown = tv.json(&["show", "imported"]);
    assert_eq!(shown["id"], uuid.to_lowercase());
    assert_eq!(
        shown["lineage"]["supersedes"],
        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    );
}

use super::*;
use crate::credential::exchange::Exchange;
use crate::error::BackupError;

fn entry(label: &str, fp: u8) -> Entry {
    let mut e = crate::credential::entry::sample(label, Exchange::Other, "k", "s");
    e.id = format!("id-{label}-{fp}");
    e.fingerprint = Fingerprint::repeated(fp);
    e
}

fn labels(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.label.as_str()).collect()
}

#[test]
fn entries_already_present_are_skipped_and_new_ones_added() {
    let existing = vec![entry("a", 1)];
    let incoming = vec![entry("a", 1), entry("b", 2)];
    let actions = plan(&existing, incoming, OnConflict::Refuse).unwrap();
    assert!(matches!(&actions[0], Action::Skip { reason, .. } if reason.contains("identical")));
    let mut entries = existing.clone();
    assert_eq!(apply(&mut entries, &actions), 1);
    assert_eq!(labels(&entries), ["a", "b"]);
}

#[test]
fn a_key_under_a_second_label_is_kept_not_dropped() {
    // The bug this guards against: a backup holding one key under two labels restored
    // only the first.
    let incoming = vec![entry("a", 1), entry("a-too", 1)];
    let actions = plan(&[], incoming, OnConflict::Refuse).unwrap();
    let mut entries = Vec::new();
    assert_eq!(apply(&mut entries, &actions), 2);
    assert_eq!(labels(&entries), ["a", "a-too"]);
    assert!(matches!(&actions[1], Action::Add { twin: Some(t), .. } if t == "a"));
    // Into a vault that has the key under another label: kept, and said.
    let actions = plan(&[entry("x", 1)], vec![entry("a", 1)], OnConflict::Refuse).unwrap();
    assert!(matches!(&actions[0], Action::Add { twin: Some(t), .. } if t == "x"));
}

#[test]
fn a_present_entry_with_other_details_is_skipped_naming_them() {
    let mut newer = entry("a", 1);
    newer.permissions = vec!["query-funds".into()];
    let actions = plan(&[newer], vec![entry("a", 1)], OnConflict::Refuse).unwrap();
    assert!(
        matches!(&actions[0], Action::Skip { reason, .. } if reason.contains("permissions")),
        "{actions:?}"
    );
}

#[test]
fn label_conflicts_follow_the_policy() {
    let existing = vec![entry("a", 1), entry("a-imported", 9)];
    let incoming = || vec![entry("a", 2)];
    let refused = plan(&existing, incoming(), OnConflict::Refuse).unwrap_err();
    assert!(matches!(refused, Error::Backup(BackupError::Conflict { labels }) if labels == ["a"]));

    let mut skipped = existing.clone();
    apply(
        &mut skipped,
        &plan(&existing, incoming(), OnConflict::Skip).unwrap(),
    );
    assert_eq!(skipped.len(), 2);

    let mut replaced = existing.clone();
    apply(
        &mut replaced,
        &plan(&existing, incoming(), OnConflict::Replace).unwrap(),
    );
    assert_eq!(labels(&replaced), ["a-imported", "a"]);
    assert_eq!(replaced[1].fingerprint, Fingerprint::repeated(2));

    let mut renamed = existing.clone();
    apply(
        &mut renamed,
        &plan(&existing, incoming(), OnConflict::Rename).unwrap(),
    );
    assert_eq!(labels(&renamed), ["a", "a-imported", "a-imported-2"]);
}

#[test]
fn comparison_names_missing_extra_and_different() {
    let vault = vec![entry("a", 1), entry("b", 2), entry("c", 3)];
    let backup = vec![entry("a", 1), entry("b", 4), entry("d", 5)];
    let result = compare(&vault, &backup, Read::Everything);
    assert_eq!(result.same, ["a"]);
    assert_eq!(result.different, ["b"]);
    assert_eq!(result.missing, ["c"]);
    assert_eq!(result.extra, ["d"]);
    assert!(!result.matches());
    assert!(compare(&vault, &vault, Read::Everything).matches());
}

#[test]
fn comparison_counts_entries_and_names_changed_details() {
    let vault = vec![entry("a", 1), entry("a-too", 1)];
    let only_one = vec![entry("a", 1)];
    let result = compare(&vault, &only_one, Read::Everything);
    assert_eq!(result.missing, ["a-too"]);
    assert!(!result.matches());
    let mut revoked = entry("a", 1);
    revoked.status = crate::credential::entry::Status::Revoked;
    let result = compare(&[revoked], &only_one, Read::Everything);
    assert_eq!(
        result.changed,
        [("a".to_string(), vec!["status".to_string()])]
    );
    assert!(
        result.summary().contains("a: status differ"),
        "{}",
        result.summary()
    );
}

/// A sheet read without its details block gives back credentials only: what it does not
/// hold is not compared, and what it holds still is.
#[test]
fn a_comparison_of_credentials_only_names_only_what_was_read() {
    let mut stored = entry("a", 1);
    stored.status = crate::credential::entry::Status::Revoked;
    stored.permissions = vec!["trade".into()];
    let read = entry("a", 1);
    let result = compare(
        std::slice::from_ref(&stored),
        std::slice::from_ref(&read),
        Read::Credentials,
    );
    assert!(result.matches() && !result.details_checked, "{result:?}");
    let full = compare(
        std::slice::from_ref(&stored),
        std::slice::from_ref(&read),
        Read::Everything,
    );
    assert!(!full.matches() && full.details_checked);
    let mut other_version = read;
    other_version.key_version = Some("3".into());
    let result = compare(&[stored], &[other_version], Read::Credentials);
    assert_eq!(
        result.changed,
        [("a".to_string(), vec!["key version".to_string()])]
    );
}

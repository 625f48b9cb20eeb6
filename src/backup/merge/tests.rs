use super::*;
use crate::credential::exchange::Exchange;

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
fn same_keys_are_skipped_and_new_ones_added() {
    let existing = vec![entry("a", 1)];
    let incoming = vec![entry("a-copy", 1), entry("b", 2)];
    let actions = plan(&existing, incoming, OnConflict::Refuse).unwrap();
    assert!(matches!(&actions[0], Action::Skip { reason, .. } if reason.contains("\"a\"")));
    let mut entries = existing.clone();
    assert_eq!(apply(&mut entries, &actions), 1);
    assert_eq!(labels(&entries), ["a", "b"]);
}

#[test]
fn label_conflicts_follow_the_policy() {
    let existing = vec![entry("a", 1), entry("a-imported", 9)];
    let incoming = || vec![entry("a", 2)];
    let refused = plan(&existing, incoming(), OnConflict::Refuse).unwrap_err();
    assert!(matches!(refused, Error::Conflict { labels } if labels == ["a"]));

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
    let result = compare(&vault, &backup);
    assert_eq!(result.same, ["a"]);
    assert_eq!(result.different, ["b"]);
    assert_eq!(result.missing, ["c"]);
    assert_eq!(result.extra, ["d"]);
    assert!(!result.matches());
    assert!(compare(&vault, &vault).matches());
}

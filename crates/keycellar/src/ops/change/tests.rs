use super::*;
use crate::credential::exchange::Exchange;
use crate::credential::exec::profiles::Profile;
use crate::error::{EntryError, Error};
use crate::kdf::KdfParams;
use crate::ops::{ExecOptions, VaultRequest, run_at};
use crate::passphrase::{NewPassphrase, Purpose};
use crate::secret::Secret;
use crate::vault::{Passphrase, Vault};
use std::path::Path;
use std::time::Duration;

const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const NEW_KEY: &str = "Dkcg7Xxq1cT8QmKkzXq4p3mS2fJ0rN9wYbE6hLuVaZo5tGiR/+WdPnCj";
const SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";
const PASSPHRASE: &str = "a passphrase";

/// A vault at `dir/v.kc` holding the Kraken keys `labels` (the same key under each).
fn vault(dir: &Path, labels: &[&str]) -> std::path::PathBuf {
    let path = dir.join("v.kc");
    let params = KdfParams {
        memory_kib: 8,
        time: 1,
        parallelism: 1,
    };
    let new = NewPassphrase::typed(Secret::new(PASSPHRASE.into()), Purpose::Vault);
    Vault::create(&path, &new.accepting_weak(true), params, Vec::new()).unwrap();
    let entries = labels
        .iter()
        .map(|label| NewEntry {
            label: label.to_string(),
            exchange: Exchange::Kraken,
            api_key: KEY.into(),
            secret: Secret::new(SECRET.into()),
            api_passphrase: None,
            otp_seed: None,
            key_version: None,
            account_ref: None,
            permissions: vec![],
            ip_allowlist: vec![],
            expires: None,
            created: None,
            notes: None,
            used_by: vec![],
        })
        .collect();
    change(&path, ChangeRequest::Add { entries }).unwrap();
    path
}

/// Runs `request` as the agent would: sent across as JSON first, then on the vault.
fn run(path: &Path, request: VaultRequest) -> Result<VaultReply> {
    let sent = serde_json::to_string(&request).unwrap();
    let request: VaultRequest = serde_json::from_str(&sent).unwrap();
    let passphrase = Secret::new(PASSPHRASE.into());
    run_at(path, &mut Passphrase(&passphrase), request, Date::today())
}

fn change(path: &Path, change: ChangeRequest) -> Result<VaultReply> {
    run(path, VaultRequest::change(change, Duration::ZERO))
}

fn rotation(unbacked: bool, permissions: Vec<String>) -> ChangeRequest {
    ChangeRequest::Rotate {
        label: "bot".into(),
        replacement: Replacement {
            api_key: NEW_KEY.into(),
            secret: Secret::new(SECRET.replace('F', "G")),
            api_passphrase: None,
            otp_seed: None,
            permissions,
            ip_allowlist: vec![],
            expires: None,
            notes: None,
            used_by: vec![],
        },
        permissions_other: vec!["new-kraken-permission".into()],
        reason: None,
        unbacked,
    }
}

#[test]
fn a_change_request_never_shows_its_secret_in_debug() {
    let request = VaultRequest::change(rotation(false, vec![]), Duration::ZERO);
    let shown = format!("{request:?}");
    assert!(!shown.contains(&SECRET.replace('F', "G")), "{shown}");
    assert!(shown.contains("bot"), "{shown}");
}

#[test]
fn rotate_refuses_a_key_in_no_backup_in_the_library_and_not_after_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault(dir.path(), &["bot"]);
    let refused = change(&path, rotation(false, vec![])).unwrap_err();
    assert!(matches!(
        refused,
        Error::Entry(EntryError::NotBackedUp { .. })
    ));
    let label = Some("bot".to_string());
    let Ok(VaultReply::Fingerprint(reply::Fingerprint { fingerprint, .. })) =
        run(&path, VaultRequest::Fingerprint { label })
    else {
        panic!("no fingerprint");
    };
    let fingerprints = vec![fingerprint];
    let recorded = ChangeRequest::RecordBackup {
        kind: BackupKind::Export,
        entries: fingerprints,
        recipients: vec!["age1example".into()],
    };
    assert!(matches!(
        change(&path, recorded).unwrap(),
        VaultReply::Changed(reply::Changed { written: true, .. })
    ));
    let rotated = change(&path, rotation(false, vec!["query-funds".into()])).unwrap();
    let VaultReply::Rotated(reply::Rotated { new, .. }) = rotated else {
        panic!("not a rotation: {rotated:?}");
    };
    assert_eq!(new.api_key, NEW_KEY);
    assert_eq!(new.permissions, ["query-funds", "new-kraken-permission"]);
}

#[test]
fn unknown_permissions_are_refused_unless_given_as_other_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault(dir.path(), &["bot"]);
    let refused = change(&path, rotation(true, vec!["trade".into()])).unwrap_err();
    assert!(matches!(
        refused,
        Error::Entry(EntryError::UnknownPermission { .. })
    ));
    let edit = |known: &str| ChangeRequest::Edit {
        label: "bot".into(),
        edit: EntryChange {
            add_permissions: vec![known.into()],
            ..EntryChange::default()
        },
        permissions_other: vec!["trade".into()],
    };
    let refused = change(&path, edit("withdraw-everything")).unwrap_err();
    assert!(matches!(
        refused,
        Error::Entry(EntryError::UnknownPermission { .. })
    ));
    assert!(matches!(
        change(&path, edit("query-funds")).unwrap(),
        VaultReply::Changed(reply::Changed { written: true, .. })
    ));
}

#[test]
fn exec_prepare_gives_back_only_the_chosen_entries_and_refuses_a_clash() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault(dir.path(), &["one", "two", "three"]);
    let options = |labels: &[&str], profile| ExecOptions {
        labels: labels.iter().map(|l| l.to_string()).collect(),
        profile,
        custom: vec![],
        allow_inactive: false,
    };
    let prepared = run(
        &path,
        VaultRequest::ExecPrepare {
            options: options(&["two"], Profile::Env),
        },
    );
    let Ok(VaultReply::ExecPrepared(reply::ExecPrepared { prepared })) = prepared else {
        panic!("not prepared: {prepared:?}");
    };
    let labels: Vec<&str> = prepared.entries.iter().map(|e| e.label()).collect();
    assert_eq!(labels, ["two"]);
    assert_eq!(prepared.locks.len(), 1);
    // Two keys the env profile would give the same variables.
    let clash = run(
        &path,
        VaultRequest::ExecPrepare {
            options: options(&["one", "two"], Profile::Env),
        },
    );
    assert!(matches!(
        clash,
        Err(Error::Entry(EntryError::NotHandedOver { .. }))
    ));
    // json-fd names them apart; one key under two labels takes one run lock.
    let both = run(
        &path,
        VaultRequest::ExecPrepare {
            options: options(&["one", "two"], Profile::JsonFd),
        },
    );
    let Ok(VaultReply::ExecPrepared(reply::ExecPrepared { prepared })) = both else {
        panic!("not prepared: {both:?}");
    };
    assert_eq!((prepared.entries.len(), prepared.locks.len()), (2, 1));
}

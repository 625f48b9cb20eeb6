//! Requests and replies across a local session and as JSON; `backups`: the backup use
//! cases called as a front end calls them; `keys_in`: rotating a key and bringing entries
//! in, the same way.

use super::*;
use crate::credential::entry::sample;
use crate::credential::exchange::Exchange;
use crate::credential::validate;
use crate::error::{EntryError, Error};
use crate::kdf::KdfParams;
use crate::passphrase::{NewPassphrase, Purpose};
use crate::secret::Secret;
use crate::vault::{Passphrase, Vault};
use std::path::Path;

mod backups;
mod keys_in;

const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

/// A vault at `path` holding one admitted Kraken key, and its passphrase.
fn vault_at(path: &Path) -> Secret {
    let passphrase = Secret::new("a passphrase".into());
    let cheap = KdfParams {
        memory_kib: 8,
        time: 1,
        parallelism: 1,
    };
    let entry = sample("bot", Exchange::Kraken, KEY, SECRET).with_fingerprint(None);
    let entry = validate::admit(entry).unwrap().entry;
    let new = NewPassphrase::typed(passphrase.clone(), Purpose::Vault).accepting_weak(true);
    Vault::create(path, &new, cheap, vec![entry]).unwrap();
    passphrase
}

/// Runs `request` on a new vault holding one Kraken key, through a local session, and
/// sends the reply across as JSON; gives the JSON and the reply read back from it.
fn answered(request: VaultRequest) -> (String, VaultReply) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.kc");
    let passphrase = Secret::new("a passphrase".into());
    let params = KdfParams {
        memory_kib: 8,
        time: 1,
        parallelism: 1,
    };
    let entries = vec![sample("bot", Exchange::Kraken, KEY, SECRET)];
    let new = NewPassphrase::typed(passphrase.clone(), Purpose::Vault).accepting_weak(true);
    Vault::create(&path, &new, params, entries).unwrap();
    let request: VaultRequest =
        serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
    let mut unlock = Passphrase(&passphrase);
    let reply = LocalSession::new(&path, &mut unlock)
        .run::<VaultReply>(request)
        .unwrap();
    let sent = serde_json::to_string(&reply).unwrap();
    (sent.clone(), serde_json::from_str(&sent).unwrap())
}

#[test]
fn requests_and_replies_cross_as_json_and_carry_no_secret() {
    let requests = [
        VaultRequest::List {
            filter: super::ListFilter {
                all: true,
                ..Default::default()
            },
        },
        VaultRequest::Fingerprint { label: None },
        VaultRequest::Fingerprint {
            label: Some("bot".into()),
        },
        VaultRequest::Show {
            label: "bot".into(),
            reveal: false,
        },
        VaultRequest::History {
            label: "bot".into(),
        },
        VaultRequest::Verify {
            label: None,
            fingerprint: None,
            public_key: Some(KEY.into()),
        },
        VaultRequest::Status {},
        VaultRequest::Audit { max_age_days: 90 },
    ];
    for request in requests {
        let (sent, reply) = answered(request.clone());
        assert!(!sent.contains(&SECRET[..16]), "{request:?}: {sent}");
        // The wire format: the tag first, the reply's fields beside it (not nested).
        let tag = format!("{{\"reply\":\"{}\",\"", request.kind());
        assert!(sent.starts_with(&tag), "{sent}");
        assert_eq!(reply.kind(), request.kind());
        let matches = match (&request, &reply) {
            (VaultRequest::List { .. }, VaultReply::List(reply::List { entries, .. })) => {
                entries.len() == 1 && entries[0].label == "bot" && entries[0].api_key == KEY
            }
            (
                VaultRequest::Fingerprint { label },
                VaultReply::Fingerprint(reply::Fingerprint { of, .. }),
            ) => of == label.as_deref().unwrap_or("vault"),
            (VaultRequest::Show { .. }, VaultReply::Show(reply::Show { entry, revealed })) => {
                entry.label == "bot" && revealed.is_none()
            }
            (VaultRequest::History { .. }, VaultReply::History(reply::History { chain })) => {
                chain.len() == 1
            }
            // The sample entry was never admitted: its recorded fingerprint is zeros.
            (VaultRequest::Verify { .. }, VaultReply::Verify(reply::Verify { results, .. })) => {
                matches!(
                    verify_outcome(results),
                    Err(Error::Entry(EntryError::VerifyFailed { labels })) if labels == ["bot"]
                )
            }
            (VaultRequest::Status { .. }, VaultReply::Status(reply::Status { report })) => {
                report.entries.get("active") == Some(&1) && report.in_no_backup.len() == 1
            }
            (VaultRequest::Audit { .. }, VaultReply::Audit(reply::Audit { findings })) => {
                !findings.is_empty()
            }
            _ => false,
        };
        assert!(matches, "{request:?} was answered with {sent}");
    }
}

#[test]
fn show_carries_the_secret_only_when_asked_to_reveal_it() {
    let (sent, reply) = answered(VaultRequest::Show {
        label: "bot".into(),
        reveal: true,
    });
    assert!(sent.contains(SECRET));
    let VaultReply::Show(reply::Show {
        revealed: Some(revealed),
        ..
    }) = reply
    else {
        panic!("{sent}");
    };
    assert_eq!(revealed.secret.expose(), SECRET);
}

#[test]
fn a_request_names_its_kind_and_refuses_fields_it_does_not_have() {
    let json = serde_json::to_string(&VaultRequest::Fingerprint {
        label: Some("bot".into()),
    })
    .unwrap();
    assert_eq!(json, r#"{"request":"fingerprint","label":"bot"}"#);
    let refused = serde_json::from_str::<VaultRequest>(
        r#"{"request":"fingerprint","label":null,"reveal":true}"#,
    );
    assert!(refused.is_err());
}

/// Entries to import are admitted again in the library, whoever sent them (a client of the
/// agent writes them itself): a fingerprint other than the key's, a bad label or a rotation
/// link to itself is refused and changes nothing; an id the vault holds already is made
/// fresh.
#[test]
fn imported_entries_are_admitted_again_whoever_sends_them() {
    use crate::credential::validate;
    use crate::vault::merge::OnConflict;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.kc");
    let passphrase = Secret::new("a passphrase".into());
    let cheap = KdfParams {
        memory_kib: 8,
        time: 1,
        parallelism: 1,
    };
    let admitted = |e: crate::credential::entry::Entry| {
        validate::admit(e.with_fingerprint(None)).unwrap().entry
    };
    let held = admitted(sample("bot", Exchange::Kraken, KEY, SECRET));
    let new = NewPassphrase::typed(passphrase.clone(), Purpose::Vault).accepting_weak(true);
    Vault::create(&path, &new, cheap, vec![held.clone()]).unwrap();
    let other_key = "AAbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
    let evil = admitted(sample(
        "evil",
        Exchange::Kraken,
        other_key,
        &SECRET.replace('F', "G"),
    ));
    let import = |entry: crate::credential::entry::Entry| {
        let change = ChangeRequest::Import {
            entries: vec![entry],
            on_conflict: OnConflict::Rename,
            dry_run: false,
        };
        let mut unlock = Passphrase(&passphrase);
        let request = VaultRequest::change(change, std::time::Duration::ZERO);
        LocalSession::new(&path, &mut unlock).run::<VaultReply>(request)
    };
    let with = |change: &dyn Fn(&mut crate::credential::entry::Entry)| {
        let mut entry = evil.clone();
        change(&mut entry);
        entry
    };
    let before = std::fs::read(&path).unwrap();
    let hostile = [
        (
            "forged fingerprint",
            with(&|e| e.fingerprint = held.fingerprint),
        ),
        ("empty label", with(&|e| e.label.clear())),
        (
            "control characters",
            with(&|e| e.label = "a\nb\u{1b}[31m".into()),
        ),
        (
            "link to itself",
            with(&|e| e.lineage.supersedes = Some(e.id.clone())),
        ),
    ];
    for (case, entry) in hostile {
        let refused = import(entry);
        assert!(refused.is_err(), "{case}: {refused:?}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{case}");
    }
    let same_id = with(&|e| e.id = held.id.clone());
    let Ok(VaultReply::Imported(reply::Imported { written: true, .. })) = import(same_id) else {
        panic!("an entry with a taken id is imported under a fresh one");
    };
    let mut unlock = Passphrase(&passphrase);
    let listed = LocalSession::new(&path, &mut unlock).run::<VaultReply>(VaultRequest::List {
        filter: super::ListFilter {
            all: true,
            ..Default::default()
        },
    });
    let Ok(VaultReply::List(reply::List { entries, .. })) = listed else {
        panic!("list");
    };
    assert_eq!(entries.len(), 2);
    assert_ne!(entries[0].id, entries[1].id);
}

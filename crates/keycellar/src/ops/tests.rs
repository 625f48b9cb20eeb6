use super::*;
use crate::credential::entry::sample;
use crate::credential::exchange::Exchange;
use crate::error::{EntryError, Error};
use crate::kdf::KdfParams;
use crate::secret::Secret;
use crate::vault::{Passphrase, Vault};

const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

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
    Vault::create(&path, &passphrase, params, entries).unwrap();
    let request: VaultRequest =
        serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
    let mut unlock = Passphrase(&passphrase);
    let reply = LocalSession::new(&path, &mut unlock).run(request).unwrap();
    let sent = serde_json::to_string(&reply).unwrap();
    (sent.clone(), serde_json::from_str(&sent).unwrap())
}

#[test]
fn requests_and_replies_cross_as_json_and_carry_no_secret() {
    let requests = [
        VaultRequest::List {},
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
        VaultRequest::Status {
            places: Default::default(),
        },
        VaultRequest::Audit { max_age_days: 90 },
    ];
    for request in requests {
        let (sent, reply) = answered(request.clone());
        assert!(!sent.contains(&SECRET[..16]), "{request:?}: {sent}");
        let matches = match (&request, &reply) {
            (VaultRequest::List {}, VaultReply::List { entries, .. }) => {
                entries.len() == 1 && entries[0].label == "bot" && entries[0].api_key == KEY
            }
            (VaultRequest::Fingerprint { label }, VaultReply::Fingerprint { of, .. }) => {
                of == label.as_deref().unwrap_or("vault")
            }
            (VaultRequest::Show { .. }, VaultReply::Show { entry, revealed }) => {
                entry.label == "bot" && revealed.is_none()
            }
            (VaultRequest::History { .. }, VaultReply::History { chain }) => chain.len() == 1,
            // The sample entry was never admitted: its recorded fingerprint is zeros.
            (VaultRequest::Verify { .. }, VaultReply::Verify { results, .. }) => matches!(
                verify_outcome(results),
                Err(Error::Entry(EntryError::VerifyFailed { labels })) if labels == ["bot"]
            ),
            (VaultRequest::Status { .. }, VaultReply::Status { report }) => {
                report.entries.get("active") == Some(&1) && report.in_no_backup.len() == 1
            }
            (VaultRequest::Audit { .. }, VaultReply::Audit { findings }) => !findings.is_empty(),
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
    let VaultReply::Show {
        revealed: Some(revealed),
        ..
    } = reply
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

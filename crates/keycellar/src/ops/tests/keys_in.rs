//! The use cases that bring keys in, called as a front end calls them, with no command
//! line: a rotation asks for its new key only once the rules allow it, and entries brought
//! in are planned and shown before a new vault's passphrase is asked, which the floor
//! refuses when it is weak.

use super::super::*;
use super::{KEY, vault_at};
use crate::credential::entry::{Entry, sample};
use crate::credential::exchange::Exchange;
use crate::credential::lifecycle::NewKey;
use crate::credential::validate;
use crate::error::{EntryError, Error, InputError, VaultError};
use crate::kdf::KdfParams;
use crate::passphrase::{NewPassphrase, Purpose};
use crate::secret::Secret;
use crate::vault::Passphrase;
use crate::vault::backup_log::BackupKind;
use crate::vault::merge::OnConflict;
use std::cell::RefCell;

/// A Kraken key other than the one `vault_at` holds.
const NEW_KEY: &str = "DJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const NEW_SECRET: &str =
    "GRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

/// Runs `test` with a session on a vault holding one Kraken key (`vault_at`).
fn on_a_vault(test: impl FnOnce(&LocalSession)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.kc");
    let passphrase = vault_at(&path);
    let mut unlock = Passphrase(&passphrase);
    test(&LocalSession::new(&path, &mut unlock));
}

const CHEAP: KdfParams = KdfParams {
    memory_kib: 8,
    time: 1,
    parallelism: 1,
};

/// Gives the new key, remembering the exchanges it was asked for.
#[derive(Default)]
struct GivesNewKey(RefCell<Vec<Exchange>>);

impl RotatePrompts for GivesNewKey {
    type Error = Error;

    fn new_key(&self, exchange: Exchange) -> Result<NewKey, Error> {
        self.0.borrow_mut().push(exchange);
        Ok(NewKey {
            api_key: NEW_KEY.into(),
            secret: Secret::new(NEW_SECRET.into()),
            api_passphrase: None,
            otp_seed: None,
        })
    }
}

fn rotation(permissions: &[&str], unbacked: bool) -> RotatePlan {
    RotatePlan {
        label: "bot".into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
        permissions_other: Vec::new(),
        ip_allowlist: Vec::new(),
        expires: None,
        notes: None,
        used_by: Vec::new(),
        reason: Some("leaked in a log".into()),
        unbacked,
    }
}

#[test]
fn a_rotation_the_rules_refuse_asks_for_no_new_key() {
    on_a_vault(|session| {
        let prompts = GivesNewKey::default();
        let unbacked = rotate(session, rotation(&[], false), &prompts);
        assert!(matches!(
            unbacked,
            Err(Error::Entry(EntryError::NotBackedUp { .. }))
        ));
        let unknown = rotate(session, rotation(&["fly-to-the-moon"], true), &prompts);
        assert!(unknown.is_err(), "an unknown permission is refused");
        assert!(prompts.0.borrow().is_empty(), "no new key was asked for");
    });
}

#[test]
fn a_rotation_asks_for_a_key_of_the_entrys_exchange_and_makes_it() {
    on_a_vault(|session| {
        let prompts = GivesNewKey::default();
        let rotated = rotate(session, rotation(&[], true), &prompts).unwrap();
        assert_eq!(*prompts.0.borrow(), [Exchange::Kraken]);
        assert_eq!(
            (rotated.old.api_key.as_str(), rotated.new.api_key.as_str()),
            (KEY, NEW_KEY)
        );
        let listed: reply::List = session
            .run(VaultRequest::List {
                filter: ListFilter {
                    all: true,
                    ..Default::default()
                },
            })
            .unwrap();
        assert_eq!(listed.entries.len(), 2, "the old entry is kept, rotated");
    });
}

/// Records what it was shown and asked, in order; gives a new vault `passphrase`, taken
/// below the floor only when `weak_accepted`.
struct Answering {
    passphrase: &'static str,
    weak_accepted: bool,
    seen: RefCell<Vec<String>>,
}

impl Answering {
    fn with(passphrase: &'static str, weak_accepted: bool) -> Answering {
        Answering {
            passphrase,
            weak_accepted,
            seen: RefCell::default(),
        }
    }
}

impl BringInPrompts for Answering {
    type Error = Error;

    fn plan(&self, planned: &[PlannedAction], dry_run: bool) -> Result<(), Error> {
        let actions: Vec<&str> = planned.iter().map(|p| p.action.as_str()).collect();
        let shown = format!("plan {} dry run {dry_run}", actions.join(","));
        self.seen.borrow_mut().push(shown);
        Ok(())
    }

    fn new_vault(&self) -> Result<(NewPassphrase, KdfParams), Error> {
        self.seen.borrow_mut().push("new vault".into());
        let typed = Secret::new(self.passphrase.into());
        let new = NewPassphrase::typed(typed, Purpose::Vault).accepting_weak(self.weak_accepted);
        Ok((new, CHEAP))
    }
}

/// A backup's entry, admitted: the key `vault_at` does not hold, labelled `label`.
fn from_a_backup(label: &str) -> Vec<Entry> {
    let entry = sample(label, Exchange::Kraken, NEW_KEY, NEW_SECRET).with_fingerprint(None);
    vec![validate::admit(entry).unwrap().entry]
}

fn bringing(entries: Vec<Entry>, target: Target, dry_run: bool) -> BringIn {
    BringIn {
        entries,
        on_conflict: OnConflict::Rename,
        target,
        dry_run,
    }
}

/// Brings a backup's entry into a new vault at the session's path; what came of it, and
/// what was shown and asked on the way.
fn into_a_new_vault(
    session: &LocalSession,
    dry_run: bool,
    weak_accepted: bool,
) -> (Result<Option<BroughtIn>, Error>, Vec<String>) {
    let prompts = Answering::with("hunter2", weak_accepted);
    let from = Target::NewVault {
        from: Some(BackupKind::Print),
    };
    let plan = bringing(from_a_backup("bot"), from, dry_run);
    let outcome = bring_in(session, plan, &prompts);
    (outcome, prompts.seen.into_inner())
}

/// A new vault: a dry run only shows the plan; the plan is shown before the passphrase is
/// asked, which the floor refuses when weak; one taken makes the vault; and a vault already
/// there is refused before anything is shown or asked.
#[test]
fn a_new_vault_is_shown_then_asked_for_and_a_weak_passphrase_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.kc");
    let nothing = Secret::new(String::new());
    let mut unlock = Passphrase(&nothing);
    let session = LocalSession::new(&path, &mut unlock);

    let (planned, seen) = into_a_new_vault(&session, true, false);
    assert!(planned.unwrap().is_none());
    assert_eq!(seen, ["plan add dry run true"]);
    assert!(!path.exists(), "a dry run makes no vault");

    let (weak, seen) = into_a_new_vault(&session, false, false);
    let refused = matches!(weak, Err(Error::Input(InputError::WeakPassphrase { .. })));
    assert!(refused, "{:?}", weak.err());
    assert_eq!(seen, ["plan add dry run false", "new vault"]);
    assert!(!path.exists(), "no vault was made");

    let (made, _) = into_a_new_vault(&session, false, true);
    assert!(made.unwrap().unwrap().written);
    assert!(path.exists());

    let (again, seen) = into_a_new_vault(&session, true, true);
    let exists = matches!(again, Err(Error::Vault(VaultError::VaultExists { .. })));
    assert!(exists, "{:?}", again.err());
    assert!(seen.is_empty(), "{seen:?}");
}

#[test]
fn a_dry_run_shows_the_plan_and_asks_and_writes_nothing() {
    on_a_vault(|session| {
        let before = std::fs::read(session.vault()).unwrap();
        let prompts = Answering::with("hunter2", true);
        let merge = bringing(from_a_backup("bot"), Target::Vault, true);
        assert!(bring_in(session, merge, &prompts).unwrap().is_none());
        assert_eq!(*prompts.seen.borrow(), ["plan add-renamed dry run true"]);
        let after = std::fs::read(session.vault()).unwrap();
        assert_eq!(after, before, "the vault is as it was");
    });
}

#[test]
fn entries_merge_into_the_sessions_vault_and_the_plan_is_shown_after() {
    on_a_vault(|session| {
        let prompts = Answering::with("unused", false);
        let merge = bringing(from_a_backup("other"), Target::Vault, false);
        let brought = bring_in(session, merge, &prompts).unwrap().unwrap();
        assert!(brought.written);
        assert_eq!(*prompts.seen.borrow(), ["plan add dry run false"]);
        let fingerprint: reply::Fingerprint = session
            .run(VaultRequest::Fingerprint { label: None })
            .unwrap();
        assert_eq!(fingerprint.fingerprint, brought.vault_fingerprint);
    });
}

/// A rotation to a key another label holds already is made, and warned of as `add` warns
/// of it (two labels, one key: their bots would share its nonces).
#[test]
fn a_rotation_to_a_key_another_label_holds_is_warned_of() {
    on_a_vault(|session| {
        let prompts = Answering::with("unused", false);
        let other = bringing(from_a_backup("other"), Target::Vault, false);
        bring_in(session, other, &prompts).unwrap();
        let rotated = rotate(session, rotation(&[], true), &GivesNewKey::default()).unwrap();
        let warned = rotated.warnings.iter().any(
            |w| matches!(w, validate::Warning::SameKeyAs { quoted } if quoted.contains("other")),
        );
        assert!(warned, "{:?}", rotated.warnings);
    });
}

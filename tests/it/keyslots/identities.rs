//! Identities against the slots a header holds, the attacks of issue 33's fourth pass: an
//! upper-case recipient (one key, in canonical form), `passwd` through a token (asks the
//! old passphrase), invisible slot names, an encrypted SSH key (its passphrase asked once,
//! and only for a slot of its own), and identity files that are empty, lower case or a
//! FIFO.

use super::{failure, vault_key, with_identity};
use crate::common::age_identity;
use crate::common::{TestVault, run, tool};
use keycellar::backup::agefile::{Identities, Prompts, SlotIdentities};
use keycellar::error::VaultError;
use keycellar::vault::format::{self, age_slot::AgeSlot, keyslot::Keyslot};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rewrites the vault's keyslots as only a writer of the file could (the payload re-sealed
/// with the key, as a holder of a slot would).
pub fn rewrite_slots(tv: &TestVault, change: impl FnOnce(&mut Vec<Keyslot>)) {
    let key = vault_key(tv);
    let bytes = tv.bytes();
    let parsed = format::parse(&bytes).unwrap();
    let nonce = &parsed.header.payload_nonce;
    let sealed = parsed.sealed_payload;
    let plaintext = keycellar::crypto::open(&key, nonce, parsed.header_bytes, sealed).unwrap();
    let mut header = parsed.header.clone();
    change(&mut header.keyslots);
    std::fs::write(&tv.vault, format::seal_file(&header, &key, &plaintext)).unwrap();
}

/// The age slot named `name`.
pub fn age_slot(slots: &[Keyslot], name: &str) -> AgeSlot {
    slots
        .iter()
        .find_map(|slot| match slot {
            Keyslot::Age(age) if age.name == name => Some(age.clone()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn an_upper_case_recipient_is_one_key_and_never_locks_the_vault_out() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let (identity, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    let upper = recipient.to_ascii_uppercase();
    let add = ["slot", "add", "-r", &upper, "--name", "escrow"];
    tv.cmd().args(add).assert().success();
    let slots = tv.json(&["slot", "list"]);
    assert_eq!(slots["keyslots"][1]["recipient"], recipient.as_str());
    assert_eq!(slots["keyslots"][1]["kind"], "x25519");
    with_identity(&tv, &identity).arg("list").assert().success();
    // The script's sequence: the passphrase slot goes, and the vault still opens.
    let remove = ["slot", "remove", "passphrase"];
    tv.cmd().args(remove).assert().success();
    with_identity(&tv, &identity).arg("list").assert().success();

    // A slot recorded in upper case (by an older keycellar) opens too; a recipient that does
    // not parse opens nothing, so it never counts as a way in without hardware.
    let tv = TestVault::new();
    let (identity, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    let add = ["slot", "add", "-r", &recipient, "--name", "escrow"];
    tv.cmd().args(add).assert().success();
    rewrite_slots(&tv, |slots| {
        let mut escrow = age_slot(slots, "escrow");
        slots.retain(|slot| matches!(slot, Keyslot::Passphrase(_)));
        escrow.recipient = recipient.to_ascii_uppercase();
        slots.push(Keyslot::Age(escrow.clone()));
        escrow.name = "broken".into();
        escrow.recipient = "age1qqqqqqqq".into();
        slots.push(Keyslot::Age(escrow));
    });
    with_identity(&tv, &identity).arg("list").assert().success();
    let slots = tv.json(&["slot", "list"]);
    assert_eq!(slots["keyslots"][1]["kind"], "x25519");
    assert_eq!(slots["keyslots"][2]["needs_hardware"], true);
    tv.cmd()
        .args(["slot", "remove", "escrow"])
        .assert()
        .success();
    let (kind, _) = failure(
        tv.cmd()
            .args(["--json", "slot", "remove", "passphrase"])
            .assert(),
    );
    assert_eq!(kind, "last_slot_without_hardware");
}

#[test]
fn passwd_through_an_identity_proves_the_old_passphrase() {
    let tv = TestVault::new();
    let (identity, recipient) = age_identity(tv.dir.path(), "token.txt");
    let add = ["slot", "add", "-r", &recipient, "--name", "token"];
    tv.cmd().args(add).assert().success();
    let before = tv.bytes();
    let evil = tv.file("evil", "a passphrase the owner never chose at all\n");
    let wrong = tv.file("wrong", "not the vault passphrase at all, sorry\n");
    let passwd = |old: Option<&Path>| {
        let mut cmd = with_identity(&tv, &identity);
        if let Some(old) = old {
            cmd.arg("--passphrase-file").arg(old);
        }
        cmd.args(["--json", "passwd", "--new-passphrase-file"])
            .arg(&evil);
        cmd.assert()
    };
    assert_eq!(failure(passwd(None)), ("no_terminal".into(), 2));
    assert_eq!(
        failure(passwd(Some(&wrong))),
        ("wrong_passphrase".into(), 3)
    );
    assert_eq!(tv.bytes(), before);
    passwd(Some(&tv.pass_file.clone())).success();
    with_identity(&tv, &identity).arg("list").assert().success();
}

#[test]
fn slot_names_follow_the_label_rule() {
    let tv = TestVault::new();
    let (_, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    for name in [
        "mine\u{200d}",
        "passphrase\u{200b}",
        "a\u{202e}b",
        "x\u{1b}[31m",
    ] {
        let add = ["--json", "slot", "add", "-r", &recipient, "--name", name];
        let (kind, _) = failure(tv.cmd().args(add).assert());
        assert_eq!(kind, "bad_slot_name", "{name:?}");
    }
}

#[test]
fn identity_files_that_hold_nothing_or_block_get_their_own_errors() {
    let tv = TestVault::new();
    let (identity, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    let add = ["slot", "add", "-r", &recipient, "--name", "escrow"];
    tv.cmd().args(add).assert().success();
    let empty = tv.file("empty.txt", "# only a comment\n\n");
    let assert = with_identity(&tv, &empty).args(["--json", "list"]).assert();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("holds no identity"), "{stderr}");
    assert_eq!(failure(assert), ("bad_input".into(), 1));
    let fifo = tv.dir.path().join("fifo");
    run(tool("mkfifo").arg(&fifo));
    let mut cmd = with_identity(&tv, &fifo);
    // A backstop only: the open must not wait for a writer at all.
    cmd.timeout(std::time::Duration::from_secs(120));
    let assert = cmd.args(["--json", "list"]).assert();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("not a regular file"), "{stderr}");
    assert_eq!(failure(assert), ("bad_input".into(), 1));
    // A lower-case key is the same key (bech32 either case).
    let text = std::fs::read_to_string(&identity).unwrap();
    let lower = tv.file("lower.txt", &text.to_lowercase());
    with_identity(&tv, &lower).arg("list").assert().success();
}

/// Answers every secret question with `answer`, and counts them.
struct Answering {
    answer: &'static str,
    asked: AtomicUsize,
}

impl Prompts for Answering {
    fn secret_value(&self, _description: &str) -> Option<keycellar::secret::Secret> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Some(keycellar::secret::Secret::new(self.answer.into()))
    }
}

/// Opens the vault through the library with `identity`: the outcome, and the questions.
fn open_counting(
    tv: &TestVault,
    identity: &Path,
    answer: &'static str,
) -> (keycellar::Result<()>, usize) {
    let prompts = Arc::new(Answering {
        answer,
        asked: AtomicUsize::new(0),
    });
    let mut identities = Identities::with_prompts(prompts.clone());
    identities.add_file(identity).unwrap();
    let opened = keycellar::vault::Vault::open(&tv.vault, &mut SlotIdentities(&identities));
    (opened.map(drop), prompts.asked.load(Ordering::SeqCst))
}

/// An ed25519 SSH key made by `ssh-keygen`, encrypted with `passphrase` when not empty.
fn ssh_key(tv: &TestVault, name: &str, passphrase: &str) -> (PathBuf, String) {
    let path = tv.dir.path().join(name);
    run(tool("ssh-keygen")
        .args([
            "-q", "-t", "ed25519", "-a", "2", "-C", name, "-N", passphrase, "-f",
        ])
        .arg(&path));
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_string())
}

#[test]
fn an_encrypted_ssh_key_is_asked_once_and_only_for_its_own_slot() {
    let tv = TestVault::new();
    let (own, own_public) = ssh_key(&tv, "own", "sshpass");
    let (_, colleague) = ssh_key(&tv, "colleague", "");
    let add = ["slot", "add", "-r", &colleague, "--name", "colleague"];
    tv.cmd().args(add).assert().success();
    let (opened, asked) = open_counting(&tv, &own, "sshpass");
    assert!(matches!(
        opened,
        Err(keycellar::Error::Vault(
            VaultError::NoSlotForIdentity { .. }
        ))
    ));
    assert_eq!(asked, 0, "asked for a key no slot is wrapped to");
    let add = ["slot", "add", "-r", &own_public, "--name", "own"];
    tv.cmd().args(add).assert().success();
    // A header of many slots naming this key, each holding another key's file, before its
    // own: the passphrase is still asked once.
    rewrite_slots(&tv, |slots| {
        let real = age_slot(slots, "own");
        let junk = age_slot(slots, "colleague").age_file;
        slots.retain(|slot| matches!(slot, Keyslot::Passphrase(_)));
        for n in 0..6 {
            let name = format!("hostile-{n}");
            let age_file = junk.clone();
            slots.push(Keyslot::Age(AgeSlot {
                name,
                age_file,
                ..real.clone()
            }));
        }
        slots.push(Keyslot::Age(real));
    });
    let (opened, asked) = open_counting(&tv, &own, "sshpass");
    assert!(opened.is_ok(), "{opened:?}");
    assert_eq!(asked, 1);
    let (opened, asked) = open_counting(&tv, &own, "mistyped");
    assert!(matches!(
        opened,
        Err(keycellar::Error::Vault(
            VaultError::WrongSshPassphrase { .. }
        ))
    ));
    assert_eq!(asked, 1);
    // Through the command line: no terminal to ask on is its own error.
    let assert = with_identity(&tv, &own).args(["--json", "list"]).assert();
    assert_eq!(failure(assert), ("no_terminal".into(), 2));
}

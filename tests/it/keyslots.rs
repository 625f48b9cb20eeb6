//! Age keyslots (docs/FORMAT.md section 1.2.1) through the real binary: enrolling from a
//! public recipient, opening with `--identity`, the recovery recipe with stock `age`,
//! `passwd` and `rekey`, the last slot without hardware, and failures that change nothing.
//! `plugin` drives the plugin path with the test plugin `age-plugin-kctest`.

mod identities;
mod plugin;

use crate::common::{PASSPHRASE, TestVault, age_identity, run, tool};
use predicates::str::contains;
use std::path::{Path, PathBuf};

/// An unencrypted ed25519 SSH key made by `ssh-keygen`, and its public key line.
fn ssh_identity(tv: &TestVault) -> (PathBuf, String) {
    let path = tv.dir.path().join("id_ed25519");
    run(tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&path));
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_string())
}

/// The JSON error of a failed command: (kind, exit code).
pub fn failure(assert: assert_cmd::assert::Assert) -> (String, i32) {
    let output = assert.failure().get_output().clone();
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    let kind = error["error"]["kind"].as_str().unwrap().to_string();
    (kind, output.status.code().unwrap())
}

/// `keycellar --vault V --identity FILE` without a passphrase.
pub fn with_identity(tv: &TestVault, identity: &Path) -> assert_cmd::Command {
    let mut cmd = tv.bare();
    cmd.arg("--identity").arg(identity);
    cmd
}

/// The recovery recipe of FORMAT.md, run as written with its placeholders filled in.
fn recover_with_recipe(tv: &TestVault, slot: &str, identity: &Path) -> Vec<u8> {
    let doc = std::fs::read_to_string("docs/FORMAT.md").unwrap();
    let from = doc.find("<!-- slot-recovery-recipe -->").unwrap();
    let block = doc[from..].split("```sh\n").nth(1).unwrap();
    let recipe = block.split("```").next().unwrap();
    let script = recipe
        .replace("VAULT", &tv.vault.display().to_string())
        .replace("NAME", slot)
        .replace("IDENTITY", &identity.display().to_string());
    let done = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(tv.dir.path())
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    std::fs::read(tv.dir.path().join("vault.key")).unwrap()
}

/// The vault key, as keycellar's own library unwraps it with the passphrase.
pub fn vault_key(tv: &TestVault) -> [u8; 32] {
    let header = keycellar::vault::VaultHeader::read(&tv.vault).unwrap();
    let secret = keycellar::secret::Secret::new(PASSPHRASE.to_string());
    *header
        .unlock_with_passphrase(&tv.vault, &secret)
        .unwrap()
        .expose()
}

#[test]
fn an_x25519_slot_opens_the_vault_and_stock_age_recovers_its_key() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let (identity, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    tv.cmd()
        .args(["slot", "add", "-r", &recipient, "--name", "escrow"])
        .assert()
        .success();
    let listed = with_identity(&tv, &identity)
        .args(["--json", "list"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&listed.get_output().stdout).contains("\"bot\""));
    let slots = tv.json(&["slot", "list"]);
    assert_eq!(slots["keyslots"][0]["name"], "passphrase");
    assert_eq!(slots["keyslots"][1]["name"], "escrow");
    assert_eq!(slots["keyslots"][1]["kind"], "x25519");
    assert_eq!(slots["keyslots"][1]["recipient"], recipient.as_str());
    assert_eq!(
        recover_with_recipe(&tv, "escrow", &identity),
        vault_key(&tv)
    );
}

#[test]
fn an_ssh_slot_is_recovered_by_stock_age() {
    let tv = TestVault::new();
    let (identity, public) = ssh_identity(&tv);
    tv.cmd()
        .args(["slot", "add", "-r", &public])
        .assert()
        .success();
    assert_eq!(tv.json(&["slot", "list"])["keyslots"][1]["name"], "ssh-1");
    with_identity(&tv, &identity)
        .arg("status")
        .assert()
        .success();
    assert_eq!(recover_with_recipe(&tv, "ssh-1", &identity), vault_key(&tv));
}

#[test]
fn passwd_and_rekey_keep_every_slot_opening_with_a_new_key() {
    let tv = TestVault::new();
    let (identity, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    tv.cmd()
        .args(["slot", "add", "-r", &recipient, "--name", "escrow"])
        .assert()
        .success();
    let before = vault_key(&tv);
    let slot_bytes = recover_with_recipe(&tv, "escrow", &identity);
    assert_eq!(slot_bytes, before);
    // rekey, opened through the slot: the passphrase comes from its file for the new
    // passphrase slot.
    with_identity(&tv, &identity)
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .arg("rekey")
        .assert()
        .success();
    let after = vault_key(&tv);
    assert_ne!(after, before);
    assert_eq!(recover_with_recipe(&tv, "escrow", &identity), after);
    with_identity(&tv, &identity).arg("list").assert().success();
    let slots = tv.json(&["slot", "list"]);
    assert_eq!(slots["keyslots"].as_array().unwrap().len(), 2);
    // passwd: only the passphrase changes; the age slot still opens, under the new key.
    let new_pass = tv.file("new-pass", "a brand new vault passphrase of many words\n");
    tv.cmd()
        .args(["passwd", "--new-passphrase-file"])
        .arg(&new_pass)
        .assert()
        .success();
    with_identity(&tv, &identity).arg("list").assert().success();
    let mut listed = tv.bare();
    listed
        .arg("--passphrase-file")
        .arg(&new_pass)
        .args(["slot", "list"]);
    listed.assert().success().stdout(contains("escrow"));
}

#[test]
fn the_last_slot_without_hardware_is_never_removed() {
    let tv = TestVault::new();
    let (_, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    let (kind, code) = failure(
        tv.cmd()
            .args(["--json", "slot", "remove", "passphrase"])
            .assert(),
    );
    assert_eq!((kind.as_str(), code), ("last_slot_without_hardware", 1));
    tv.cmd()
        .args(["slot", "add", "-r", &recipient, "--name", "escrow"])
        .assert()
        .success();
    // With the escrow slot there, the passphrase slot may go, and then escrow may not.
    tv.cmd()
        .args(["slot", "remove", "passphrase"])
        .assert()
        .success();
    let escrow = tv.dir.path().join("escrow.txt");
    let (kind, _) = failure(
        with_identity(&tv, &escrow)
            .args(["--json", "slot", "remove", "escrow"])
            .assert(),
    );
    assert_eq!(kind, "last_slot_without_hardware");
}

#[test]
fn failures_are_their_own_kinds_and_change_nothing() {
    let tv = TestVault::new();
    let (_, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    tv.cmd()
        .args(["slot", "add", "-r", &recipient, "--name", "escrow"])
        .assert()
        .success();
    let (stranger, _) = age_identity(tv.dir.path(), "stranger.txt");
    let before = tv.bytes();
    let cases: Vec<(Vec<&str>, &str, i32)> = vec![
        (
            vec!["slot", "add", "-r", "age1notarecipient"],
            "bad_slot_recipient",
            1,
        ),
        (
            vec!["slot", "add", "-r", "AGE-SECRET-KEY-1QQQQ"],
            "bad_slot_recipient",
            1,
        ),
        (
            vec!["slot", "add", "-r", &recipient, "--name", "escrow"],
            "slot_exists",
            1,
        ),
        (
            vec!["slot", "add", "-r", &recipient, "--name", "passphrase"],
            "bad_slot_name",
            1,
        ),
        (vec!["slot", "remove", "nobody"], "slot_not_found", 6),
        (
            vec!["slot", "add", "-r", "age1nosuch1pppppppppppppgsegre"],
            "plugin_not_installed",
            9,
        ),
    ];
    for (args, kind, code) in cases {
        let assert = tv.cmd().arg("--json").args(&args).assert();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(!stderr.contains("AGE-SECRET-KEY-1QQQQ"), "{stderr}");
        assert_eq!(failure(assert), (kind.to_string(), code), "{args:?}");
        assert_eq!(tv.bytes(), before, "{args:?} changed the vault");
    }
    let (kind, code) = failure(
        with_identity(&tv, &stranger)
            .args(["--json", "slot", "remove", "escrow"])
            .assert(),
    );
    assert_eq!((kind.as_str(), code), ("no_slot_for_identity", 3));
    assert_eq!(tv.bytes(), before);
    let stderr = with_identity(&tv, &stranger).arg("list").assert().failure();
    let secret = std::fs::read_to_string(&stranger).unwrap();
    let key_line = secret.lines().last().unwrap();
    assert!(!String::from_utf8_lossy(&stderr.get_output().stderr).contains(key_line));
}

#[test]
fn a_slot_added_by_an_older_reader_is_kept_and_the_passphrase_still_opens() {
    let tv = TestVault::new();
    let (_, recipient) = age_identity(tv.dir.path(), "escrow.txt");
    tv.cmd()
        .args(["slot", "add", "-r", &recipient])
        .assert()
        .success();
    tv.add_kraken("bot").success();
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stdout(contains("bot"));
    assert_eq!(
        tv.json(&["slot", "list"])["keyslots"][1]["name"],
        "x25519-1"
    );
}

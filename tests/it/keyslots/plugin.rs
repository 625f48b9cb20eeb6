//! The plugin path of age keyslots without hardware: the test plugin `age-plugin-kctest`
//! (crates/test-plugin, built here with the `age-plugin` crate) enrols, opens, opens the
//! agent, fails and is cancelled; every failure leaves the vault byte for byte as it was,
//! and no save runs a plugin.

use super::{failure, with_identity};
use crate::agent::AgentVault;
use crate::common::TestVault;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The recipient and identity `age-plugin-kctest` prints (fixed bytes, a test value).
const RECIPIENT: &str = "age1kctest1pyysjzgfpyysjxveuws";
const IDENTITY: &str = "AGE-PLUGIN-KCTEST-1QURSWPC8QURSW6J94ED";

/// The directory holding the built plugin: built once per test run, in a target directory
/// of its own, so that the `cargo test` that runs this is never waited on.
fn plugin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-plugin");
        let built = std::process::Command::new(env!("CARGO"))
            .args(["build", "--locked", "--quiet", "-p", "age-plugin-kctest"])
            // Unoptimised dependencies: the plugin does little work, and a cold build at
            // the workspace's opt-level 3 took minutes of CI's 15 (28 s of CPU this way).
            .args(["--config", "profile.dev.package.\"*\".opt-level=0"])
            .args(["--config", "profile.dev.debug=false"])
            .arg("--target-dir")
            .arg(&target)
            .status()
            .unwrap();
        assert!(built.success(), "the test plugin did not build");
        target.join("debug")
    })
}

/// PATH with the plugin first, and a log of its runs.
struct Plugged {
    path: String,
    log: PathBuf,
    identity: PathBuf,
}

impl Plugged {
    fn new(tv: &TestVault) -> Plugged {
        let path = format!(
            "{}:{}",
            plugin_dir().display(),
            std::env::var("PATH").unwrap()
        );
        let identity = tv.file("kctest.txt", &format!("{IDENTITY}\n"));
        Plugged {
            path,
            log: tv.dir.path().join("plugin.log"),
            identity,
        }
    }

    fn on(&self, mut cmd: assert_cmd::Command) -> assert_cmd::Command {
        cmd.env("PATH", &self.path).env("KCTEST_LOG", &self.log);
        cmd.env_remove("KCTEST_FAIL").env_remove("KCTEST_PIN");
        cmd
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(&self.log).map_or(0, |log| log.lines().count())
    }
}

fn enrolled() -> (TestVault, Plugged) {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let plugged = Plugged::new(&tv);
    let add = ["slot", "add", "-r", RECIPIENT, "--name", "token"];
    plugged.on(tv.cmd()).args(add).assert().success();
    (tv, plugged)
}

#[test]
fn a_plugin_slot_is_enrolled_from_its_recipient_and_opens_the_vault() {
    let (tv, plugged) = enrolled();
    assert_eq!(
        plugged.runs(),
        1,
        "enrolling runs the plugin's encryption side once"
    );
    let slots = tv.json(&["slot", "list"]);
    assert_eq!(slots["keyslots"][1]["kind"], "plugin kctest");
    assert_eq!(slots["keyslots"][1]["needs_hardware"], true);
    let listed = plugged
        .on(with_identity(&tv, &plugged.identity))
        .args(["--json", "list"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&listed.get_output().stdout).contains("\"bot\""));
    assert_eq!(plugged.runs(), 2);
}

#[test]
fn no_save_runs_a_plugin() {
    let (tv, plugged) = enrolled();
    let before = plugged.runs();
    for n in 0..100 {
        let note = format!("save {n}");
        let edit = ["edit", "bot", "--note", note.as_str()];
        plugged.on(tv.cmd()).args(edit).assert().success();
    }
    assert_eq!(plugged.runs(), before, "100 saves ran the plugin");
    // Opened through the plugin, a save runs it once: to open, never to save.
    let edit = ["edit", "bot", "--note", "through the token"];
    plugged
        .on(with_identity(&tv, &plugged.identity))
        .args(edit)
        .assert()
        .success();
    assert_eq!(plugged.runs(), before + 1);
}

#[test]
fn a_failing_cancelled_or_missing_plugin_changes_nothing() {
    let (tv, plugged) = enrolled();
    let before = tv.bytes();
    let mut failing = plugged.on(with_identity(&tv, &plugged.identity));
    failing
        .env("KCTEST_FAIL", "1")
        .args(["--json", "edit", "bot", "--note", "x"]);
    assert_eq!(failure(failing.assert()), ("plugin_failed".into(), 10));
    // A PIN is asked; with no terminal nobody answers it.
    let mut asking = plugged.on(with_identity(&tv, &plugged.identity));
    asking
        .env("KCTEST_PIN", "1234")
        .args(["--json", "edit", "bot", "--note", "x"]);
    let assert = asking.assert();
    assert!(!String::from_utf8_lossy(&assert.get_output().stderr).contains("1234"));
    assert_eq!(failure(assert), ("plugin_cancelled".into(), 11));
    let missing = tv.file("missing.txt", "AGE-PLUGIN-NOSUCH-1WWWWWWWWWWWWWJQM4QM\n");
    let mut absent = plugged.on(with_identity(&tv, &missing));
    absent.args(["--json", "list"]);
    let assert = absent.assert();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("age-plugin-nosuch"), "{stderr}");
    assert!(!stderr.contains("AGE-PLUGIN-NOSUCH-1"), "{stderr}");
    assert_eq!(failure(assert), ("plugin_not_installed".into(), 9));
    assert_eq!(tv.bytes(), before);
}

#[test]
fn the_agent_starts_from_a_plugin_slot_with_no_passphrase() {
    let av = AgentVault::new();
    let plugged = Plugged::new(&av.tv);
    let add = ["slot", "add", "-r", RECIPIENT, "--name", "tpm"];
    plugged.on(av.cmd()).args(add).assert().success();
    let start = [
        "--json",
        "agent",
        "start",
        "--idle",
        "none",
        "--max",
        "none",
        "--identity",
    ];
    plugged
        .on(av.bare())
        .args(start)
        .arg(&plugged.identity)
        .assert()
        .success();
    let listed = plugged
        .on(av.bare())
        .args(["--json", "list"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&listed.get_output().stdout).contains("\"k1\""));
}

/// Rewrites the vault with only its plugin slots, as no command leaves it (`slot remove`
/// refuses): a vault made elsewhere, or by an older keycellar.
fn keep_only_hardware_slots(tv: &TestVault) {
    use keycellar::vault::format::{self, keyslot::Keyslot};
    let key = super::vault_key(tv);
    let bytes = tv.bytes();
    let parsed = format::parse(&bytes).unwrap();
    let plaintext = keycellar::crypto::open(
        &key,
        &parsed.header.payload_nonce,
        parsed.header_bytes,
        parsed.sealed_payload,
    )
    .unwrap();
    let mut header = parsed.header.clone();
    header
        .keyslots
        .retain(|slot| matches!(slot, Keyslot::Age(age) if age.needs_hardware()));
    std::fs::write(&tv.vault, format::seal_file(&header, &key, &plaintext)).unwrap();
}

#[test]
fn audit_reports_a_vault_only_hardware_opens() {
    let (tv, plugged) = enrolled();
    let audit = |tv: &TestVault| {
        let out = plugged
            .on(with_identity(tv, &plugged.identity))
            .args(["--json", "audit"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        (rules, out.status.code())
    };
    assert!(!audit(&tv).0.contains(&"only-hardware-slots".to_string()));
    keep_only_hardware_slots(&tv);
    let (rules, code) = audit(&tv);
    assert!(
        rules.contains(&"only-hardware-slots".to_string()),
        "{rules:?}"
    );
    assert_eq!(code, Some(8));
}

/// A tag recipient (P-256's generator point): one no test identity holds.
const TAG: &str = "age1tag1qd43050juykyy3lchnnw2caygre8wqmasyk7kvaq7jsnj3wcnrpfvt5hxye";

/// An age file to the test plugin's recipient that holds no key (31 bytes).
fn junk_file(plugged: &Plugged, tv: &TestVault) -> Vec<u8> {
    let input = tv.file("junk-key", &"j".repeat(31));
    crate::common::run(
        crate::common::tool("age")
            .env("PATH", &plugged.path)
            .args(["-r", RECIPIENT])
            .arg(&input),
    )
}

/// The slots of a header written by someone who can replace the file: before the token's
/// own, `count` slots to the plugin's recipient and `count` tag slots, none of which holds
/// the vault key.
fn hostile_slots(tv: &TestVault, plugged: &Plugged, count: usize) {
    use keycellar::vault::format::{age_slot::AgeSlot, keyslot::Keyslot};
    let junk = junk_file(plugged, tv);
    super::identities::rewrite_slots(tv, |slots| {
        let token = super::identities::age_slot(slots, "token");
        slots.retain(|slot| matches!(slot, Keyslot::Passphrase(_)));
        for n in 0..count {
            for recipient in [RECIPIENT, TAG] {
                slots.push(Keyslot::Age(AgeSlot {
                    name: format!("hostile-{recipient:.8}-{n}"),
                    recipient: recipient.into(),
                    age_file: junk.clone(),
                    ..token.clone()
                }));
            }
        }
        slots.push(Keyslot::Age(token));
    });
}

#[test]
fn a_hostile_header_gets_a_bounded_number_of_plugin_runs() {
    let (tv, plugged) = enrolled();
    hostile_slots(&tv, &plugged, 10);
    let before = plugged.runs();
    let open = || plugged.on(with_identity(&tv, &plugged.identity));
    let (kind, _) = failure(open().args(["--json", "list"]).assert());
    assert_eq!(kind, "no_slot_for_identity");
    assert_eq!(plugged.runs() - before, 3, "runs over a header of 21 slots");
    // A failing plugin ends the search at its first run, and the error names it.
    let mut failing = open();
    failing.env("KCTEST_FAIL", "1").args(["--json", "list"]);
    let assert = failing.assert();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("age-plugin-kctest"), "{stderr}");
    assert_eq!(failure(assert), ("plugin_failed".into(), 10));
    assert_eq!(plugged.runs() - before, 4);
}

#[test]
fn a_tag_slot_is_tried_only_by_an_identity_that_names_it() {
    let (tv, plugged) = enrolled();
    // The token's file, recorded as a tag slot: whoever holds the tag's identity opens it.
    super::identities::rewrite_slots(&tv, |slots| {
        use keycellar::vault::format::keyslot::Keyslot;
        for slot in slots.iter_mut() {
            if let Keyslot::Age(age) = slot {
                age.recipient = TAG.into();
            }
        }
    });
    assert_eq!(tv.json(&["slot", "list"])["keyslots"][1]["kind"], "tag");
    let before = plugged.runs();
    let open = |identity: &Path| plugged.on(with_identity(&tv, identity));
    let (kind, _) = failure(open(&plugged.identity).args(["--json", "list"]).assert());
    assert_eq!(kind, "no_slot_for_identity");
    assert_eq!(
        plugged.runs(),
        before,
        "a tag slot it does not name ran the plugin"
    );
    let naming = tv.file("tag.txt", &format!("# Recipient: {TAG}\n{IDENTITY}\n"));
    open(&naming).arg("list").assert().success();
    assert_eq!(plugged.runs(), before + 1);
    let mut failing = open(&naming);
    failing.env("KCTEST_FAIL", "1").args(["--json", "list"]);
    let assert = failing.assert();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("age-plugin-kctest") && !stderr.contains("age-plugin-tag"));
}

#[test]
fn what_a_plugin_shows_is_escaped() {
    let (tv, plugged) = enrolled();
    let mut open = plugged.on(with_identity(&tv, &plugged.identity));
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}Your vault is corrupt";
    open.env("KCTEST_MESSAGE", hostile).arg("list");
    let assert = open.assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("Your vault is corrupt"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{202e}'),
        "{stderr:?}"
    );
}

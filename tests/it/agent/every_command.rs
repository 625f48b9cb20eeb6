//! Every command that would ask the vault passphrase, answered by an unlocked agent
//! instead (issue 31): one table of commands, each run on a vault served by an agent with
//! no passphrase source at all, and on a copy of that vault with `--no-agent` and the
//! passphrase. Both must succeed and leave the same entries (and, for `exec`, give the
//! child the same key); without the agent and without a source, each asks and fails.

use super::AgentVault;
use crate::common::*;
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SECOND_KEY: &str = "Ekcg7Xxq1cT8QmKkzXq4p3mS2fJ0rN9wYbE6hLuVaZo5tGiR/+WdPnCj";
const ROTATED_KEY: &str = "Dkcg7Xxq1cT8QmKkzXq4p3mS2fJ0rN9wYbE6hLuVaZo5tGiR/+WdPnCj";

/// The commands, in order (each side's state moves in step). `{in}` is a directory of
/// inputs both sides share, `{out}` a directory of each side's own outputs, `{r}` the
/// recipient of the identity `{in}/id.txt`.
const TABLE: [&[&str]; 13] = [
    &[
        "add",
        "k2",
        "--exchange",
        "kraken",
        "--key",
        SECOND_KEY,
        "--secret-file",
        "{in}/s2",
        "--otp-file",
        "{in}/seed",
    ],
    &["otp", "k2"],
    &[
        "edit",
        "k2",
        "--note",
        "from the table",
        "--add-permission",
        "query-funds",
    ],
    &["export", "-r", "{r}", "-o", "{out}/all.age"],
    &["print", "-r", "{r}", "-o", "{out}/sheet.pdf"],
    &["print", "--split", "2-of-3", "-o", "{out}/split.pdf"],
    &["verify", "--backup", "{out}/all.age", "-i", "{in}/id.txt"],
    &[
        "rotate",
        "k1",
        "--key",
        ROTATED_KEY,
        "--secret-file",
        "{in}/s3",
        "--reason",
        "table",
    ],
    &["import", "{in}/other.age", "-i", "{in}/id.txt"],
    &[
        "exec",
        "k2",
        "--",
        "sh",
        "-c",
        "printf %s \"$KRAKEN_API_SECRET\" | sha256sum",
    ],
    &[
        "exec",
        "--profile",
        "sign",
        // An unlocked agent of the user is running: the run says it accepts that.
        "--beside-agent",
        "k2",
        "--",
        "sh",
        "-c",
        "test -S \"$KEYCELLAR_SIGN_SOCK\"",
    ],
    &["history", "k1", "--signatures"],
    &["remove", "k2", "--yes"],
];

/// The two sides: `served` is the agent's vault, `local` a copy opened with the passphrase.
struct Sides {
    av: AgentVault,
    local: PathBuf,
    inputs: PathBuf,
    recipient: String,
}

impl Sides {
    fn new() -> Sides {
        let av = AgentVault::new();
        let dir = av.tv.dir.path().to_path_buf();
        let inputs = dir.join("in");
        std::fs::create_dir(&inputs).unwrap();
        for side in ["served", "local"] {
            std::fs::create_dir(dir.join(format!("out-{side}"))).unwrap();
        }
        std::fs::create_dir(dir.join("b")).unwrap();
        let local = dir.join("b").join("vault.kc");
        std::fs::copy(&av.tv.vault, &local).unwrap();
        std::fs::write(inputs.join("s2"), KRAKEN_SECRET.replace('F', "H")).unwrap();
        std::fs::write(inputs.join("s3"), KRAKEN_SECRET.replace('F', "G")).unwrap();
        std::fs::write(inputs.join("seed"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let (_, recipient) = age_identity(&inputs, "id.txt");
        // Another vault's export, to import.
        let other = TestVault::new();
        other.add_kraken("imported-bot").success();
        other
            .cmd()
            .args(["export", "-r", &recipient, "-o"])
            .arg(inputs.join("other.age"))
            .assert()
            .success();
        av.start(&[]);
        Sides {
            av,
            local,
            inputs,
            recipient,
        }
    }

    /// `keycellar --vault VAULT` in this test's user directories (where the agent's socket is)
    /// and state directory.
    fn keycellar(&self, vault: &Path) -> Command {
        let mut cmd = Command::cargo_bin("keycellar").unwrap();
        let home = self.av.tv.dir.path();
        cmd.env_remove("KEYCELLAR_VAULT")
            .env_remove("KEYCELLAR_AGENT_SOCK")
            .env("KEYCELLAR_TEST_USER_DIRS", self.av.tv.user.path())
            .env("HOME", home)
            .env("XDG_STATE_HOME", home.join("state"))
            .arg("--vault")
            .arg(vault);
        cmd
    }

    fn args(&self, row: &[&str], side: &str) -> Vec<String> {
        let out = self.av.tv.dir.path().join(format!("out-{side}"));
        row.iter()
            .map(|a| {
                a.replace("{in}", &self.inputs.to_string_lossy())
                    .replace("{out}", &out.to_string_lossy())
                    .replace("{r}", &self.recipient)
            })
            .collect()
    }

    /// The entries of `vault` as opened with the passphrase, without what differs between
    /// two runs of one command (ids, times).
    fn entries(&self, vault: &Path) -> Vec<Value> {
        let out = self
            .keycellar(vault)
            .arg("--passphrase-file")
            .arg(&self.av.tv.pass_file)
            .args(["--no-agent", "--json", "list"])
            .assert()
            .success();
        let listed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        let keep = [
            "label",
            "exchange",
            "api_key",
            "status",
            "permissions",
            "notes",
            "used_by",
            "fingerprint",
        ];
        let mut entries: Vec<Value> = listed["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                keep.iter()
                    .map(|k| (k.to_string(), e[*k].clone()))
                    .collect()
            })
            .collect();
        entries.sort_by_key(|e: &Value| e.to_string());
        entries
    }
}

#[test]
fn every_command_runs_through_the_agent_as_it_runs_with_the_passphrase() {
    let sides = Sides::new();
    let served = sides.av.tv.vault.clone();
    for row in TABLE {
        // Without the agent and without a passphrase source, the command asks (exit 2)
        // and changes nothing (it fails before it writes an output).
        let before = std::fs::read(&served).unwrap();
        sides
            .keycellar(&served)
            .arg("--no-agent")
            .args(sides.args(row, "served"))
            .assert()
            .code(2);
        assert_eq!(
            std::fs::read(&served).unwrap(),
            before,
            "{row:?} changed the vault"
        );
        let through_agent = sides
            .keycellar(&served)
            .args(sides.args(row, "served"))
            .output()
            .unwrap();
        let with_passphrase = sides
            .keycellar(&sides.local)
            .arg("--passphrase-file")
            .arg(&sides.av.tv.pass_file)
            .arg("--no-agent")
            .args(sides.args(row, "local"))
            .output()
            .unwrap();
        let said = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(
            through_agent.status.success(),
            "{row:?}: {}",
            said(&through_agent)
        );
        assert!(
            with_passphrase.status.success(),
            "{row:?}: {}",
            said(&with_passphrase)
        );
        if row[0] == "exec" {
            assert_eq!(through_agent.stdout, with_passphrase.stdout, "{row:?}");
        }
        assert_eq!(
            sides.entries(&served),
            sides.entries(&sides.local),
            "{row:?}: the vaults differ"
        );
    }
    let entries = sides.entries(&served);
    let labels: Vec<&str> = entries
        .iter()
        .map(|e| e["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels.len(),
        3,
        "k1 old and new, imported-bot, k2 removed: {labels:?}"
    );
    // The export through the agent holds what the one made with the passphrase holds.
    let decrypt = |side: &str| -> Value {
        let file = sides.av.tv.dir.path().join(format!("out-{side}/all.age"));
        let identity = sides.inputs.join("id.txt");
        let plain = run(tool("age").arg("-d").arg("-i").arg(&identity).arg(&file));
        let document: Value = serde_json::from_slice(&plain).unwrap();
        let mut entries = document["entries"].clone();
        for entry in entries.as_array_mut().unwrap() {
            for varying in ["id", "added_at"] {
                entry.as_object_mut().unwrap().remove(varying);
            }
        }
        entries
    };
    assert_eq!(decrypt("served"), decrypt("local"));
    // Both sides recorded the same backups: what the last export and print hold.
    let backups = |vault: &Path| {
        let out = sides
            .keycellar(vault)
            .arg("--passphrase-file")
            .arg(&sides.av.tv.pass_file)
            .args(["--no-agent", "--json", "status"])
            .assert()
            .success();
        let status: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        let holds = |kind: &str| {
            let state = &status[kind];
            (state["changed_since"].clone(), state["recipients"].clone())
        };
        (
            holds("last_export"),
            holds("last_print"),
            status["in_no_backup"].clone(),
        )
    };
    assert_eq!(backups(&served), backups(&sides.local));
}

#[test]
fn a_change_through_the_agent_waits_for_the_vault_lock_as_one_here_does() {
    let av = AgentVault::new();
    av.start(&[]);
    let before = av.tv.bytes();
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(av.tv.dir.path().join("vault.kc.lock"))
        .unwrap();
    lock.lock().unwrap();
    for local in [false, true] {
        let mut cmd = if local { av.cmd() } else { av.bare() };
        if local {
            cmd.arg("--no-agent");
        }
        let out = cmd
            .args([
                "--json",
                "--lock-timeout",
                "0",
                "edit",
                "k1",
                "--note",
                "busy",
            ])
            .assert()
            .code(7);
        let error: Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
        assert_eq!(error["error"]["kind"], "busy", "local: {local}");
        assert_eq!(av.tv.bytes(), before);
    }
    lock.unlock().unwrap();
    av.bare()
        .args(["edit", "k1", "--note", "free"])
        .assert()
        .success();
    // The change is in the file: the vault opens with the passphrase and holds it.
    let shown = av.tv.json(&["--no-agent", "show", "k1"]);
    assert_eq!(shown["notes"], "free");
}

#[test]
fn exec_replies_carry_only_the_chosen_entries_secrets() {
    let av = AgentVault::new();
    av.tv.add_kraken("other-label").success();
    av.start(&[]);
    let options = serde_json::json!({
        "labels": ["k1"], "profile": "env", "custom": [], "allow_inactive": false,
    });
    let answer = av
        .connect()
        .ask(&av.run_request(serde_json::json!({"request": "exec_prepare", "options": options})));
    assert_eq!(answer["ok"], true, "{answer}");
    let entries = answer["report"]["prepared"]["entries"].as_array().unwrap();
    let labels: Vec<&str> = entries
        .iter()
        .map(|e| e["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["k1"]);
    // A request with a field the operation does not have is refused before the key is used.
    let refused = av.connect().ask(&av.run_request(serde_json::json!({
        "request": "change", "lock_timeout_ms": 0,
        "change": {"change": "remove", "label": "k1", "force": true},
    })));
    assert_eq!(refused["error"]["kind"], "bad_request", "{refused}");
    av.bare().args(["show", "k1"]).assert().success();
}

//! Every `--json` document matches its definition in docs/json/schema-1.json (no missing,
//! extra or mistyped field; secrets only under `show --reveal`), and every definition there
//! is printed by some command here, so the schema cannot drift from the code either way.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;

fn schema() -> Value {
    let text = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/json/schema-1.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

struct Checker {
    root: Value,
    seen: BTreeSet<String>,
}

impl Checker {
    fn check(&mut self, definition: &str, document: &Value) {
        let wrapper = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": self.root["$defs"],
            "$ref": format!("#/$defs/{definition}"),
        });
        let validator = jsonschema::validator_for(&wrapper).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(document)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{definition}: {errors:?}\n{document:#}");
        self.seen.insert(definition.to_string());
    }
}

fn stdout_json(mut cmd: assert_cmd::Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_json_document_matches_its_schema() {
    let mut c = Checker {
        root: schema(),
        seen: BTreeSet::new(),
    };
    let tv = TestVault::empty();
    let run = |args: &[&str]| {
        let mut cmd = tv.cmd();
        cmd.arg("--json").args(args);
        stdout_json(cmd)
    };
    let path = |name: &str| tv.dir.path().join(name).display().to_string();

    c.check("init", &run(&[&["init"][..], &FAST_KDF].concat()));
    let secret = tv.file("s", KRAKEN_SECRET);
    let secret = secret.to_str().unwrap();
    let added = run(&[
        "add",
        "k1",
        "--exchange",
        "kraken",
        "--key",
        KRAKEN_KEY,
        "--secret-file",
        secret,
    ]);
    c.check("added", &added);
    // The same key again: added, with a warning that leaves as a JSON document on stderr.
    let twin = tv
        .cmd()
        .args([
            "--json",
            "add",
            "k2",
            "--exchange",
            "kraken",
            "--key",
            KRAKEN_KEY,
        ])
        .args(["--secret-file", secret])
        .output()
        .unwrap();
    assert!(twin.status.success());
    c.check("added", &serde_json::from_slice(&twin.stdout).unwrap());
    let warnings: Value = serde_json::from_slice(&twin.stderr).unwrap();
    assert!(
        warnings["warnings"][0]
            .as_str()
            .unwrap()
            .contains("same key")
    );
    c.check("warnings", &warnings);
    c.check("done", &run(&["remove", "k2", "--yes"]));
    c.check("list", &run(&["list"]));
    let shown = run(&["show", "k1"]);
    assert!(shown.get("secret").is_none());
    c.check("show", &shown);
    c.check("show_reveal", &run(&["show", "k1", "--reveal"]));
    c.check("done", &run(&["edit", "k1", "--note", "n"]));
    c.check("fingerprint_of", &run(&["fingerprint"]));
    c.check("fingerprint_of", &run(&["fingerprint", "k1"]));
    c.check("verify", &run(&["verify"]));
    let keygen = run(&["keygen", "-o", &path("id.txt")]);
    c.check("keygen", &keygen);
    let recipient = keygen["public_key"].as_str().unwrap();
    c.check(
        "exported",
        &run(&["export", "-o", &path("e.age"), "-r", recipient]),
    );
    let id = path("id.txt");
    c.check(
        "comparison",
        &run(&["verify", "--backup", &path("e.age"), "-i", &id]),
    );
    c.check(
        "import_plan",
        &run(&["import", &path("e.age"), "-i", &id, "--dry-run"]),
    );
    c.check("imported", &run(&["import", &path("e.age"), "-i", &id]));
    let env = format!(
        "KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n\
         FTX_API_KEY=a\nFTX_API_SECRET=b\nBYBIT_SECRET=c\n"
    );
    let env = tv.file("keys.env", &env);
    let moved_in = run(&[
        "import",
        "--from",
        "env",
        env.to_str().unwrap(),
        "--dry-run",
        "--strip",
    ]);
    assert_eq!(moved_in["source"]["keys"].as_array().unwrap().len(), 3);
    assert_eq!(
        moved_in["source"]["strip"]["run"].as_array().unwrap().len(),
        1
    );
    c.check("import_plan", &moved_in);
    let stripped = run(&["import", "--from", "env", env.to_str().unwrap(), "--strip"]);
    assert_eq!(stripped["stripped"]["fields"].as_array().unwrap().len(), 2);
    c.check("imported", &stripped);
    c.check(
        "printed",
        &run(&["print", "-o", &path("b.pdf"), "-r", recipient]),
    );
    c.check("status", &run(&["status"]));
    c.check("profiles", &run(&["exec", "--list-profiles"]));
    c.check("history", &run(&["history", "k1"]));
    let new_key = format!("{}z", &KRAKEN_KEY[..KRAKEN_KEY.len() - 1]);
    let new_secret = tv.file("s2", &KRAKEN_SECRET.replace('F', "G"));
    let new_secret = new_secret.to_str().unwrap();
    let seed = tv.file("seed", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n");
    c.check(
        "rotated",
        &run(&[
            "rotate",
            "k1",
            "--key",
            &new_key,
            "--secret-file",
            new_secret,
            "--otp-file",
            seed.to_str().unwrap(),
        ]),
    );
    // The new key has authenticator 2FA: its code, and its seed only when revealed.
    c.check("otp", &run(&["otp", "k1"]));
    let shown = run(&["show", "k1"]);
    assert_eq!(shown["two_factor"], "authenticator");
    c.check("show", &shown);
    c.check("show_reveal", &run(&["show", "k1", "--reveal"]));
    // The new key is in no backup yet: status names it.
    let status = run(&["status"]);
    assert_eq!(status["in_no_backup"][0]["label"], "k1");
    c.check("status", &status);
    // audit finds the test KDF weak: its findings on stdout, a JSON error on stderr.
    let out = tv.cmd().args(["--json", "audit"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    c.check("audit", &serde_json::from_slice(&out.stdout).unwrap());
    c.check("error", &serde_json::from_slice(&out.stderr).unwrap());
    c.check("done", &run(&["remove", "k1", "--yes"]));
    c.check(
        "done",
        &run(&[
            "passwd",
            "--new-passphrase-file",
            tv.pass_file.to_str().unwrap(),
        ]),
    );

    check_keyslot_documents(&mut c, &tv);
    check_agent_documents(&mut c, &tv);

    let defined: BTreeSet<String> = c.root["$defs"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !["entry", "fingerprint", "backup_coverage", "rebuilt"].contains(&k.as_str()))
        .cloned()
        .collect();
    assert_eq!(
        c.seen, defined,
        "a definition no command printed, or the reverse"
    );
}

/// `slot list`, `slot add`, `slot remove` and `rekey` (docs/FORMAT.md section 1.2.1).
fn check_keyslot_documents(c: &mut Checker, tv: &TestVault) {
    let (_, recipient) = age_identity(tv.dir.path(), "schema-escrow.txt");
    let run = |args: &[&str]| {
        let mut cmd = tv.cmd();
        cmd.arg("--json").args(args);
        stdout_json(cmd)
    };
    c.check(
        "done",
        &run(&["slot", "add", "-r", &recipient, "--name", "escrow"]),
    );
    c.check("keyslots", &run(&["slot", "list"]));
    c.check("done", &run(&["rekey"]));
    c.check("done", &run(&["slot", "remove", "escrow"]));
}

/// `agent start`, `agent status`, `lock` and `agent stop` (docs/AGENT.md), the agent's
/// socket in the test's own directories.
fn check_agent_documents(c: &mut Checker, tv: &TestVault) {
    let agent = |args: &[&str]| {
        let mut cmd = tv.cmd();
        cmd.arg("--json").args(args);
        stdout_json(cmd)
    };
    c.check("agent_status", &agent(&["agent", "start"]));
    c.check("agent_status", &agent(&["agent", "status"]));
    c.check("agent_done", &agent(&["lock"]));
    c.check("agent_done", &agent(&["agent", "stop"]));
    c.check("agent_done", &agent(&["agent", "stop"]));
}

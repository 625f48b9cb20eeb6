//! Random sequences of commands against an in-memory model of the vault, through the real
//! binary. After every step: the vault opens with the current passphrase, `list --json`
//! equals the model, a step that fails leaves every file byte-identical, and a step that
//! changes nothing writes nothing. Exports are imported into a new vault (and sheets are
//! restored from their typed text) and must give back exactly what was backed up.
//!
//! 200 cases run in the normal test run; `KEYCELLAR_MODEL_CASES=5000 cargo test --test
//! model` runs more (README.md).

use crate::common::*;
use keycellar::credential::exchange::Exchange;
use keycellar::credential::fingerprint;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const LABELS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];
const PERMISSIONS: [&str; 2] = ["read", "trade"];

/// One entry as `list --json` shows it.
#[derive(Clone, Debug, PartialEq)]
struct Model {
    /// Names the entry in the model only (the vault's ids are random).
    id: usize,
    /// The id of the entry this one replaced in a rotation.
    supersedes: Option<usize>,
    label: String,
    key: usize,
    status: &'static str,
    permissions: Vec<String>,
    notes: Option<String>,
    used_by: Vec<String>,
}

impl Model {
    fn api_key(&self) -> String {
        format!("public-key-{}", self.key)
    }

    fn json(&self) -> Value {
        let secret = secret(self.key);
        let fp = fingerprint::compute(Exchange::Other, &self.api_key(), &secret, None).unwrap();
        json!({
            "label": self.label,
            "api_key": self.api_key(),
            "status": self.status,
            "permissions": self.permissions,
            "notes": self.notes,
            "used_by": self.used_by,
            "fingerprint": fp.to_string(),
        })
    }

    fn is_current(&self) -> bool {
        self.status != "rotated"
    }
}

fn secret(key: usize) -> String {
    format!("secret-number-{key}-0123456789abcdef")
}

#[derive(Clone, Debug)]
enum Op {
    Add { label: usize, key: usize },
    AddPermission { label: usize, permission: usize },
    RemovePermission { label: usize, permission: usize },
    Note { label: usize, note: Option<usize> },
    Status { label: usize, status: usize },
    Remove { label: usize },
    Rotate { label: usize, key: usize },
    Passwd,
    Export,
    ImportBack,
    PrintRestore,
}

fn op() -> impl Strategy<Value = Op> {
    let label = 0..LABELS.len();
    prop_oneof![
        6 => (label.clone(), 0..3usize).prop_map(|(label, key)| Op::Add { label, key }),
        2 => (label.clone(), 0..2usize)
            .prop_map(|(label, permission)| Op::AddPermission { label, permission }),
        1 => (label.clone(), 0..2usize)
            .prop_map(|(label, permission)| Op::RemovePermission { label, permission }),
        2 => (label.clone(), proptest::option::of(0..2usize))
            .prop_map(|(label, note)| Op::Note { label, note }),
        1 => (label.clone(), 0..3usize).prop_map(|(label, status)| Op::Status { label, status }),
        2 => label.clone().prop_map(|label| Op::Remove { label }),
        2 => (label, 0..4usize).prop_map(|(label, key)| Op::Rotate { label, key }),
        1 => Just(Op::Passwd),
        2 => Just(Op::Export),
        1 => Just(Op::ImportBack),
    ]
}

/// The vault under test, its model, and what is needed to run commands on it.
struct World {
    tv: TestVault,
    entries: Vec<Model>,
    passphrase: usize,
    identity: PathBuf,
    recipient: String,
    last_export: Option<(PathBuf, Vec<Model>)>,
    step: usize,
    next_id: usize,
}

/// What a step expects.
enum Expect {
    Success,
    /// Fails with this exit code, every file as it was.
    Failure(i32),
    /// Succeeds and writes nothing.
    NoChange,
}

impl World {
    fn new() -> World {
        let tv = TestVault::new();
        let identity = tv.dir.path().join("backup-key.txt");
        let out = tv
            .cmd()
            .args(["keygen", "-o"])
            .arg(&identity)
            .assert()
            .success();
        let recipient = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        World {
            tv,
            entries: Vec::new(),
            passphrase: 0,
            identity,
            recipient: recipient.trim().to_string(),
            last_export: None,
            step: 0,
            next_id: 0,
        }
    }

    /// The vault and its generations, with their bytes.
    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        ["vault.kc", "vault.kc.1", "vault.kc.2"]
            .iter()
            .map(|name| self.tv.dir.path().join(name))
            .filter(|path| path.exists())
            .map(|path| (path.clone(), fs::read(&path).unwrap()))
            .collect()
    }

    /// Where the model says the command finds `label`: the current entry, else the first
    /// rotated one.
    fn find(&self, label: &str) -> Option<usize> {
        let e = &self.entries;
        e.iter()
            .position(|m| m.label == label && m.is_current())
            .or_else(|| e.iter().position(|m| m.label == label))
    }

    fn label_taken(&self, label: &str, except: Option<usize>) -> bool {
        self.entries
            .iter()
            .enumerate()
            .any(|(i, m)| Some(i) != except && m.label == label && m.is_current())
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        self.tv.file(&format!("{name}-{}", self.step), content)
    }

    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        self.step += 1;
        let before = self.files();
        let (output, expect) = self.apply(op)?;
        let code = output.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&output.stderr);
        match expect {
            Expect::Success => prop_assert_eq!(code, 0, "{:?}: {}", op, stderr),
            Expect::NoChange => {
                prop_assert_eq!(code, 0, "{:?}: {}", op, stderr);
                prop_assert!(self.files() == before, "{:?} changed nothing but wrote", op);
            }
            Expect::Failure(expected) => {
                prop_assert_eq!(code, expected, "{:?}: {}", op, stderr);
                prop_assert!(self.files() == before, "{:?} failed but wrote", op);
            }
        }
        self.check_list(&self.tv)
    }

    /// `restored` holds exactly what the vault holds: every field of `list --json` but the
    /// day count, which moves with the clock.
    fn check_restored(&self, restored: &TestVault) -> Result<(), TestCaseError> {
        self.check_list(restored)?;
        prop_assert_eq!(full_entries(restored), full_entries(&self.tv));
        Ok(())
    }

    /// `list --json` of `tv` equals the model.
    fn check_list(&self, tv: &TestVault) -> Result<(), TestCaseError> {
        let listed = tv.json(&["list"]);
        let fields = [
            "label",
            "api_key",
            "status",
            "permissions",
            "notes",
            "used_by",
        ];
        let got: Vec<Value> = listed["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let mut picked = serde_json::Map::new();
                for field in fields.iter().chain(&["fingerprint"]) {
                    picked.insert(field.to_string(), e[field].clone());
                }
                Value::Object(picked)
            })
            .collect();
        let want: Vec<Value> = self.entries.iter().map(Model::json).collect();
        prop_assert_eq!(got, want);
        Ok(())
    }

    fn apply(&mut self, op: &Op) -> Result<(std::process::Output, Expect), TestCaseError> {
        Ok(match *op {
            Op::Add { label, key } => self.add(LABELS[label], key),
            Op::AddPermission { label, permission } => {
                let p = PERMISSIONS[permission].to_string();
                self.edit(LABELS[label], &["--add-permission", &p], |m| {
                    if !m.permissions.contains(&p) {
                        m.permissions.push(p.clone());
                    }
                })
            }
            Op::RemovePermission { label, permission } => {
                let p = PERMISSIONS[permission].to_string();
                let absent = self
                    .find(LABELS[label])
                    .is_some_and(|i| !self.entries[i].permissions.contains(&p));
                let (output, expect) =
                    self.edit(LABELS[label], &["--remove-permission", &p], |m| {
                        m.permissions.retain(|q| *q != p)
                    });
                // Removing what is not there is refused (it is a typing mistake), not a no-op.
                (output, if absent { Expect::Failure(1) } else { expect })
            }
            Op::Note { label, note } => {
                let text = note.map(|n| format!("note {n}"));
                let flag = text.clone().unwrap_or_default();
                self.edit(LABELS[label], &["--note", &flag], |m| {
                    m.notes = text.clone()
                })
            }
            Op::Status { label, status } => {
                let s = ["active", "revoked", "expired"][status];
                self.edit(LABELS[label], &["--status", s], |m| m.status = s)
            }
            Op::Remove { label } => self.remove(LABELS[label]),
            Op::Rotate { label, key } => self.rotate(LABELS[label], key),
            Op::Passwd => self.passwd(),
            Op::Export => self.export()?,
            Op::ImportBack => self.import_back()?,
            Op::PrintRestore => self.print_restore()?,
        })
    }

    fn add(&mut self, label: &str, key: usize) -> (std::process::Output, Expect) {
        let secret = self.file("secret", &secret(key));
        let mut cmd = self.tv.cmd();
        cmd.args(["add", label, "--exchange", "other", "--key"])
            .arg(format!("public-key-{key}"))
            .arg("--secret-file")
            .arg(secret);
        let expect = if self.label_taken(label, None) {
            Expect::Failure(1)
        } else {
            self.next_id += 1;
            self.entries.push(Model {
                id: self.next_id,
                supersedes: None,
                label: label.into(),
                key,
                status: "active",
                permissions: vec![],
                notes: None,
                used_by: vec![],
            });
            Expect::Success
        };
        (cmd.output().unwrap(), expect)
    }

    fn edit(
        &mut self,
        label: &str,
        flags: &[&str],
        change: impl Fn(&mut Model),
    ) -> (std::process::Output, Expect) {
        let mut cmd = self.tv.cmd();
        cmd.args(["edit", label]).args(flags);
        let expect = match self.find(label) {
            None => Expect::Failure(6),
            Some(i) => {
                let mut changed = self.entries[i].clone();
                change(&mut changed);
                if changed == self.entries[i] {
                    Expect::NoChange
                } else if changed.is_current() && self.label_taken(label, Some(i)) {
                    Expect::Failure(1)
                } else {
                    self.entries[i] = changed;
                    Expect::Success
                }
            }
        };
        (cmd.output().unwrap(), expect)
    }

    fn remove(&mut self, label: &str) -> (std::process::Output, Expect) {
        let mut cmd = self.tv.cmd();
        cmd.args(["remove", label, "--yes"]);
        let expect = match self.find(label) {
            None => Expect::Failure(6),
            Some(i) => {
                self.entries.remove(i);
                Expect::Success
            }
        };
        (cmd.output().unwrap(), expect)
    }

    /// The keys entry `i` and the entries it replaced held (a key index stands for both
    /// its public key and its secret), following the rotation links still in the vault.
    fn history(&self, i: usize) -> Vec<usize> {
        let mut keys = vec![self.entries[i].key];
        let mut next = self.entries[i].supersedes;
        while let Some(earlier) = next.and_then(|id| self.entries.iter().find(|m| m.id == id)) {
            keys.push(earlier.key);
            next = earlier.supersedes;
        }
        keys
    }

    fn rotate(&mut self, label: &str, key: usize) -> (std::process::Output, Expect) {
        let secret = self.file("new-secret", &secret(key));
        let mut cmd = self.tv.cmd();
        cmd.args(["rotate", label, "--no-backup-check", "--key"])
            .arg(format!("public-key-{key}"))
            .arg("--secret-file")
            .arg(secret);
        let expect = match self.find(label) {
            None => Expect::Failure(6),
            Some(i) if !self.entries[i].is_current() || self.history(i).contains(&key) => {
                Expect::Failure(1)
            }
            Some(i) => {
                self.next_id += 1;
                let old = &mut self.entries[i];
                let new = Model {
                    id: self.next_id,
                    supersedes: Some(old.id),
                    key,
                    status: "active",
                    ..old.clone()
                };
                old.status = "rotated";
                old.used_by.clear();
                self.entries.push(new);
                Expect::Success
            }
        };
        (cmd.output().unwrap(), expect)
    }

    fn passwd(&mut self) -> (std::process::Output, Expect) {
        let next = self.passphrase + 1;
        let new = self.file("new-pass", &format!("model-{next}-Qz7Wx3Rk9Lm2Vb\n"));
        let mut cmd = self.tv.cmd();
        cmd.arg("passwd").arg("--new-passphrase-file").arg(new);
        let output = cmd.output().unwrap();
        if output.status.success() {
            self.passphrase = next;
            fs::write(&self.tv.pass_file, format!("model-{next}-Qz7Wx3Rk9Lm2Vb\n")).unwrap();
        }
        (output, Expect::Success)
    }

    /// Exports everything, and checks that `import --init` gives back exactly that.
    fn export(&mut self) -> Result<(std::process::Output, Expect), TestCaseError> {
        let file = self.tv.dir.path().join(format!("export-{}.age", self.step));
        let output = self
            .tv
            .cmd()
            .args(["export", "-r", &self.recipient, "-o"])
            .arg(&file)
            .output()
            .unwrap();
        if output.status.success() {
            let restored = TestVault::empty();
            restored
                .cmd()
                .args(["import", "--init"])
                .args(FAST_KDF)
                .arg(&file)
                .arg("-i")
                .arg(&self.identity)
                .assert()
                .success();
            self.check_restored(&restored)?;
            self.last_export = Some((file, self.entries.clone()));
        }
        Ok((output, Expect::Success))
    }

    /// Imports the last export into the vault, by the merge rules.
    fn import_back(&mut self) -> Result<(std::process::Output, Expect), TestCaseError> {
        let Some((file, exported)) = self.last_export.clone() else {
            return self.export();
        };
        let output = self
            .tv
            .cmd()
            .arg("import")
            .arg(&file)
            .arg("-i")
            .arg(&self.identity)
            .output()
            .unwrap();
        let mut merged = self.entries.clone();
        let mut added = 0;
        for entry in exported {
            let present = merged
                .iter()
                .any(|m| m.label == entry.label && m.key == entry.key);
            if present {
                continue;
            }
            let taken = entry.is_current()
                && merged
                    .iter()
                    .any(|m| m.label == entry.label && m.is_current());
            if taken {
                return Ok((output, Expect::Failure(1)));
            }
            merged.push(entry);
            added += 1;
        }
        self.entries = merged;
        let expect = if added == 0 {
            Expect::NoChange
        } else {
            Expect::Success
        };
        Ok((output, expect))
    }

    /// Prints a sheet and restores it from its typed text into a new vault.
    fn print_restore(&mut self) -> Result<(std::process::Output, Expect), TestCaseError> {
        let pdf = self.tv.dir.path().join(format!("sheet-{}.pdf", self.step));
        let output = self
            .tv
            .cmd()
            .args(["print", "-o"])
            .arg(&pdf)
            .arg("--backup-passphrase-file")
            .arg(&self.tv.pass_file)
            .output()
            .unwrap();
        if output.status.success() && !self.entries.is_empty() {
            let text = typed_text(&pdf, self.tv.dir.path());
            let restored = TestVault::empty();
            fs::copy(&self.tv.pass_file, &restored.pass_file).unwrap();
            restored
                .cmd()
                .args(["restore", "--init"])
                .args(FAST_KDF)
                .arg("--backup-passphrase-file")
                .arg(&self.tv.pass_file)
                .arg("--text")
                .arg(&text)
                .assert()
                .success();
            self.check_restored(&restored)?;
        }
        Ok((output, Expect::Success))
    }
}

/// Every entry of `list --json` with all its fields but `age_days`.
fn full_entries(tv: &TestVault) -> Value {
    let mut list = tv.json(&["list"]);
    for entry in list["entries"].as_array_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("age_days");
    }
    list["entries"].take()
}

/// The sheet's text as pdftotext gives it, in a file.
fn typed_text(pdf: &Path, dir: &Path) -> PathBuf {
    let text = run(tool("pdftotext").args(["-layout"]).arg(pdf).arg("-"));
    let path = dir.join("typed.txt");
    fs::write(&path, text).unwrap();
    path
}

fn cases(default: u32) -> u32 {
    std::env::var("KEYCELLAR_MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn check_sequences(strategy: impl Strategy<Value = Vec<Op>>, cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |ops| {
            let mut world = World::new();
            for op in &ops {
                world.run(op)?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn random_sequences_keep_the_vault_equal_to_its_model() {
    check_sequences(proptest::collection::vec(op(), 1..8), cases(200));
}

#[test]
fn printed_sheets_restore_what_the_model_holds() {
    let with_print = proptest::collection::vec(op(), 1..5).prop_map(|mut ops| {
        ops.push(Op::PrintRestore);
        ops
    });
    check_sequences(with_print, cases(200) / 20);
}

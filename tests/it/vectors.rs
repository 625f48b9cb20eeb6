//! Test vectors in `fixtures/vectors/`: vault files, age exports and typed paper text, each
//! with the exact outcome its `manifest.json` states (exit code, error kind, and for files
//! that open the vault fingerprint and entry count). No failure may be reported as another
//! class, and no error message may contain a secret of the fixture.
//! The generators beside the manifests say how each file was made.

use crate::common::paper::{typed_share, with_typed_share};
use crate::common::{FAST_KDF, FIXTURE_SECRETS, TestVault};
use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// Passphrases used to make the vectors, beside the fixture's own secrets.
const VECTOR_PASSPHRASES: [&str; 2] = ["keycellar-fixture-v1", "keycellar-vectors-"];

fn vectors_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/vectors")
        .join(kind)
}

fn manifest(kind: &str) -> Vec<Value> {
    let text = fs::read_to_string(vectors_dir(kind).join("manifest.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Runs `command` and compares its outcome with `vector`; `listing` lists the vault the
/// command opened or made. Returns a description of any difference.
fn outcome_matches(
    vector: &Value,
    mut command: Command,
    listing: impl Fn() -> Value,
) -> Option<String> {
    let name = vector["file"].as_str().unwrap();
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut secrets = FIXTURE_SECRETS.iter().chain(&VECTOR_PASSPHRASES);
    if let Some(secret) = secrets.find(|s| stderr.contains(*s)) {
        return Some(format!("{name}: the error shows a secret ({secret:.8}...)"));
    }
    let code = out.status.code();
    let expected_code = vector["exit"].as_i64().map(|c| c as i32);
    let got = if code == Some(0) {
        if let Some(warning) = vector["warning_contains"].as_str()
            && !stderr.contains(warning)
        {
            return Some(format!("{name}: no warning {warning:?}: {stderr}"));
        }
        let list = listing();
        format!(
            "exit 0 ok {} {}",
            list["vault_fingerprint"].as_str().unwrap_or("?"),
            list["entries"].as_array().map_or(0, Vec::len)
        )
    } else {
        let doc: Value = match serde_json::from_str(&stderr) {
            Ok(doc) => doc,
            Err(_) => return Some(format!("{name}: not a JSON error: {stderr}")),
        };
        let message = doc["error"]["message"].as_str().unwrap_or("").to_string();
        let parts = match &vector["message_contains"] {
            Value::String(part) => vec![part.as_str()],
            Value::Array(parts) => parts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if let Some(part) = parts.iter().find(|part| !message.contains(*part)) {
            return Some(format!("{name}: message lacks {part:?}: {message}"));
        }
        format!(
            "exit {} {}",
            code.unwrap_or(-1),
            doc["error"]["kind"].as_str().unwrap_or("?")
        )
    };
    let expected = if expected_code == Some(0) {
        format!(
            "exit 0 ok {} {}",
            vector["vault_fingerprint"].as_str().unwrap(),
            vector["entries"]
        )
    } else {
        format!(
            "exit {} {}",
            vector["exit"],
            vector["kind"].as_str().unwrap()
        )
    };
    (got != expected).then(|| format!("{name}: expected {expected}, got {got}"))
}

fn check_all(kind: &str, minimum: usize, make: impl Fn(&Value, &TestVault, &Path) -> Command) {
    let vectors = manifest(kind);
    assert!(
        vectors.len() >= minimum,
        "only {} {kind} vectors",
        vectors.len()
    );
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|vector| {
            let tv = TestVault::empty();
            let file = vectors_dir(kind).join(vector["file"].as_str().unwrap());
            let command = make(vector, &tv, &file);
            outcome_matches(vector, command, || listed(kind, vector, &tv))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The vault a vector left, listed; a vault vector opened with the identity (an age
/// keyslot, docs/FORMAT.md section 1.2.1) is listed with it too.
fn listed(kind: &str, vector: &Value, tv: &TestVault) -> Value {
    if kind != "vault" || vector["identity"] != true {
        return tv.json(&["list"]);
    }
    let mut command = tv.bare();
    command
        .arg("--identity")
        .arg(vectors_dir("export").join("identity.txt"))
        .args(["--json", "list"]);
    serde_json::from_slice(&command.assert().success().get_output().stdout).unwrap()
}

/// `--backup-passphrase-file` for vectors that name a passphrase.
fn backup_passphrase(vector: &Value, tv: &TestVault, command: &mut Command) {
    if let Some(pass) = vector["passphrase"].as_str() {
        let file = tv.file("backup-pass", &format!("{pass}\n"));
        command.arg("--backup-passphrase-file").arg(file);
    }
}

#[test]
fn every_vault_vector_has_its_exact_outcome() {
    check_all("vault", 40, |vector, tv, file| {
        fs::copy(file, &tv.vault).unwrap();
        let pass = vector["passphrase"].as_str().unwrap();
        fs::write(&tv.pass_file, format!("{pass}\n")).unwrap();
        let mut command = tv.cmd();
        if vector["identity"] == true {
            command = tv.bare();
            command
                .arg("--identity")
                .arg(vectors_dir("export").join("identity.txt"));
        }
        command.args(["--json", "list"]);
        command
    });
}

#[test]
fn every_export_vector_has_its_exact_outcome() {
    check_all("export", 20, |vector, tv, file| {
        let mut command = tv.cmd();
        command
            .args(["--json", "import", "--init"])
            .args(FAST_KDF)
            .arg(file);
        if vector["identity"] == true {
            command
                .arg("-i")
                .arg(vectors_dir("export").join("identity.txt"));
        }
        backup_passphrase(vector, tv, &mut command);
        command
    });
}

fn restore_text(vector: &Value, tv: &TestVault, file: &Path) -> Command {
    let mut command = tv.cmd();
    command
        .args(["--json", "restore", "--init"])
        .args(FAST_KDF)
        .arg("--text")
        .arg(file);
    backup_passphrase(vector, tv, &mut command);
    command
}

/// Typed copies of a format-1 (KC1) sheet, made before format 2: kept, never regenerated.
#[test]
fn every_kc1_paper_text_vector_has_its_exact_outcome() {
    check_all("paper", 12, restore_text);
}

#[test]
fn every_kc2_paper_text_vector_has_its_exact_outcome() {
    check_all("paper-kc2", 20, restore_text);
}

/// The split sheet in `fixtures/vectors/shares/` (the golden fixture, `print --split
/// 3-of-5`): `combine_shares.py`, written from docs/FORMAT.md section 8.7 alone, gives the
/// same sheet key from every 3 of the 5 share copies and refuses 2; and keycellar restores
/// the fixture from the same typed files, so a later version keeps reading these shares.
#[test]
fn an_independent_combiner_and_keycellar_agree_on_the_fixture_shares() {
    let dir = vectors_dir("shares");
    let share = |x: usize| dir.join(format!("share-{x}-of-5.txt"));
    let combine = |xs: &[usize]| {
        Command::new("python3")
            .arg(dir.parent().unwrap().join("combine_shares.py"))
            .args(xs.iter().map(|&x| share(x)))
            .output()
            .unwrap()
    };
    let mut keys = std::collections::BTreeSet::new();
    for a in 1..=5 {
        for b in a + 1..=5 {
            for c in b + 1..=5 {
                let out = combine(&[a, b, c]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                keys.insert(out.stdout);
            }
            let out = combine(&[a, b]);
            assert!(!out.status.success());
            assert!(String::from_utf8_lossy(&out.stderr).contains("3 shares are needed"));
        }
    }
    assert_eq!(keys.len(), 1, "every 3 shares give one key");
    let key = String::from_utf8(keys.pop_first().unwrap()).unwrap();
    let sheet = fs::read_to_string(dir.join("sheet.txt")).unwrap();
    let id = sheet
        .split("== KC2 SHEET ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        key.starts_with(&format!(
            "# keycellar sheet {id}, entries: 4\nAGE-SECRET-KEY-1"
        )),
        "{key}"
    );

    let tv = TestVault::empty();
    tv.cmd()
        .args(["restore", "--init"])
        .args(FAST_KDF)
        .arg("--text")
        .args([dir.join("sheet.txt"), share(2), share(5), share(3)])
        .assert()
        .success();
    let list = tv.json(&["list"]);
    assert_eq!(list["vault_fingerprint"], "FAGW-ZBN7-XBSE-2C32");
}

/// `text` (a typed share page) with its share altered as a forger would: one byte of y
/// changed and the record's check and every line's check computed again, so that only
/// combining can tell.
fn altered_share(text: &str) -> String {
    use keycellar::backup::paper::shares::Share;
    let (tag, bytes) = typed_share(text);
    let mut share = Share::parse(&bytes).unwrap();
    share.y[0] ^= 0x5a;
    with_typed_share(text, &tag, &share.to_bytes())
}

/// More shares than K with one altered (its checks recomputed): for each number read and
/// each position of the altered share among them, keycellar restores the fixture from the
/// others and names the altered share, and so does the independent combiner; with exactly
/// K, one altered, nothing is restored and the message says one more share would name it.
#[test]
fn an_altered_share_among_more_than_k_is_named_by_both_combiners() {
    let dir = vectors_dir("shares");
    let work = tempfile::tempdir().unwrap();
    let share = |x: usize| dir.join(format!("share-{x}-of-5.txt"));
    for read in [vec![1, 2, 3, 4, 5], vec![1, 2, 4, 5], vec![2, 3, 5]] {
        for &bad in &read {
            let altered = work.path().join(format!("altered-{bad}.txt"));
            fs::write(
                &altered,
                altered_share(&fs::read_to_string(share(bad)).unwrap()),
            )
            .unwrap();
            let files: Vec<PathBuf> = read
                .iter()
                .map(|&x| if x == bad { altered.clone() } else { share(x) })
                .collect();
            let tv = TestVault::empty();
            let out = tv
                .cmd()
                .args(["restore", "--init"])
                .args(FAST_KDF)
                .arg("--text")
                .arg(dir.join("sheet.txt"))
                .args(&files)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let python = Command::new("python3")
                .arg(dir.parent().unwrap().join("combine_shares.py"))
                .args(&files)
                .output()
                .unwrap();
            let python_err = String::from_utf8_lossy(&python.stderr);
            if read.len() == 3 {
                assert_eq!(out.status.code(), Some(1), "{read:?} {bad}: {stderr}");
                assert!(stderr.contains("with one more share"), "{stderr}");
                assert!(!python.status.success(), "{read:?} {bad}");
                continue;
            }
            assert!(out.status.success(), "{read:?} {bad}: {stderr}");
            assert!(
                stderr.contains(&format!("share {bad} was set aside")),
                "{read:?} {bad}: {stderr}"
            );
            assert_eq!(
                tv.json(&["list"])["vault_fingerprint"],
                "FAGW-ZBN7-XBSE-2C32"
            );
            assert!(python.status.success(), "{read:?} {bad}: {python_err}");
            assert_eq!(
                python_err.trim(),
                format!("share {bad} does not fit the others: it was altered")
            );
        }
    }
}

//! The failure table as data: each case in `tests/it/cases/*.txt` names a command line, the
//! exit code and JSON `kind` it must end with, and what its message must say. Every case is
//! run twice, as text and with `--json`, with no terminal (in a session of its own), and
//! both runs must also leave every file of the workplace byte for byte as it was, with
//! nothing stray, and print neither the vault passphrase nor a secret the workplace holds.
//!
//! A case is a block of `field: value` lines, blocks separated by blank lines, `#` comments:
//!
//! ```text
//! case: what the case shows (required, first)
//! entries: k1 k2            Kraken entries the vault holds (default: none)
//! file: NAME = CONTENT      a file beside the vault (`\n` is a newline; repeatable)
//! qr: NAME = TEXT           a PNG beside the vault holding TEXT as a QR code (qrencode)
//! before: ARGS              a command that must succeed first (repeatable)
//! vault: NAME               the vault path given, in the workplace (default: the vault)
//! passphrase: none          run without --passphrase-file (default: the right one)
//! stdin: TEXT               standard input (`\n` is a newline; default: empty)
//! args: ARGS                the command line after `keycellar --vault V` (shell words)
//! exit: N                   the exit code
//! kind: KIND                the `kind` of the `--json` error document
//! says: TEXT                a piece of the text-mode message (repeatable)
//! ```
//!
//! `{KRAKEN_KEY}`, `{KRAKEN_SECRET}` and `{dir}` (the workplace) are replaced in `file:`,
//! `stdin:` and `args:`. Commands run in the workplace, so files are named as they are.

use crate::common::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;

#[derive(Default, Debug)]
struct Case {
    name: String,
    entries: Vec<String>,
    files: Vec<(String, String)>,
    qr_codes: Vec<(String, String)>,
    before: Vec<String>,
    vault: Option<String>,
    passphrase: bool,
    stdin: String,
    args: String,
    exit: Option<i32>,
    kind: Option<String>,
    says: Vec<String>,
}

/// The cases of one file, each checked for its required fields.
fn parse(text: &str, file: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for block in text.split("\n\n") {
        let lines: Vec<&str> = block
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        if lines.is_empty() {
            continue;
        }
        let mut case = Case {
            passphrase: true,
            ..Case::default()
        };
        for line in lines {
            let (field, value) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("{file}: not `field: value`: {line}"));
            let value = value.to_string();
            match field {
                "case" => case.name = value,
                "entries" => case.entries = value.split_whitespace().map(String::from).collect(),
                "file" => {
                    let (name, content) = value.split_once(" = ").expect("file: NAME = CONTENT");
                    case.files.push((name.into(), unescape(content)));
                }
                "qr" => {
                    let (name, text) = value.split_once(" = ").expect("qr: NAME = TEXT");
                    case.qr_codes.push((name.into(), text.into()));
                }
                "before" => case.before.push(value),
                "vault" => case.vault = Some(value),
                "passphrase" => case.passphrase = value != "none",
                "stdin" => case.stdin = unescape(&value),
                "args" => case.args = value,
                "exit" => case.exit = Some(value.parse().expect("exit: a number")),
                "kind" => case.kind = Some(value),
                "says" => case.says.push(value),
                other => panic!("{file}: unknown field {other:?} in {line}"),
            }
        }
        assert!(
            !case.name.is_empty() && !case.args.is_empty() && case.exit.is_some(),
            "{file}: a case needs case, args and exit: {case:?}"
        );
        cases.push(case);
    }
    cases
}

fn unescape(text: &str) -> String {
    text.replace("\\n", "\n")
}

fn substitute(text: &str, dir: &Path) -> String {
    text.replace("{KRAKEN_KEY}", KRAKEN_KEY)
        .replace("{KRAKEN_SECRET}", KRAKEN_SECRET)
        .replace("{dir}", &dir.display().to_string())
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => pending.push(path),
                false => {
                    let bytes = fs::read(&path).unwrap_or_default();
                    files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
                }
            }
        }
    }
    files
}

/// Runs the case once (`json` or text): (exit code, stderr).
fn run_once(case: &Case, tv: &TestVault, elsewhere: &Path, json: bool) -> (i32, String) {
    let dir = tv.dir.path();
    let words = shlex::split(&substitute(&case.args, dir)).expect("args: shell words");
    let mut cmd = Command::new("setsid");
    cmd.arg("-w")
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .current_dir(dir)
        .env_remove("KEYCELLAR_VAULT")
        .env_remove("KEYCELLAR_AGENT_SOCK")
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .env("XDG_STATE_HOME", elsewhere)
        .arg("--vault")
        .arg(
            case.vault
                .as_ref()
                .map_or(tv.vault.clone(), |name| dir.join(name)),
        );
    if case.passphrase {
        cmd.arg("--passphrase-file").arg(&tv.pass_file);
    }
    if json {
        cmd.arg("--json");
    }
    cmd.args(words)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let input = substitute(&case.stdin, dir);
    // A command refused before it reads its input may be gone before the input is written.
    let written = std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes());
    if let Err(e) = written {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "{}: {e}",
            case.name
        );
    }
    let out = child.wait_with_output().unwrap();
    let mut printed = out.stderr.clone();
    printed.extend_from_slice(&out.stdout);
    for secret in [PASSPHRASE, KRAKEN_SECRET] {
        let shown = holds_any(&printed, &[secret.as_bytes()]);
        assert!(!shown, "{}: the output holds a secret", case.name);
    }
    let code = out.status.code().unwrap_or(-1);
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn check(case: &Case) {
    let tv = TestVault::new();
    for label in &case.entries {
        tv.add_kraken(label).success();
    }
    for (name, content) in &case.files {
        tv.file(name, &substitute(content, tv.dir.path()));
    }
    for (name, text) in &case.qr_codes {
        run(tool("qrencode")
            .args(["-s", "6", "-o"])
            .arg(tv.dir.path().join(name))
            .arg(substitute(text, tv.dir.path())));
    }
    for args in &case.before {
        let words = shlex::split(&substitute(args, tv.dir.path())).expect("before: shell words");
        tv.cmd()
            .current_dir(tv.dir.path())
            .args(words)
            .assert()
            .success();
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let before = snapshot(tv.dir.path());
    let (code, stderr) = run_once(case, &tv, elsewhere.path(), false);
    assert_eq!(Some(code), case.exit, "{}: text run\n{stderr}", case.name);
    for piece in &case.says {
        assert!(
            stderr.contains(piece),
            "{}: says no {piece:?}:\n{stderr}",
            case.name
        );
    }
    assert!(
        before == snapshot(tv.dir.path()),
        "{}: files changed",
        case.name
    );
    let (code, stderr) = run_once(case, &tv, elsewhere.path(), true);
    assert_eq!(Some(code), case.exit, "{}: --json run\n{stderr}", case.name);
    if let Some(kind) = &case.kind {
        // The error document is the last thing on stderr, pretty-printed from a `{` line.
        let start = stderr.rfind("\n{").map_or(0, |at| at + 1);
        let document = serde_json::from_str::<serde_json::Value>(&stderr[start..]).ok();
        let error =
            &document.unwrap_or_else(|| panic!("{}: no JSON: {stderr}", case.name))["error"];
        assert_eq!(error["kind"], kind.as_str(), "{}: {stderr}", case.name);
        assert_eq!(error["exit_code"], code, "{}: {stderr}", case.name);
    }
    assert!(
        before == snapshot(tv.dir.path()),
        "{}: files changed (--json)",
        case.name
    );
}

#[test]
fn every_failure_case_ends_with_its_code_kind_and_message_and_changes_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/cases");
    let mut cases = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        cases.extend(parse(&text, &path.display().to_string()));
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    // Cases wait mostly on fsync, so four run at once; every case runs, and the failure
    // names all that failed (their panics are printed above it).
    let failed = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::SeqCst)) {
                    if std::panic::catch_unwind(|| check(case)).is_err() {
                        failed.lock().unwrap().push(case.name.clone());
                    }
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap();
    assert!(failed.is_empty(), "cases that failed (above): {failed:#?}");
}

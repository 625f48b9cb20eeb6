//! The kill-point sweep of tests/faults.rs. A command that writes files runs once with the
//! fault hook tracing the steps it passes (`KEYCELLAR_FAULT=trace@FILE`), then once per step
//! in a fresh copy of the same starting state, killed there (or failing there with EIO).
//! After each: every file is whole (the vault files parse; exports decrypt; PDFs end; man
//! pages are the expected ones); once the next command has run, the vault and its two
//! generations open with one passphrase and hold the old or the new state, never a mix;
//! and after the retry a user would make, no temp or pending file is left anywhere.

use super::*;
use keycellar::secret::Secret;
use keycellar::vault::{Passphrase, Vault};
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Output, Stdio};

pub const NEW_PASSPHRASE: &str = "the sweep's new passphrase: seven quiet lanterns drift home";
const PASSPHRASE_FILES: [&str; 2] = ["pass", "pass2"];

/// A command that writes files, and the state it starts from.
pub struct Scenario {
    pub name: &'static str,
    /// Builds the starting state (the vault at `vault.kc`, passphrases in `pass`, `pass2`).
    pub setup: fn(&TestVault),
    /// The command, after `--vault vault.kc --passphrase-file PASS`, run in the directory.
    pub command: &'static [&'static str],
    /// The passphrase file the command is run with.
    pub pass: &'static str,
    /// What a user runs next in the directory as it was left, after the command was
    /// killed or failed; it must succeed.
    pub next: fn(&Path) -> &'static [&'static str],
}

/// Runs keycellar in `dir` with the vault `vault.kc` and passphrase file `pass`.
pub fn keycellar(dir: &Path, pass: &str, args: &[&str], fault: Option<&str>) -> Output {
    // The run locks of this call alone (in the vault's directory they would be stray files).
    let user = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
    cmd.current_dir(dir)
        .env_remove("KEYCELLAR_VAULT")
        .env_remove("KEYCELLAR_FAULT")
        .env("KEYCELLAR_TEST_USER_DIRS", user.path())
        .args(["--vault", "vault.kc", "--passphrase-file", pass])
        .args(args)
        .stdin(Stdio::null());
    if let Some(fault) = fault {
        cmd.env("KEYCELLAR_FAULT", fault);
    }
    cmd.output().unwrap()
}

/// Runs a command with whichever passphrase opens the vault now.
fn keycellar_unlocked(dir: &Path, args: &[&str]) -> Output {
    let first = keycellar(dir, "pass", args, None);
    match first.status.code() {
        Some(3) => keycellar(dir, "pass2", args, None),
        _ => first,
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A new directory for one case, in memory where there is a tmpfs: the sweep makes tens of
/// thousands of fsyncs, which take minutes on a busy disk and nothing on a tmpfs, and what a
/// kill leaves behind does not depend on the file system (unnamed files, links and renames
/// behave alike on both). The strace tests and the coverage test run on the disk.
fn scratch() -> tempfile::TempDir {
    let memory = Path::new("/dev/shm");
    let in_memory = memory.is_dir().then(|| tempfile::tempdir_in(memory).ok());
    in_memory
        .flatten()
        .unwrap_or_else(|| tempfile::tempdir().unwrap())
}

/// A copy of `from` (hard links among its files kept) in a new directory.
fn copy(from: &Path) -> tempfile::TempDir {
    let to = scratch();
    let out = std::process::Command::new("cp")
        .arg("-a")
        .arg(from.join("."))
        .arg(to.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    to
}

/// Every regular file under `dir` with its bytes, by relative path; lock files (which a
/// command may create and never removes) left out.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at).unwrap().flatten() {
            let path = entry.path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else if !name.ends_with(".lock") && !name.contains(".run-") {
                found.insert(name, fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// Temp and pending files under `dir`.
pub fn strays(dir: &Path) -> Vec<String> {
    files(dir)
        .into_keys()
        .filter(|name| name.contains(".tmp.") || name.ends_with(".pending"))
        .collect()
}

/// The vault file's kind of name, for a temp or pending file the name of what it becomes.
fn kind_of(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap();
    match base.split_once(".tmp.") {
        Some((before, _)) => before.trim_start_matches('.'),
        None if base.ends_with(".pending") => "vault.kc",
        None => base,
    }
}

/// Checks that a file is whole: it is as it was, or a complete file of its kind.
fn check_whole(name: &str, bytes: &[u8], dir: &Path, man: &BTreeMap<String, Vec<u8>>) {
    let kind = kind_of(name);
    let whole = if kind.starts_with("vault.kc") {
        keycellar::vault::format::parse(bytes).is_ok()
    } else if kind.ends_with(".pdf") {
        bytes.starts_with(b"%PDF-") && bytes.trim_ascii_end().ends_with(b"%%EOF")
    } else if kind.ends_with(".age") {
        let out = tool("age")
            .args(["-d", "-i"])
            .arg(dir.join("id.txt"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(bytes)?;
                child.wait_with_output()
            })
            .unwrap();
        out.status.success()
    } else if kind.starts_with("id") && kind.ends_with(".txt") {
        let text = String::from_utf8_lossy(bytes);
        text.ends_with('\n') && text.lines().any(|l| l.starts_with("AGE-SECRET-KEY-1"))
    } else if name.starts_with("man/") {
        man.values().any(|page| page == bytes)
    } else {
        true
    };
    assert!(whole, "{name} is not whole");
}

/// What one vault file holds, without anything that depends on its key.
fn summary(vault: &Vault) -> String {
    let entries: Vec<String> = vault
        .entries()
        .iter()
        .map(|e| format!("{} {:?} {}", e.label(), e.status(), e.fingerprint()))
        .collect();
    let backups: Vec<String> = vault
        .backups()
        .iter()
        .map(|b| format!("{:?}", b.kind))
        .collect();
    format!(
        "generation {}, {}, {entries:?}, backups {backups:?}",
        vault.generation(),
        vault.fingerprint()
    )
}

/// The vault and its generations: what each holds, and which passphrase opens them all.
/// Fails when they open with different passphrases or one opens with none.
#[derive(Debug, PartialEq)]
pub struct State {
    passphrase: usize,
    files: Vec<Option<String>>,
}

/// The generation numbers of the vault, `.1` and `.2` in a state (0 for one that is absent).
pub fn generations(state: &State) -> Vec<u64> {
    state
        .files
        .iter()
        .map(|file| {
            let summary = file.as_deref().unwrap_or("generation 0,");
            let number = summary.trim_start_matches("generation ").split(',').next();
            number.unwrap().parse().unwrap()
        })
        .collect()
}

pub fn state(dir: &Path) -> Result<Option<State>, String> {
    let vault = dir.join("vault.kc");
    if !vault.exists() {
        return Ok(None);
    }
    let passphrases = [PASSPHRASE, NEW_PASSPHRASE].map(|p| Secret::new(p.to_string()));
    let opens =
        |path: &Path, index: usize| Vault::open(path, &mut Passphrase(&passphrases[index])).ok();
    let passphrase = (0..2)
        .find(|&i| opens(&vault, i).is_some())
        .ok_or("the vault opens with neither passphrase")?;
    let mut files = Vec::new();
    for name in ["vault.kc", "vault.kc.1", "vault.kc.2"] {
        let path = dir.join(name);
        if !path.exists() {
            files.push(None);
            continue;
        }
        let opened = opens(&path, passphrase).ok_or(format!(
            "{name} does not open with the vault's passphrase: a mix"
        ))?;
        files.push(Some(summary(&opened)));
    }
    Ok(Some(State { passphrase, files }))
}

/// A scenario's starting state, the state after it succeeds, and the steps it passes.
pub struct Prepared {
    pub template: TestVault,
    old: Option<State>,
    new: Option<State>,
    pub steps: Vec<String>,
    man: BTreeMap<String, Vec<u8>>,
}

/// The man pages as `man -o` writes them.
fn man_pages() -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = keycellar(dir.path(), "pass", &["man", "-o", "man"], None);
    assert!(out.status.success(), "{}", text(&out));
    files(dir.path())
}

/// The scenario's starting state, in a new directory.
fn start(scenario: &Scenario) -> TestVault {
    let template = TestVault::empty();
    let pass2 = template.file("pass2", &format!("{NEW_PASSPHRASE}\n"));
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&pass2, fs::Permissions::from_mode(0o600)).unwrap();
    (scenario.setup)(&template);
    template
}

/// Builds the scenario's starting state and traces one successful run in a copy of it.
pub fn prepare(scenario: &Scenario) -> Prepared {
    let template = start(scenario);
    let old = state(copy(template.dir.path()).path()).unwrap();
    let case = copy(template.dir.path());
    let log = tempfile::NamedTempFile::new().unwrap();
    let trace = format!("trace@{}", log.path().display());
    let out = keycellar(case.path(), scenario.pass, scenario.command, Some(&trace));
    assert!(out.status.success(), "{}: {}", scenario.name, text(&out));
    let steps = fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    Prepared {
        old,
        new: state(case.path()).unwrap(),
        steps,
        man: man_pages(),
        template,
    }
}

/// Kills (`kill`) or fails (`eio`, `enospc`) the command at each step it passes, in turn,
/// and checks what it leaves behind.
pub fn sweep(scenario: &Scenario, prepared: &Prepared, action: &str) {
    let template = prepared.template.dir.path();
    let before = files(template);
    for (index, step) in prepared.steps.iter().enumerate() {
        let occurrence = prepared.steps[..=index]
            .iter()
            .filter(|s| *s == step)
            .count();
        let case_name = format!("{}: {action}@{step}#{occurrence}", scenario.name);
        let case = copy(template);
        let dir = case.path();
        let fault = format!("{action}@{step}#{occurrence}");
        let out = keycellar(dir, scenario.pass, scenario.command, Some(&fault));
        check_outcome(&case_name, action, &out);
        let right_after = files(dir);
        for (name, bytes) in &right_after {
            if before.get(name) != Some(bytes) {
                check_whole(name, bytes, dir, &prepared.man);
            }
        }
        if action != "kill" {
            // A command that fails removes its temp files itself; only a save that was
            // made leaves its generations pending (the next command puts them in place).
            let strays: Vec<String> = strays(dir)
                .into_iter()
                .filter(|s| !s.ends_with(".pending"))
                .collect();
            assert!(strays.is_empty(), "{case_name}: left {strays:?}");
        }
        check_vault(&case_name, prepared, dir, &before, &right_after);
        let next = keycellar_unlocked(dir, (scenario.next)(dir));
        assert!(next.status.success(), "{case_name}: next: {}", text(&next));
        assert_eq!(
            strays(dir),
            Vec::<String>::new(),
            "{case_name}: left behind"
        );
    }
}

fn check_outcome(case_name: &str, action: &str, out: &Output) {
    if action == "kill" {
        assert_eq!(out.status.signal(), Some(9), "{case_name}: {}", text(out));
        return;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some(), "{case_name}: {}", text(out));
    assert!(!stderr.contains("panicked"), "{case_name}: {stderr}");
    if out.status.code() != Some(0) {
        let errno = match action {
            "eio" => "Input/output error",
            _ => "No space left on device",
        };
        assert!(stderr.contains(errno), "{case_name}: {stderr}");
        assert!(stderr.contains("hint:"), "{case_name}: {stderr}");
    }
}

/// After the next command that opens the vault: the old state or the new one, and when the
/// old, every vault file byte for byte as it was before the command.
fn check_vault(
    case_name: &str,
    prepared: &Prepared,
    dir: &Path,
    before: &BTreeMap<String, Vec<u8>>,
    right_after: &BTreeMap<String, Vec<u8>>,
) {
    if dir.join("vault.kc").exists() {
        let status = keycellar_unlocked(dir, &["status"]);
        assert!(status.status.success(), "{case_name}: {}", text(&status));
    }
    let now = state(dir).unwrap_or_else(|e| panic!("{case_name}: {e}"));
    assert!(
        now == prepared.old || now == prepared.new,
        "{case_name}: neither the old nor the new state:\n{now:#?}\nold {:#?}\nnew {:#?}",
        prepared.old,
        prepared.new
    );
    if now == prepared.old && prepared.old != prepared.new {
        let vault_files = |all: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
            all.iter()
                .filter(|(name, _)| name.starts_with("vault.kc"))
                .map(|(n, b)| (n.clone(), b.clone()))
                .collect()
        };
        assert!(
            vault_files(right_after) == vault_files(before),
            "{case_name}: the old state, but a vault file changed"
        );
    }
}

/// The system calls that sync a file or give one a name.
const SYNC_AND_NAME_CALLS: [&str; 9] = [
    "fsync",
    "fdatasync",
    "syncfs",
    "sync",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
];

/// The steps one successful run of the scenario passes, and how many `fsync`, `link` and
/// `rename` calls (of any flavour) it made, as strace saw them.
pub fn steps_and_system_calls(scenario: &Scenario) -> (Vec<String>, usize) {
    let template = start(scenario);
    let dir = template.dir.path();
    let logs = tempfile::tempdir().unwrap();
    let (steps, calls) = (logs.path().join("steps"), logs.path().join("calls"));
    let user = tempfile::tempdir().unwrap();
    let out = tool("strace")
        .current_dir(dir)
        .args(["-f", "-qq", "-o"])
        .arg(&calls)
        .args([
            "-e",
            "trace=fsync,fdatasync,syncfs,sync,rename,renameat,renameat2,link,linkat",
        ])
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .args(["--vault", "vault.kc", "--passphrase-file", scenario.pass])
        .args(scenario.command)
        .env_remove("KEYCELLAR_VAULT")
        .env("KEYCELLAR_FAULT", format!("trace@{}", steps.display()))
        .env("KEYCELLAR_TEST_USER_DIRS", user.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}: {}", scenario.name, text(&out));
    let steps: Vec<String> = fs::read_to_string(&steps)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // Lines `PID NAME(ARGS...`; not the `<... NAME resumed>` half of a call another
    // thread's line cut in two, nor signals.
    let calls = fs::read_to_string(&calls)
        .unwrap()
        .lines()
        .filter(|line| {
            let call = line.split_once(' ').map(|(_, rest)| rest.trim_start());
            let name = call
                .and_then(|call| call.split_once('('))
                .map(|(name, _)| name);
            name.is_some_and(|name| SYNC_AND_NAME_CALLS.contains(&name))
        })
        .count();
    (steps, calls)
}

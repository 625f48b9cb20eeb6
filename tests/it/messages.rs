//! Messages that say what happened and name the one flag or command that fixes it.
//!
//! - Every value a command may ask for, asked with no terminal: each command is run in a
//!   new session (no controlling terminal) with nothing given, and whenever it fails for
//!   want of a terminal, its hint must name a flag that this command accepts, and giving
//!   that flag must supply what was missing (the next run gets further). The walk goes on
//!   until the command succeeds, so every question of every command is met once.
//! - Standard output that cannot be written (`> /dev/full`) after a command changed files
//!   is never reported as "nothing was changed"; `keygen` says the identity was written and
//!   how to print its recipient again (`keygen -y`), also after a re-run emptied the file
//!   its recipient was redirected to.
//! - `exec` of a label whose current key was removed says the key left is rotated and names
//!   --allow-inactive, rather than "no entry" and another label.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The files the flags of a walk read, and the output paths a walk may write.
struct Place {
    tv: TestVault,
    /// A vault path no vault exists at, for the commands that create one.
    fresh: PathBuf,
}

impl Place {
    /// The value a flag the hint named takes: a file holding what it gives.
    fn value_of(&self, flag: &str, exchange: &str) -> Option<String> {
        let file =
            |name: &str, content: &str| Some(self.tv.file(name, content).display().to_string());
        match flag {
            "--passphrase-file" | "--new-passphrase-file" | "--backup-passphrase-file" => {
                Some(self.tv.pass_file.display().to_string())
            }
            // Not the secret the workplace's entry holds: rotate refuses a repeated secret.
            "--secret-file" if exchange == "kraken" => {
                file("secret", &KRAKEN_SECRET.replace('F', "J"))
            }
            "--secret-file" => file("secret-other", "c2VjcmV0IG9mIGFub3RoZXIgZXhjaGFuZ2U="),
            "--api-passphrase-file" => file("api-passphrase", "an API passphrase"),
            "--key" if exchange == "kraken" => Some(KRAKEN_KEY.replace('C', "D")),
            "--key" => Some("a-public-key".into()),
            "--yes" => None,
            other => panic!("no value for {other}"),
        }
    }
}

/// `keycellar --json --vault V ARGS` in a session of its own, with nothing on stdin:
/// (success, error document).
fn run_alone(vault: &Path, args: &[String], dir: &Path) -> (bool, Value) {
    let user = tempfile::tempdir().unwrap();
    let out = Command::new("setsid")
        .arg("-w")
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .env_remove("KEYCELLAR_VAULT")
        .env("KEYCELLAR_TEST_USER_DIRS", user.path())
        .current_dir(dir)
        .args(["--json", "--vault"])
        .arg(vault)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let error = serde_json::from_slice(&out.stderr).unwrap_or(Value::Null);
    (out.status.success(), error)
}

/// The flags a command's help lists (its own and the global ones).
fn accepted(command: &str) -> String {
    let help =
        run(Command::new(assert_cmd::cargo::cargo_bin("keycellar")).args([command, "--help"]));
    String::from_utf8(help).unwrap()
}

/// True when `help` lists `flag` (followed by its value's name, a comma or the line end).
fn takes(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(at, _)| {
        let next = help[at + flag.len()..].chars().next();
        !next.is_some_and(|c| c == '-' || c.is_ascii_alphanumeric())
    })
}

/// The `--flags` a hint names: (to give, to leave out).
fn named_flags(hint: &str) -> (Vec<String>, Vec<String>) {
    let mut give = Vec::new();
    let mut leave = Vec::new();
    for (at, _) in hint.match_indices("--") {
        let flag: String = hint[at..]
            .chars()
            .take_while(|c| *c == '-' || c.is_ascii_alphanumeric())
            .collect();
        match hint[..at].ends_with("leave out ") {
            true => leave.push(flag),
            false => give.push(flag),
        }
    }
    (give, leave)
}

/// Walks one command line from nothing given to done; returns what went wrong.
fn walk(place: &Place, start: &[&str], creates_vault: bool) -> Vec<String> {
    let exchange = start
        .iter()
        .position(|a| *a == "--exchange")
        .map_or("kraken", |at| start[at + 1]);
    let vault = match creates_vault {
        true => &place.fresh,
        false => &place.tv.vault,
    };
    let command = start[0];
    let help = accepted(command);
    let mut args: Vec<String> = start.iter().map(|a| a.to_string()).collect();
    let mut last = Value::Null;
    for _ in 0..8 {
        let (done, error) = run_alone(vault, &args, place.tv.dir.path());
        let error = &error["error"];
        // Past every question: done, or a finding about the vault or the backup.
        if done || error["kind"] == "audit_high" || error["kind"] == "mismatch" {
            if creates_vault {
                std::fs::remove_file(vault).unwrap();
            }
            return Vec::new();
        }
        let said = format!("{args:?}: {} / {}", error["message"], error["hint"]);
        if error["kind"] != "no_terminal" {
            return vec![format!("ended in {}: {said}", error["kind"])];
        }
        if error["message"] == last {
            return vec![format!("the flag named did not supply it: {said}")];
        }
        last = error["message"].clone();
        let (give, leave) = named_flags(error["hint"].as_str().unwrap_or_default());
        if give.is_empty() {
            return vec![format!("the hint names no flag: {said}")];
        }
        if let Some(foreign) = give.iter().find(|f| !takes(&help, f)) {
            return vec![format!("`{command}` does not take {foreign}: {said}")];
        }
        args.retain(|a| !leave.contains(a));
        for flag in give {
            // Inserted after the command's name: before a `--` and what follows it.
            let mut insert = vec![flag.clone()];
            insert.extend(place.value_of(&flag, exchange));
            args.splice(1..1, insert);
        }
    }
    vec![format!("still asking after 8 runs: {args:?}")]
}

/// A vault with a key, a passphrase export of it, a recipient file, and a typed copy of a
/// passphrase sheet.
fn workplace() -> Place {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    let dir = tv.dir.path();
    let pass = tv.pass_file.display().to_string();
    let recipient = tv.stdout(&["keygen", "-o", &dir.join("id.txt").display().to_string()]);
    tv.file("recipient.txt", &recipient);
    tv.cmd()
        .current_dir(dir)
        .args(["export", "-o", "pass.age", "--passphrase"])
        .args(["--backup-passphrase-file", &pass])
        .assert()
        .success();
    tv.cmd()
        .current_dir(dir)
        .args([
            "print",
            "-o",
            "sheet.pdf",
            "--backup-passphrase-file",
            &pass,
        ])
        .assert()
        .success();
    let text = run(tool("pdftotext").arg(dir.join("sheet.pdf")).arg("-"));
    std::fs::write(dir.join("typed.txt"), text).unwrap();
    let fresh = dir.join("fresh.kc");
    Place { tv, fresh }
}

#[test]
fn every_no_terminal_hint_names_a_flag_the_command_takes_and_that_supplies_it() {
    let place = workplace();
    let fast: Vec<&str> = FAST_KDF.to_vec();
    let mut creating: Vec<Vec<&str>> = vec![
        vec!["init"],
        vec!["init", "--generate-passphrase"],
        vec!["import", "--init", "pass.age"],
        vec!["restore", "--init", "--text", "typed.txt"],
    ];
    for line in &mut creating {
        line.extend(&fast);
    }
    let mut existing: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["show", "kraken-grid-bot"],
        vec!["fingerprint"],
        vec!["verify"],
        vec!["history", "kraken-grid-bot"],
        vec!["status"],
        vec!["audit"],
        vec!["edit", "kraken-grid-bot", "--note", "n"],
        vec!["exec", "kraken-grid-bot", "--", "true"],
        vec!["rotate", "kraken-grid-bot", "--no-backup-check"],
        vec!["passwd"],
        vec!["passwd", "--generate-passphrase"],
        vec!["export", "-o", "r.age", "-R", "recipient.txt"],
        vec!["export", "-o", "p.age", "--passphrase"],
        vec![
            "export",
            "-o",
            "g.age",
            "--passphrase",
            "--generate-passphrase",
        ],
        vec!["import", "pass.age", "--dry-run"],
        vec!["verify", "--backup", "pass.age"],
        vec!["print", "-o", "s.pdf"],
        vec!["print", "-o", "g.pdf", "--generate-passphrase"],
        vec![
            "print",
            "-o",
            "split.pdf",
            "--split",
            "2-of-3",
            "--share-passphrase",
        ],
        vec!["restore", "--text", "typed.txt", "--dry-run"],
        vec!["verify", "--paper", "--text", "typed.txt"],
        vec!["remove", "kraken-grid-bot"],
    ];
    for exchange in ["kraken", "okx", "kucoin", "coinbase-exchange", "coinbase"] {
        let label = format!("new-{exchange}");
        let label: &'static str = Box::leak(label.into_boxed_str());
        existing.insert(0, vec!["add", label, "--exchange", exchange]);
    }
    let mut wrong = Vec::new();
    for line in &creating {
        wrong.extend(walk(&place, line, true));
    }
    for line in &existing {
        wrong.extend(walk(&place, line, false));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// An SSH key under a passphrase can only be unlocked on a terminal: without one, that is
/// what the message says (not that no identity matches).
#[test]
fn an_encrypted_ssh_key_without_a_terminal_says_so() {
    let place = workplace();
    let dir = place.tv.dir.path();
    run(tool("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "ssh key passphrase",
            "-C",
            "",
            "-f",
        ])
        .arg(dir.join("ssh-key")));
    let public = std::fs::read_to_string(dir.join("ssh-key.pub")).unwrap();
    place
        .tv
        .cmd()
        .current_dir(dir)
        .args(["export", "-o", "ssh.age", "-r", public.trim()])
        .assert()
        .success();
    let pass = place.tv.pass_file.display().to_string();
    let args = [
        "--passphrase-file",
        &pass,
        "import",
        "ssh.age",
        "-i",
        "ssh-key",
    ];
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (done, error) = run_alone(&place.tv.vault, &args, dir);
    assert!(!done);
    let error = &error["error"];
    assert_eq!(error["kind"], "no_terminal", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("an SSH key"),
        "{error}"
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .starts_with("Run the command in a terminal"),
        "{error}"
    );
}

/// Runs `script` with `sh` in `dir`, with `keycellar` standing for the binary.
fn shell_in(dir: &Path, script: &str) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("keycellar");
    Command::new("sh")
        .current_dir(dir)
        .env_remove("KEYCELLAR_VAULT")
        .args([
            "-c",
            &script.replace("keycellar ", &format!("'{}' ", bin.display())),
        ])
        .output()
        .unwrap()
}

#[test]
fn keygen_says_what_it_wrote_and_prints_a_recipient_again() {
    let dir = tempfile::tempdir().unwrap();
    let out = shell_in(dir.path(), "keycellar keygen -o id.txt > /dev/full");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(dir.path().join("id.txt").exists());
    assert!(said.contains("wrote the identity to \"id.txt\""), "{said}");
    assert!(!said.contains("nothing was changed"), "{said}");
    assert!(said.contains("keycellar keygen -y \"id.txt\""), "{said}");

    // -y prints what age-keygen -y prints.
    let again = shell_in(dir.path(), "keycellar keygen -y id.txt");
    let stock = run(tool("age-keygen")
        .current_dir(dir.path())
        .args(["-y", "id.txt"]));
    assert_eq!(again.stdout, stock);

    // The README's line, run twice: the shell empties the recipient file before keycellar
    // refuses; the hint's command, with the same redirection, puts it back.
    let line = include_str!("../../README.md")
        .lines()
        .find(|l| l.starts_with("keycellar keygen -o ") && l.contains(" > "))
        .expect("the README makes a backup key");
    let target = line.split(" > ").nth(1).unwrap().trim();
    assert!(shell_in(dir.path(), line).status.success());
    let recipient = std::fs::read(dir.path().join(target)).unwrap();
    let out = shell_in(dir.path(), line);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    let hinted = said
        .split('`')
        .find(|part| part.starts_with("keycellar keygen -y"))
        .unwrap_or_else(|| panic!("no keygen -y in {said}"));
    let fix = shell_in(dir.path(), &format!("{hinted} > {target}"));
    assert!(fix.status.success());
    assert_eq!(std::fs::read(dir.path().join(target)).unwrap(), recipient);
}

/// Every command that writes a file, with standard output full: whatever it says, it never
/// claims that nothing was changed when it changed something.
#[test]
fn a_full_standard_output_after_a_change_is_never_called_no_change() {
    let place = workplace();
    let tv = &place.tv;
    let dir = tv.dir.path();
    let pass = tv.pass_file.display().to_string();
    let secret = tv.file("secret", KRAKEN_SECRET).display().to_string();
    let new_secret = tv
        .file("new-secret", &KRAKEN_SECRET.replace('F', "K"))
        .display()
        .to_string();
    let key = KRAKEN_KEY.replace('C', "E");
    let commands = [
        format!("add full-bot --exchange kraken --key {key} --secret-file {secret}"),
        "edit full-bot --note changed".to_string(),
        "export -o full.age -R recipient.txt".to_string(),
        format!("print -o full.pdf --backup-passphrase-file {pass}"),
        format!("import --dry-run pass.age --backup-passphrase-file {pass}"),
        format!(
            "rotate kraken-grid-bot --key {} --secret-file {new_secret}",
            KRAKEN_KEY.replace('C', "F")
        ),
        format!("passwd --new-passphrase-file {pass}"),
        "remove full-bot --yes".to_string(),
        "keygen -o full-id.txt".to_string(),
    ];
    let mut wrong = Vec::new();
    for command in commands {
        let before = walk_dir(dir);
        let script = format!(
            "keycellar --vault '{}' --passphrase-file '{pass}' {command} > /dev/full",
            tv.vault.display()
        );
        let out = shell_in(dir, &script);
        let said = String::from_utf8_lossy(&out.stderr);
        let changed = walk_dir(dir) != before;
        if out.status.success() || (changed && said.contains("nothing was changed")) {
            wrong.push(format!("{command} (changed: {changed}): {said}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every file under `dir` with its bytes.
fn walk_dir(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk_dir(&path));
        } else {
            files.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
        }
    }
    files.sort();
    files
}

#[test]
fn exec_of_a_removed_key_names_the_rotated_one_and_allow_inactive() {
    let tv = TestVault::new();
    tv.add_kraken("bot1").success();
    let other = tv.file("other-secret", &KRAKEN_SECRET.replace('F', "G"));
    let new = tv.file("new-secret", &KRAKEN_SECRET.replace('F', "H"));
    tv.cmd()
        .args([
            "add",
            "bot🚀",
            "--exchange",
            "kraken",
            "--key",
            &KRAKEN_KEY.replace('C', "D"),
        ])
        .arg("--secret-file")
        .arg(&other)
        .assert()
        .success();
    tv.cmd()
        .args([
            "rotate",
            "bot1",
            "--no-backup-check",
            "--key",
            &KRAKEN_KEY.replace('C', "E"),
        ])
        .arg("--secret-file")
        .arg(&new)
        .assert()
        .success();
    tv.cmd()
        .args(["remove", "bot1", "--yes"])
        .assert()
        .success();
    let listed = tv.json(&["list"]);
    assert_eq!(listed["entries"][0]["label"], "bot1", "{listed}");

    let out = tv
        .cmd()
        .args(["--json", "exec", "bot1", "--", "true"])
        .output()
        .unwrap();
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("is rotated"), "{error}");
    assert!(!message.contains("did you mean"), "{error}");
    assert!(
        error["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--allow-inactive")
    );
    let out = tv
        .cmd()
        .args([
            "exec",
            "--allow-inactive",
            "bot1",
            "--",
            "sh",
            "-c",
            "echo $KRAKEN_API_KEY",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), KRAKEN_KEY);
}

//! Every example `keycellar help COMMAND` shows (the table in src/cli/examples.rs that help
//! and man pages print), and every `keycellar` line of the README's
//! shell blocks, run against a vault holding the labels they name, with the files they
//! name beside it, and no terminal. An example may fail for what the machine lacks (no
//! terminal to ask a passphrase on, no `freqtrade`, a placeholder key that does not match),
//! but never as a usage error: whoever copies it gets a command keycellar understands.

use crate::common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The example table the command line's help and man pages show (src/cli/examples.rs),
/// read as it is: it uses nothing outside `std`.
#[path = "../../src/cli/examples.rs"]
#[allow(dead_code)] // help and man pages use the rest of it
mod table;

/// Every example help shows, and the first steps of the overview man page, grouped by the
/// help that shows them.
fn help_examples() -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for example in table::EXAMPLES {
        let group = format!("keycellar help {}", example.command);
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, lines)) => lines.push(example.line.to_string()),
            None => groups.push((group, vec![example.line.to_string()])),
        }
    }
    let steps = table::FIRST_STEPS.iter().map(|e| e.line.to_string());
    groups.push(("man keycellar".into(), steps.collect()));
    groups
}

/// The `keycellar ...` lines of the README's ```sh blocks, comments dropped.
fn readme_lines() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let mut lines = Vec::new();
    let mut in_shell = false;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_shell = line == "```sh";
            continue;
        }
        if !in_shell {
            continue;
        }
        let line = line.split(" #").next().unwrap().trim();
        pending.push_str(line.trim_end_matches('\\'));
        pending.push(' ');
        if !line.ends_with('\\') {
            let command = std::mem::take(&mut pending).trim().to_string();
            if command.starts_with("keycellar ") && !command.contains("$(") {
                lines.push(command);
            }
        }
    }
    lines
}

/// The vault and files the examples name.
fn workplace() -> TestVault {
    let tv = TestVault::new();
    let labels = [
        "kraken-grid-bot",
        "old-test-key",
        "kraken-freqtrade",
        "kbot",
    ];
    for (label, letter) in labels.into_iter().zip(["A", "B", "D", "E"]) {
        let secret = KRAKEN_SECRET.replace('F', letter);
        let file = tv.file(&format!("{label}.secret"), &secret);
        tv.cmd()
            .args(["add", label, "--exchange", "kraken", "--key"])
            .arg(KRAKEN_KEY.replace('C', letter))
            .arg("--secret-file")
            .arg(file)
            .assert()
            .success();
    }
    let dir = tv.dir.path();
    tv.cmd()
        .current_dir(dir)
        .args(["keygen", "-o", "backup-key.txt"])
        .assert()
        .success();
    let identity = fs::read_to_string(dir.join("backup-key.txt")).unwrap();
    let recipient = identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    tv.file("team-recipients.txt", &format!("{recipient}\n"));
    tv.file("new-secret.txt", KRAKEN_SECRET);
    tv.file("typed.txt", "");
    tv.file("bot.py", "");
    tv.file("sync.py", "");
    let gridbot = tv.file("gridbot", "#!/bin/sh\nexit 0\n");
    fs::set_permissions(&gridbot, fs::Permissions::from_mode(0o755)).unwrap();
    tv.cmd()
        .current_dir(dir)
        .args(["export", "-o", "keys.age", "-r", &recipient])
        .assert()
        .success();
    tv
}

/// Runs one example as printed (what follows a `|`, `<` or `>` is the shell's), with --json so
/// that a failure says its kind; returns the kind of a usage error, if it was one.
fn usage_error(tv: &TestVault, example: &str) -> Option<String> {
    let words = shlex::split(example).unwrap();
    let end = words
        .iter()
        .position(|w| w == "|" || w.starts_with('>') || w.starts_with('<'));
    let args = &words[1..end.unwrap_or(words.len())];
    let home = tv.dir.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
    command
        .current_dir(tv.dir.path())
        .env("HOME", &home)
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .env("KEYCELLAR_VAULT", &tv.vault)
        .arg("--json");
    if !args.iter().any(|a| a.starts_with("--passphrase-")) {
        command.arg("--passphrase-file").arg(&tv.pass_file);
    }
    let out = command
        .args(
            args.iter()
                .map(|a| a.replace('~', &home.display().to_string())),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    if out.status.code() != Some(2) {
        return None;
    }
    let error: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap_or_default();
    match error["error"]["kind"].as_str() {
        Some("no_terminal") => None,
        kind => Some(format!(
            "{kind:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

#[test]
fn every_help_example_and_readme_command_is_understood() {
    let tv = workplace();
    let mut examples: Vec<String> = help_examples()
        .into_iter()
        .flat_map(|(_, lines)| lines)
        .collect();
    let from_help = examples.len();
    examples.extend(readme_lines());
    assert!(from_help >= 30, "only {from_help} help examples");
    assert!(examples.len() >= from_help + 20, "README commands missing");
    let refused: Vec<String> = examples
        .iter()
        .filter_map(|example| usage_error(&tv, example).map(|why| format!("{example}\n  {why}")))
        .collect();
    assert!(refused.is_empty(), "usage errors:\n{}", refused.join("\n"));
    // The vault survived them all as a vault.
    assert!(Path::new(&tv.vault).exists());
}

/// The file an example writes with `-o FILE` (standard output, `-`, is no file).
fn output_of(example: &str) -> Option<String> {
    let words = shlex::split(example).unwrap_or_default();
    let at = words.iter().position(|w| w == "-o" || w == "--output")?;
    words.get(at + 1).filter(|file| *file != "-").cloned()
}

/// Copied one after another, examples must not collide: within one command's help, and
/// across the whole README (read top to bottom), no two write the same file, or the second
/// would fail (keycellar never overwrites without --force).
#[test]
fn no_two_examples_write_the_same_file() {
    let mut groups = help_examples();
    groups.push(("README.md".into(), readme_lines()));
    let mut collisions = Vec::new();
    for (group, examples) in groups {
        let mut written: Vec<(String, String)> = Vec::new();
        for example in examples.iter().filter(|e| !e.contains("--force")) {
            let Some(file) = output_of(example) else {
                continue;
            };
            if let Some((_, first)) = written.iter().find(|(f, _)| *f == file) {
                collisions.push(format!(
                    "{group}: {example:?} writes {file}, as {first:?} did"
                ));
            }
            written.push((file, example.clone()));
        }
    }
    assert!(collisions.is_empty(), "{}", collisions.join("\n"));
}

/// The `$ keycellar ...` lines of the README's ```console blocks (the tour), joined where a
/// line ends in a backslash.
fn readme_console_lines() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let mut lines = Vec::new();
    let (mut in_console, mut pending) = (false, None::<String>);
    for line in readme.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
            continue;
        }
        let continued = pending.take().or_else(|| {
            let command = line.strip_prefix("$ ").filter(|_| in_console)?;
            command.starts_with("keycellar ").then(String::new)
        });
        let Some(mut command) = continued else {
            continue;
        };
        command.push_str(line.trim_start_matches("$ ").trim().trim_end_matches('\\'));
        command.push(' ');
        match line.ends_with('\\') {
            true => pending = Some(command),
            false => lines.push(command.trim().to_string()),
        }
    }
    lines
}

/// Every public key an example gives (`--key VALUE` in help, the man pages and the README)
/// passes the checks a key pasted there meets: the paste check (not a secret, not shortened)
/// and its exchange's documented shape. A shell variable (`"$NEW_KEY"`) is the reader's.
#[test]
fn every_sample_key_passes_the_shape_check_when_pasted() {
    use keycellar::credential::exchange::Exchange;
    use keycellar::credential::paste;
    use keycellar::error::paste::Given;
    let console = readme_console_lines();
    assert!(
        console.len() >= 4,
        "the README's tour was not read: {console:?}"
    );
    let lines = (help_examples().into_iter().flat_map(|(_, lines)| lines))
        .chain(readme_lines())
        .chain(console);
    let mut checked = Vec::new();
    for line in lines {
        let words = shlex::split(&line).unwrap();
        let exchange = (words.windows(2).find(|w| w[0] == "--exchange"))
            .map_or(Exchange::Kraken, |w| w[1].parse().unwrap());
        for key in words.windows(2).filter(|w| w[0] == "--key").map(|w| &w[1]) {
            if key.starts_with('$') {
                continue;
            }
            let pasted = paste::check_public_key(key, Some(exchange), Given::CommandLine);
            assert!(pasted.is_ok(), "{line}: {}", pasted.unwrap_err());
            let shape = exchange
                .info()
                .public_key
                .as_ref()
                .expect("a documented shape");
            assert!((shape.fits)(key), "{line}: not {}", shape.description);
            checked.push(key.clone());
        }
    }
    // The help's add, verify and rotate, and the tour's verify.
    assert!(checked.len() >= 4, "only {checked:?}");
    // The check sees what it exists to refuse: the shortened key examples once showed.
    let shortened =
        paste::check_public_key("CJbfPw...I3y", Some(Exchange::Kraken), Given::CommandLine);
    assert!(shortened.is_err());
}

//! Fitting into the shell: completion scripts load in bash and zsh without errors and
//! complete commands, never a hidden one; man pages are written for every command (into a
//! directory: `-o -` is refused); every command's help has an example; the long help covers the vault location, scripts and exit codes; a mistyped
//! command gets a suggestion; a pipe closed early (`keycellar list | head`) ends quietly.

use crate::common::{KRAKEN_KEY, KRAKEN_SECRET, TestVault, tool};
use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;

fn keycellar() -> Command {
    let mut cmd = Command::cargo_bin("keycellar").unwrap();
    cmd.env_remove("KEYCELLAR_VAULT");
    cmd
}

fn completion_script(shell: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let out = keycellar().args(["completions", shell]).output().unwrap();
    assert!(out.status.success());
    let path = dir.join(format!("keycellar.{shell}"));
    fs::write(&path, &out.stdout).unwrap();
    path
}

#[test]
fn bash_completion_loads_and_completes_commands() {
    let dir = tempfile::tempdir().unwrap();
    let script = completion_script("bash", dir.path());
    // Load the script, then ask its function what `keycellar ro<TAB>` completes to.
    let probe = format!(
        "set -e; source '{}'; COMP_WORDS=(keycellar ro); COMP_CWORD=1; COMP_LINE='keycellar ro'; \
         COMP_POINT=${{#COMP_LINE}}; _keycellar keycellar ro keycellar; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = tool("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "rotate");
}

#[test]
fn zsh_completion_loads_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let script = completion_script("zsh", dir.path());
    fs::rename(&script, dir.path().join("_keycellar")).unwrap();
    // As a user installs it: the file on fpath, then compinit; the function must load.
    let probe = format!(
        "fpath=('{}' $fpath); autoload -U compinit; compinit -u -D; autoload -U +X _keycellar \
         && whence -w _keycellar",
        dir.path().display()
    );
    let out = tool("zsh").args(["-f", "-c", &probe]).output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("_keycellar: function"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn no_completion_script_offers_a_hidden_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = keycellar().args(["completions", shell]).output().unwrap();
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains("rotate"), "{shell}");
        assert!(!script.contains("hygiene"), "{shell} offers hygiene-check");
    }
}

#[test]
fn man_refuses_standard_output_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    keycellar()
        .current_dir(dir.path())
        .args(["man", "-o", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give a directory"));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn fish_powershell_and_elvish_scripts_are_generated() {
    for shell in ["fish", "powershell", "elvish"] {
        keycellar()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("keycellar"));
    }
}

#[test]
fn man_pages_are_written_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    keycellar()
        .args(["man", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    for page in [
        "keycellar.1",
        "keycellar-add.1",
        "keycellar-print.1",
        "keycellar-restore.1",
    ] {
        let text = fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "\"EXIT STATUS\"",
            "ENVIRONMENT",
            "FILES",
            "EXAMPLES",
            "\"SEE ALSO\"",
        ] {
            assert!(
                text.contains(&format!(".SH {section}\n")),
                "{page} lacks {section}"
            );
        }
        assert!(!text.contains(".SH EXTRA"), "{page}");
    }
    assert!(!dir.path().join("keycellar-hygiene-check.1").exists());
}

#[test]
fn every_command_help_has_an_example() {
    let out = keycellar().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    for topic in [
        "VAULT LOCATION",
        "USE FROM SCRIPTS",
        "EXIT CODES",
        "--passphrase-fd",
    ] {
        assert!(help.contains(topic), "--help lacks {topic}");
    }
    let commands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 20, "{commands:?}");
    for command in commands {
        keycellar()
            .args([&command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn a_mistyped_command_gets_a_suggestion() {
    for args in [&["lst"][..], &["help", "lsit"]] {
        keycellar()
            .args(args)
            .assert()
            .code(2)
            // `lst` is also near `slot`: clap then names both.
            .stderr(
                predicate::str::contains("similar subcommand")
                    .and(predicate::str::contains("'list'")),
            );
    }
    let out = keycellar().args(["--json", "lsit"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(doc["error"]["kind"], "usage");
    assert!(doc["error"]["message"].as_str().unwrap().contains("'list'"));
}

#[test]
fn a_reader_that_stops_early_ends_list_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let tv = TestVault::new();
    // Enough entries that the table outgrows a pipe's buffer, so keycellar is still writing
    // when the reader goes away, as with `keycellar list | head`.
    let entries: Vec<String> = (0..1500)
        .map(|i| {
            format!(
                r#"{{"label":"k{i:04}","exchange":"kraken","api_key":"{KRAKEN_KEY}","secret":"{KRAKEN_SECRET}"}}"#
            )
        })
        .collect();
    tv.cmd()
        .args(["add", "--from-json", "-"])
        .write_stdin(format!("[{}]", entries.join(",")))
        .assert()
        .success();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("keycellar"))
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line_start = [0u8; 5];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first_line_start).unwrap();
    assert_eq!(&first_line_start, b"LABEL");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(
        out.status.signal(),
        Some(13),
        "ended by SIGPIPE, like other Unix tools"
    );
}

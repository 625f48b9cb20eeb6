//! README.md's walk-throughs, run exactly as printed, in a terminal: the installation lines
//! in a fresh home, the rotation drill, and the restore drill on two "machines" (two HOME
//! directories sharing the directory the files are copied to). A drill starts with only
//! what its text says the reader brings; every other file it reads must be made by a README
//! line above it, which runs first.

use crate::common::*;
use rexpect::reader::ReadUntil;
use rexpect::session::spawn_command;
use std::path::Path;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

fn drill_lines(marker: &str) -> Vec<String> {
    let readme = readme();
    let after = &readme[readme.find(marker).expect("drill marker")..];
    let body = &after[after.find("```sh\n").unwrap() + 6..];
    body[..body.find("```").unwrap()]
        .lines()
        .map(str::to_string)
        .collect()
}

/// The lines of the README's `sh` blocks above `marker`, in order.
fn lines_above(marker: &str) -> Vec<String> {
    let readme = readme();
    let mut lines = Vec::new();
    let mut in_shell = false;
    for line in readme[..readme.find(marker).expect("drill marker")].lines() {
        if line.starts_with("```") {
            in_shell = line == "```sh";
        } else if in_shell {
            lines.push(line.to_string());
        }
    }
    lines
}

/// The files a command line names after `flags` (or after `>` for writes).
fn files_after(line: &str, flags: &[&str]) -> Vec<String> {
    let words = shlex::split(line.split(" #").next().unwrap()).unwrap_or_default();
    words
        .windows(2)
        .filter(|pair| flags.contains(&pair[0].as_str()))
        .map(|pair| pair[1].clone())
        .collect()
}

const READS: [&str; 5] = ["-R", "-i", "--secret-file", "--backup", "--recipients-file"];
const WRITES: [&str; 3] = ["-o", "--output", ">"];

/// The README lines above `marker` that make the files its drill reads, other than those
/// the drill makes itself and those the reader `brings`. Panics on a file no line above
/// makes: the README would use it before saying how to make it.
fn setup_for(marker: &str, brings: &[&str]) -> Vec<String> {
    let drill = drill_lines(marker);
    let above = lines_above(marker);
    let mut made: Vec<String> = brings.iter().map(|b| b.to_string()).collect();
    let mut setup = Vec::new();
    for line in &drill {
        for file in files_after(line, &READS) {
            if made.contains(&file) {
                continue;
            }
            let maker = above
                .iter()
                .find(|l| files_after(l, &WRITES).contains(&file))
                .unwrap_or_else(|| {
                    panic!("the README reads {file} ({line}) before a line makes it")
                });
            made.extend(files_after(maker, &WRITES));
            setup.push(maker.clone());
        }
        made.extend(files_after(line, &WRITES));
    }
    setup
}

/// Runs one README line with `sh` in a pty, answering every passphrase prompt; returns
/// what the terminal showed.
fn run_line(line: &str, home: &Path, workdir: &Path, env: &[(&str, &str)]) -> String {
    let bin_dir = assert_cmd::cargo::cargo_bin("keycellar")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let mut sh = Command::new("sh");
    sh.args(["-c", line])
        .current_dir(workdir)
        .env_clear()
        .env("HOME", home)
        .env("PATH", path)
        .env("KEYCELLAR_TEST_USER_DIRS", home.join(".keycellar-test"))
        .envs(env.iter().copied());
    let mut session = spawn_command(sh, Some(120_000)).unwrap();
    let mut screen = String::new();
    loop {
        let (before, matched) = session
            .exp_any(vec![
                ReadUntil::String("passphrase: ".into()),
                ReadUntil::EOF,
            ])
            .unwrap_or_else(|e| panic!("{line}: {e}\n{screen}"));
        screen += &before;
        if matched.is_empty() {
            break;
        }
        screen += &matched;
        session.send_line(PASSPHRASE).unwrap();
    }
    match session.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, 0) => screen,
        other => panic!("`{line}` ended with {other:?}:\n{screen}"),
    }
}

#[test]
fn the_restore_section_of_the_readme_works_as_printed() {
    let old_home = tempfile::tempdir().unwrap();
    let new_home = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    // The old machine already has a vault with keys, at the default location.
    let old = TestVault::new();
    old.add_kraken("kraken-grid-bot").success();
    let default_dir = old_home.path().join(".local/share/keycellar");
    std::fs::create_dir_all(&default_dir).unwrap();
    std::fs::copy(&old.vault, default_dir.join("vault.kc")).unwrap();

    let mut home = old_home.path();
    let mut fingerprints = Vec::new();
    for line in setup_for("<!-- restore-drill -->", &[]) {
        run_line(&line, home, shared.path(), &[]);
    }
    for line in drill_lines("<!-- restore-drill -->") {
        if line.starts_with('#') {
            if line.contains("new machine") {
                home = new_home.path();
            }
            continue;
        }
        let screen = run_line(&line, home, shared.path(), &[]);
        if line.trim() == "keycellar fingerprint" {
            fingerprints.push(screen.lines().last().unwrap_or("").trim().to_string());
        }
    }
    assert_eq!(
        fingerprints.len(),
        2,
        "the drill prints the fingerprint on both machines"
    );
    assert!(
        fingerprints[0]
            .parse::<keycellar::credential::fingerprint::Fingerprint>()
            .is_ok(),
        "not a fingerprint: {:?}",
        fingerprints[0]
    );
    assert_eq!(fingerprints[0], fingerprints[1]);
    assert!(
        new_home
            .path()
            .join(".local/share/keycellar/vault.kc")
            .exists()
    );
}

#[test]
fn the_rotation_walkthrough_of_the_readme_works_as_printed() {
    let home = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    let default_vault = home.path().join(".local/share/keycellar/vault.kc");
    std::fs::create_dir_all(default_vault.parent().unwrap()).unwrap();
    std::fs::copy(&tv.vault, &default_vault).unwrap();
    // "With the new key's secret saved in new-secret.txt": the one file the reader brings.
    for line in setup_for("<!-- rotate-drill -->", &["new-secret.txt"]) {
        run_line(&line, home.path(), shared.path(), &[]);
    }
    std::fs::write(
        shared.path().join("new-secret.txt"),
        KRAKEN_SECRET.replace('F', "G"),
    )
    .unwrap();
    let new_key = "Dkcg7Xxq1cT8QmKkzXq4p3mS2fJ0rN9wYbE6hLuVaZo5tGiR/+WdPnCj";
    let mut screens = String::new();
    for line in drill_lines("<!-- rotate-drill -->") {
        screens += &run_line(&line, home.path(), shared.path(), &[("NEW_KEY", new_key)]);
    }
    assert!(screens.contains("Rotated kraken-grid-bot"), "{screens}");
    assert!(
        screens.contains("rotated  kraken-grid-bot"),
        "history shows the old key: {screens}"
    );
    assert!(
        screens.contains("vault unchanged since"),
        "status after the new export: {screens}"
    );
    let mut cmd = assert_cmd::Command::cargo_bin("keycellar").unwrap();
    let out = cmd
        .args(["--json", "--vault"])
        .arg(&default_vault)
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .args(["show", "kraken-grid-bot"])
        .assert()
        .success();
    let shown: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(shown["api_key"], new_key);
}

/// Runs one README line with `shell` in `home`, keycellar on PATH where `cargo install` puts
/// it; returns the output.
fn in_fresh_home(shell: &str, line: &str, home: &Path) -> std::process::Output {
    let path = format!("{}/.cargo/bin:/usr/bin:/bin", home.display());
    Command::new(shell)
        .args(["-c", line])
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("PATH", path)
        .output()
        .unwrap()
}

#[test]
fn the_installation_lines_work_in_a_fresh_home_from_any_shell() {
    let lines: Vec<String> = drill_lines("<!-- install -->")
        .into_iter()
        .filter(|line| !line.starts_with("cargo install"))
        .collect();
    for shell in ["bash", "sh", "zsh"] {
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        // What `cargo install` leaves: keycellar in ~/.cargo/bin, nothing else.
        std::fs::create_dir_all(home.join(".cargo/bin")).unwrap();
        let bin = assert_cmd::cargo::cargo_bin("keycellar");
        std::os::unix::fs::symlink(&bin, home.join(".cargo/bin/keycellar")).unwrap();
        for line in &lines {
            let out = in_fresh_home(shell, line, home);
            let said = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{shell}: {line}: {said}");
            let command = line.split(" #").next().unwrap();
            if let Some((_, target)) = command.split_once('>') {
                let expanded = in_fresh_home(shell, &format!("printf %s {}", target.trim()), home);
                let expanded = String::from_utf8_lossy(&expanded.stdout).to_string();
                assert!(
                    expanded.starts_with(&home.display().to_string()),
                    "{shell}: {line} writes {expanded:?}, outside the home"
                );
                let written = std::fs::metadata(&expanded).map(|m| m.len()).unwrap_or(0);
                assert!(written > 0, "{shell}: {line} left {expanded} empty");
            }
        }
        // What the comments promise: zsh loads the function with the fpath line given,
        // and `man keycellar-add` finds its page.
        let fpath = lines
            .iter()
            .find_map(|l| {
                l.split_once("fpath=")
                    .map(|(_, rest)| format!("fpath={rest}"))
            })
            .expect("the README says how zsh finds the completion");
        let load = format!(
            "{fpath}; autoload -U compinit; compinit -u -D; autoload -U +X _keycellar && \
             whence -w _keycellar"
        );
        let out = in_fresh_home("zsh", &format!("emulate zsh; {load}"), home);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("_keycellar: function"),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let man = in_fresh_home("sh", "man -w keycellar-add", home);
        let found = String::from_utf8_lossy(&man.stdout).to_string();
        assert!(
            found.starts_with(&home.display().to_string()),
            "{shell}: man keycellar-add found {found:?}: {}",
            String::from_utf8_lossy(&man.stderr)
        );
    }
}

//! README.md's "Restore on a new machine" commands, run exactly as printed, in a terminal,
//! on two "machines" (two HOME directories sharing the directory the files are copied to).

use crate::common::*;
use rexpect::reader::ReadUntil;
use rexpect::session::spawn_command;
use std::path::Path;
use std::process::Command;

fn drill_lines(marker: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = &readme[readme.find(marker).expect("drill marker")..];
    let body = &after[after.find("```sh\n").unwrap() + 6..];
    body[..body.find("```").unwrap()]
        .lines()
        .map(str::to_string)
        .collect()
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
    run_line(
        "keycellar keygen -o backup-key.txt > backup-recipient.txt",
        home.path(),
        shared.path(),
        &[],
    );
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

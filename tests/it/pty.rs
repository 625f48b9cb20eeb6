//! The interactive path in a real pseudo-terminal: hidden input, passphrase confirmation,
//! a passphrase below the guessing floor offered back, a generated passphrase shown once,
//! and a retry after a mistyped passphrase. What the terminal
//! shows must hold no secret. Colour and the spinner show on a terminal and nowhere else.

use crate::common::*;
use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};
use std::process::Command;

/// Spawns keycellar in a pty. rexpect turns terminal echo off; `stty echo` turns it back
/// on, as in a user's terminal, so that anything not hidden by keycellar shows on screen
/// (the echoed public key proves it).
fn spawn(tv: &TestVault, args: &[&str]) -> PtySession {
    spawn_with(tv, args, "", &[])
}

/// As [`spawn`], with a shell redirection appended (`> FILE`) and extra environment.
fn spawn_with(tv: &TestVault, args: &[&str], redirect: &str, env: &[(&str, &str)]) -> PtySession {
    let mut cmd = Command::new("sh");
    cmd.env_remove("KEYCELLAR_VAULT")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(env.iter().copied())
        .args(["-c", &format!("stty echo && exec \"$0\" \"$@\" {redirect}")])
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .arg("--vault")
        .arg(&tv.vault)
        .args(args);
    spawn_command(cmd, Some(30_000)).unwrap()
}

fn exit_code(session: &PtySession) -> i32 {
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("keycellar did not exit normally: {other:?}"),
    }
}

#[test]
fn init_confirms_the_passphrase_and_add_hides_the_secret() {
    let tv = TestVault::empty();
    let mut screen = String::new();

    // A mismatched repeat asks again, three times at most.
    let mut init = spawn(&tv, &["init"]);
    for _ in 0..3 {
        screen += &init.exp_string("New vault passphrase:").unwrap();
        init.send_line(PASSPHRASE).unwrap();
        screen += &init.exp_string("Repeat the passphrase:").unwrap();
        init.send_line("not the same").unwrap();
        screen += &init.exp_string("differ").unwrap();
    }
    screen += &init.exp_eof().unwrap();
    assert_eq!(exit_code(&init), 1);
    assert!(!tv.vault.exists());

    // A passphrase below the floor is offered back to retype, not taken; a mismatched
    // repeat asks again too.
    let mut init = spawn(&tv, &["init", "--kdf-memory", "1", "--kdf-time", "1"]);
    screen += &init.exp_string("New vault passphrase:").unwrap();
    init.send_line("password1").unwrap();
    screen += &init.exp_string("too easy to guess").unwrap();
    screen += &init.exp_string("New vault passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Repeat the passphrase:").unwrap();
    init.send_line("password2").unwrap();
    screen += &init.exp_string("differ; try again").unwrap();
    screen += &init.exp_string("New vault passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Repeat the passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Created vault").unwrap();
    screen += &init.exp_eof().unwrap();
    assert_eq!(exit_code(&init), 0);
    std::fs::remove_file(&tv.vault).unwrap();

    // --allow-weak-passphrase takes it, with a warning that says what it costs.
    let args = ["init", "--kdf-memory", "1", "--kdf-time", "1"];
    let mut init = spawn(&tv, &[&args[..], &["--allow-weak-passphrase"]].concat());
    screen += &init.exp_string("New vault passphrase:").unwrap();
    init.send_line("password1").unwrap();
    screen += &init
        .exp_string("accepted because of --allow-weak-passphrase")
        .unwrap();
    screen += &init.exp_string("Repeat the passphrase:").unwrap();
    init.send_line("password1").unwrap();
    screen += &init.exp_eof().unwrap();
    assert_eq!(exit_code(&init), 0);
    std::fs::remove_file(&tv.vault).unwrap();

    let mut init = spawn(&tv, &["init", "--kdf-memory", "1", "--kdf-time", "1"]);
    screen += &init.exp_string("New vault passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Repeat the passphrase:").unwrap();
    init.send_line(PASSPHRASE).unwrap();
    screen += &init.exp_string("Created vault").unwrap();
    screen += &init.exp_eof().unwrap();
    assert_eq!(exit_code(&init), 0);

    let mut add = spawn(&tv, &["add", "kraken-grid-bot", "--exchange", "kraken"]);
    screen += &add.exp_string("Public API key:").unwrap();
    add.send_line(KRAKEN_KEY).unwrap();
    screen += &add.exp_string("API secret (hidden):").unwrap();
    add.send_line(KRAKEN_SECRET).unwrap();
    screen += &add.exp_string("Vault passphrase:").unwrap();
    add.send_line("a wrong passphrase").unwrap();
    screen += &add.exp_string("Wrong passphrase, try again").unwrap();
    screen += &add.exp_string("Vault passphrase:").unwrap();
    add.send_line(PASSPHRASE).unwrap();
    screen += &add.exp_string("Added kraken-grid-bot").unwrap();
    screen += &add.exp_eof().unwrap();
    assert_eq!(exit_code(&add), 0);

    assert!(
        screen.contains(KRAKEN_KEY),
        "the public key is echoed as typed"
    );
    assert!(
        !screen.contains(KRAKEN_SECRET),
        "the secret was echoed:\n{screen}"
    );
    assert!(
        !screen.contains(PASSPHRASE),
        "the passphrase was echoed:\n{screen}"
    );
    assert!(!screen.contains("a wrong passphrase"));
    assert!(screen.contains("This vault passphrase: about"), "{screen}");
    let list = tv.json(&["list"]);
    assert_eq!(list["entries"][0]["label"], "kraken-grid-bot");
}

/// True when `text` holds an SGR (colour or bold) escape; the spinner's line clearing
/// (`ESC [2K`) is not colour.
fn has_colour(text: &str) -> bool {
    text.split('\u{1b}').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|r| {
            let params = r.trim_start_matches(|c: char| c.is_ascii_digit() || c == ';');
            params.starts_with('m')
        })
    })
}

/// Runs `list` in a pty, answering the passphrase prompt; returns what the terminal showed.
fn list_in_pty(tv: &TestVault, args: &[&str], redirect: &str, env: &[(&str, &str)]) -> String {
    let mut list = spawn_with(tv, &[&["list"], args].concat(), redirect, env);
    let mut screen = list.exp_string("Vault passphrase:").unwrap();
    list.send_line(PASSPHRASE).unwrap();
    screen += &list.exp_eof().unwrap();
    assert_eq!(exit_code(&list), 0, "{screen}");
    screen
}

#[test]
fn colour_and_spinner_only_on_a_terminal() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    const SPINNER: &str = "Deriving the vault key";

    // On a terminal: the spinner while the key is derived, and a coloured table.
    let screen = list_in_pty(&tv, &[], "", &[]);
    assert!(
        screen.contains(SPINNER),
        "no spinner on a terminal:\n{screen}"
    );
    assert!(has_colour(&screen), "no colour on a terminal");

    // Stdout into a file: neither, in the file or on the terminal.
    let out = tv.dir.path().join("list.txt");
    let screen = list_in_pty(&tv, &[], &format!("> '{}'", out.display()), &[]);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("kraken-grid-bot"), "{written}");
    assert!(!has_colour(&written), "colour in a file:\n{written:?}");
    assert!(
        !screen.contains(SPINNER),
        "a spinner with stdout not a terminal"
    );

    // --color always forces colour into the file; NO_COLOR, --color never and --quiet
    // keep the terminal plain and still.
    list_in_pty(
        &tv,
        &["--color", "always"],
        &format!("> '{}'", out.display()),
        &[],
    );
    assert!(has_colour(&std::fs::read_to_string(&out).unwrap()));
    for (args, env) in [
        (&["--color", "never"][..], &[][..]),
        (&[][..], &[("NO_COLOR", "1")][..]),
    ] {
        let screen = list_in_pty(&tv, args, "", env);
        assert!(
            !has_colour(&screen),
            "{args:?} {env:?}: colour:\n{screen:?}"
        );
    }
    let screen = list_in_pty(&tv, &["--quiet"], "", &[]);
    assert!(!screen.contains(SPINNER), "a spinner with --quiet");
}

#[test]
fn remove_asks_for_the_passphrase_and_checks_the_label_before_confirming() {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    let pass = tv.pass_file.to_str().unwrap().to_string();
    let mut remove = spawn(
        &tv,
        &["--passphrase-file", &pass, "remove", "kraken-grid-bt"],
    );
    let screen = remove.exp_eof().unwrap();
    assert!(
        screen.contains("did you mean \"kraken-grid-bot\"?"),
        "{screen}"
    );
    assert!(!screen.contains("type its label"), "{screen}");
    assert_eq!(exit_code(&remove), 6);

    let mut remove = spawn(
        &tv,
        &["--passphrase-file", &pass, "remove", "kraken-grid-bot"],
    );
    remove
        .exp_string("type its label (not the passphrase; it is shown as you type):")
        .unwrap();
    remove.send_line("kraken-grid-bot").unwrap();
    remove.exp_eof().unwrap();
    assert_eq!(exit_code(&remove), 0);
    assert!(tv.json(&["list"])["entries"].as_array().unwrap().is_empty());
}

#[test]
fn ctrl_c_during_a_spinner_clears_its_line() {
    let tv = TestVault::empty();
    let pass = tv.pass_file.to_str().unwrap().to_string();
    // A KDF slow enough to interrupt: the spinner turns while it runs.
    let mut init = spawn(
        &tv,
        &[
            "--passphrase-file",
            &pass,
            "init",
            "--kdf-memory",
            "512",
            "--kdf-time",
            "40",
        ],
    );
    init.exp_string("Deriving the vault key").unwrap();
    init.send_control('c').unwrap();
    let rest = init.exp_eof().unwrap();
    // The spinner redraws itself as `\r ESC[2K text`; after Ctrl-C its line is cleared and
    // nothing follows.
    assert!(
        rest.ends_with("\r\x1b[2K"),
        "the spinner's line is left: {rest:?}"
    );
    assert_eq!(exit_code(&init), 130);
    assert!(!tv.vault.exists());
}

/// A generated passphrase is shown once on the terminal with its cost, never in the JSON
/// document or any file, must be typed back, and then opens the vault.
#[test]
fn a_generated_passphrase_is_shown_once_and_kept_nowhere() {
    let tv = TestVault::empty();
    let out = tv.dir.path().join("out.json");
    let redirect = format!("> '{}'", out.display());
    let args = [
        "--json",
        "init",
        "--generate-passphrase",
        "--words",
        "7",
        "--kdf-memory",
        "1",
        "--kdf-time",
        "1",
    ];
    let mut init = spawn_with(&tv, &args, &redirect, &[]);
    let shown = init.exp_string("Type it back").unwrap();
    assert!(shown.contains("bits: about"), "no cost shown:\n{shown}");
    let passphrase = shown
        .split("keeps no copy):")
        .nth(1)
        .and_then(|rest| rest.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or_else(|| panic!("no passphrase shown:\n{shown}"))
        .to_string();
    assert_eq!(passphrase.split(' ').count(), 7, "{passphrase}");
    init.send_line("not what was shown").unwrap();
    init.exp_string("not the passphrase shown above").unwrap();
    init.exp_string("Type it back").unwrap();
    init.send_line(&passphrase).unwrap();
    init.exp_eof().unwrap();
    assert_eq!(exit_code(&init), 0);

    let document = std::fs::read_to_string(&out).unwrap();
    assert!(document.contains("vault_fingerprint"), "{document}");
    for entry in walk(tv.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&passphrase), "{} holds it", entry.display());
    }
    std::fs::write(&tv.pass_file, format!("{passphrase}\n")).unwrap();
    tv.cmd().arg("list").assert().success();
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

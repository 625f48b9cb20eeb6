//! `import --from freqtrade|env FILE --strip`: once the vault holds the keys, the file keeps
//! every byte but them (its mode too), a `.bak` only with `--backup`, and the printed
//! `keycellar exec` line hands the bot the keys under the names the file used.

use super::{BINANCE_KEY, BINANCE_SECRET, freqtrade_config, import, labels, run};
use crate::common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;

/// The `keycellar exec ...` line the output gives, split into words.
fn exec_line(stdout: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("keycellar ") && l.contains(" exec "))
        .unwrap_or_else(|| panic!("no exec line in {stdout}"));
    shlex::split(line).unwrap()
}

/// Runs what an exec line says, with `command` for the bot.
fn run_exec(tv: &TestVault, line: &[String], command: &[&str]) -> std::process::Output {
    let dash = line.iter().position(|w| w == "--").unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
    cmd.current_dir(tv.dir.path())
        .env_remove("KEYCELLAR_VAULT")
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .args(&line[1..=dash])
        .args(command);
    cmd.output().unwrap()
}

#[test]
fn a_stripped_freqtrade_config_keeps_all_but_its_keys_and_the_bot_gets_them() {
    let tv = TestVault::new();
    let text = freqtrade_config(BINANCE_KEY, BINANCE_SECRET).replace(
        "    \"exchange\": {",
        "    // the keys\n    \"exchange\": { /* binance */",
    );
    let config = tv.file("config.json", &text);
    fs::set_permissions(&config, fs::Permissions::from_mode(0o640)).unwrap();
    let path = config.to_str().unwrap();
    let (stdout, stderr, ok) = import(
        &tv,
        &["--from", "freqtrade", path, "--strip", "--dry-run"],
        None,
    );
    assert!(
        ok && stdout.contains("--strip will take out of"),
        "{stdout}{stderr}"
    );
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        text,
        "a dry run wrote the file"
    );

    let (stdout, stderr, ok) = import(&tv, &["--from", "freqtrade", path, "--strip"], None);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("plain text"), "{stderr}");
    assert_eq!(labels(&tv), ["freqtrade-binance"]);
    let expected = text
        .replace(&format!("\"{BINANCE_KEY}\""), "\"\"")
        .replace(&format!("\"{BINANCE_SECRET}\""), "\"\"");
    assert_eq!(fs::read_to_string(&config).unwrap(), expected);
    let mode = fs::metadata(&config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert!(!tv.dir.path().join("config.json.bak").exists());
    let line = exec_line(&stdout);
    let tail = line[line.iter().position(|w| w == "exec").unwrap()..].join(" ");
    let want = format!("exec freqtrade-binance --profile freqtrade -- freqtrade trade -c {path}");
    assert_eq!(tail, want);

    // The printed line gives the bot the keys the config no longer holds.
    let check =
        "test \"$FREQTRADE__EXCHANGE__KEY\" = \"$1\" && test -n \"$FREQTRADE__EXCHANGE__SECRET\"";
    let out = run_exec(&tv, &line, &["sh", "-c", check, "sh", BINANCE_KEY]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    real_freqtrade(&tv, &line);
}

/// `freqtrade show-config` on the stripped config, through the printed line, sees the key
/// from the vault; skipped, saying so, where freqtrade cannot be imported (CI does not
/// install it).
fn real_freqtrade(tv: &TestVault, line: &[String]) {
    let importable = std::process::Command::new("python3")
        .args(["-c", "import freqtrade"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable {
        eprintln!("skipped: freqtrade is not installed (python3 -c 'import freqtrade' fails)");
        return;
    }
    let dash = line.iter().position(|w| w == "--").unwrap();
    let mut shown: Vec<&str> = line[dash + 1..].iter().map(String::as_str).collect();
    shown[1] = "show-config";
    shown.push("--show-sensitive");
    let out = run_exec(tv, line, &shown);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(BINANCE_KEY), "{stdout}");
}

#[test]
fn a_stripped_env_file_loses_its_key_lines_and_keeps_a_backup_when_asked() {
    let tv = TestVault::new();
    let text = format!(
        "# grid bot\nexport KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET=\"{KRAKEN_SECRET}\"\n\
         DATABASE_URL=postgres://bot@localhost/bot\n"
    );
    let env = tv.file("bot.env", &text);
    let path = env.to_str().unwrap();
    let (stdout, stderr, ok) = import(&tv, &["--from", "env", path, "--strip", "--backup"], None);
    assert!(ok, "{stderr}");
    assert_eq!(
        fs::read_to_string(&env).unwrap(),
        "# grid bot\nDATABASE_URL=postgres://bot@localhost/bot\n"
    );
    let backup = tv.dir.path().join("bot.env.bak");
    assert_eq!(fs::read_to_string(&backup).unwrap(), text);
    assert_eq!(
        fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let line = exec_line(&stdout);
    assert_eq!(&line[line.len() - 4..], ["exec", "kraken", "--", "BOT"]);

    // The backup is never replaced: a second strip is refused before anything is read.
    fs::write(&env, &text).unwrap();
    let before = tv.bytes();
    let (_, stderr, ok) = import(&tv, &["--from", "env", path, "--strip", "--backup"], None);
    assert!(!ok && stderr.contains("bot.env.bak exists"), "{stderr}");
    assert_eq!(
        (fs::read_to_string(&env).unwrap(), tv.bytes()),
        (text, before)
    );
}

#[test]
fn strip_needs_a_file_it_can_write_back() {
    let tv = TestVault::new();
    let keys = tv.file("keys.local.json", "{}");
    for (args, says) in [
        (
            vec!["--from", "env", "-", "--strip"],
            "give its path, not standard input",
        ),
        (
            vec!["--from", "ccxt", keys.to_str().unwrap(), "--strip"],
            "not a ccxt keys file",
        ),
        (vec!["--from", "env", "-", "--backup"], "--strip"),
    ] {
        let mut cmd = tv.cmd();
        cmd.arg("import").args(&args).write_stdin("");
        let (_, stderr, ok) = run(cmd);
        assert!(!ok && stderr.contains(says), "{args:?}: {stderr}");
    }
}

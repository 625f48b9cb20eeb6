//! `import --from FORMAT`: keys moved in from a freqtrade config, a `.env` file and ccxt's
//! keys.local.json (and from password managers, in `managers`; `--strip`, in `strip`), through the shape checks and
//! merge rules of `add` and `import`, with a plan that names fields and never repeats a
//! secret.

mod managers;
mod strip;

use crate::common::*;
use assert_cmd::Command;
use serde_json::Value;
use std::fs;

const BINANCE_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const BINANCE_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const OKX_KEY: &str = "3b0c7d9e-5f21-4a8b-9c6d-1e2f3a4b5c6d";
const OKX_SECRET: &str = "0123456789ABCDEF0123456789ABCDEF";
const OKX_PASSPHRASE: &str = "Moving-in OKX passphrase";
const SECRETS: [&str; 4] = [KRAKEN_SECRET, BINANCE_SECRET, OKX_SECRET, OKX_PASSPHRASE];

/// A config as `freqtrade new-config` writes it (its base_config.json.j2), keys filled in.
fn freqtrade_config(key: &str, secret: &str) -> String {
    format!(
        r#"{{
    "$schema": "https://schema.freqtrade.io/schema.json",
    "max_open_trades": 3,
    "stake_currency": "USDT",
    "stake_amount": 0.05,
    "tradable_balance_ratio": 0.99,
    "fiat_display_currency": "USD",
    "timeframe": "5m",
    "dry_run": false,
    "cancel_open_orders_on_exit": false,
    "trading_mode": "spot",
    "margin_mode": "",
    "unfilledtimeout": {{
        "entry": 10,
        "exit": 10,
        "exit_timeout_count": 0,
        "unit": "minutes"
    }},
    "entry_pricing": {{
        "price_side": "same",
        "use_order_book": true,
        "order_book_top": 1,
        "price_last_balance": 0.0,
        "check_depth_of_market": {{
            "enabled": false,
            "bids_to_ask_delta": 1
        }}
    }},
    "exit_pricing":{{
        "price_side": "same",
        "use_order_book": true,
        "order_book_top": 1
    }},
    "exchange": {{
        "name": "binance",
        "key": "{key}",
        "secret": "{secret}",
        "ccxt_config": {{}},
        "ccxt_async_config": {{}},
        "pair_whitelist": [
        ],
        "pair_blacklist": [
            "BNB/.*"
        ]
    }},
    "pairlists": [
        {{
            "method": "VolumePairList",
            "number_assets": 20,
            "sort_key": "quoteVolume",
            "min_value": 0,
            "refresh_period": 1800
        }}
    ],
    "telegram": {{
        "enabled": false,
        "token": "",
        "chat_id": ""
    }},
    "api_server": {{
        "enabled": false,
        "listen_ip_address": "127.0.0.1",
        "listen_port": 8080,
        "verbosity": "error",
        "enable_openapi": false,
        "jwt_secret_key": "5b3c0fa1d2e8",
        "ws_token": "kP2x9",
        "CORS_origins": [],
        "username": "freqtrader",
        "password": "freqtrader-ui"
    }},
    "bot_name": "freqtrade",
    "initial_state": "running",
    "force_entry_enable": false,
    "internals": {{
        "process_throttle_secs": 5
    }}
}}
"#
    )
}

fn dot_env() -> String {
    format!(
        "# grid bot\nexport KRAKEN_API_KEY=\"{KRAKEN_KEY}\"\nexport KRAKEN_API_SECRET=\"{KRAKEN_SECRET}\"\n\
         OKX_API_KEY={OKX_KEY}\nOKX_API_SECRET='{OKX_SECRET}'\nOKX_API_PASSPHRASE=\"{OKX_PASSPHRASE}\"\n\
         DATABASE_URL=postgres://bot@localhost/bot\nLOG_LEVEL=info # verbose\n"
    )
}

fn ccxt_keys() -> String {
    format!(
        r#"{{
    "binance": {{
        "apiKey": "{BINANCE_KEY}",
        "secret": "{BINANCE_SECRET}",
        "options": {{ "defaultType": "spot" }}
    }},
    "ftx": {{
        "apiKey": "ftx-key-from-2021",
        "secret": "ftx-secret-from-2021"
    }},
    "kraken": {{
        "apiKey": "{KRAKEN_KEY}",
        "secret": "{KRAKEN_SECRET}"
    }}
}}
"#
    )
}

/// Runs keycellar; its stdout and stderr, checked for secrets, and whether it succeeded.
fn run(mut cmd: Command) -> (String, String, bool) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    for secret in SECRETS.iter().chain(&["ftx-secret-from-2021"]) {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{stdout}{stderr}"
        );
    }
    (stdout, stderr, out.status.success())
}

fn import(tv: &TestVault, args: &[&str], stdin: Option<String>) -> (String, String, bool) {
    let mut cmd = tv.cmd();
    cmd.arg("import").args(args);
    if let Some(text) = stdin {
        cmd.write_stdin(text);
    }
    run(cmd)
}

fn labels(tv: &TestVault) -> Vec<String> {
    let list = tv.json(&["list"]);
    let entries = list["entries"].as_array().unwrap();
    entries
        .iter()
        .map(|e| e["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_freqtrade_config_moves_in_once_and_the_second_import_changes_nothing() {
    let tv = TestVault::new();
    let config = tv.file(
        "config.json",
        &freqtrade_config(BINANCE_KEY, BINANCE_SECRET),
    );
    let config = config.to_str().unwrap();
    let before = tv.bytes();
    let (stdout, stderr, ok) = import(&tv, &["--from", "freqtrade", config, "--dry-run"], None);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("exchange.key -> api_key, exchange.secret -> secret"),
        "{stdout}"
    );
    assert!(
        stdout.contains("freqtrade-binance") && stdout.contains("Dry run"),
        "{stdout}"
    );
    assert_eq!(tv.bytes(), before, "a dry run wrote the vault");
    // One warning, naming the file and the pipe that avoids it.
    assert_eq!(stderr.matches("warning").count(), 1, "{stderr}");
    assert!(stderr.contains(config) && stderr.contains("| keycellar import --from freqtrade -"));

    let (_, stderr, ok) = import(&tv, &["--from", "freqtrade", config], None);
    assert!(ok, "{stderr}");
    assert_eq!(labels(&tv), ["freqtrade-binance"]);
    let shown = tv.json(&["show", "freqtrade-binance", "--reveal"]);
    assert_eq!(shown["secret"], BINANCE_SECRET);
    assert_eq!(shown["exchange"], "binance");

    let after_first = tv.bytes();
    let (stdout, stderr, ok) = import(&tv, &["--from", "freqtrade", config], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Nothing to import"), "{stdout}");
    assert_eq!(tv.bytes(), after_first, "a second import changed the vault");
}

#[test]
fn keys_moved_in_have_the_fingerprints_add_gives_them() {
    let moved = TestVault::new();
    let (_, stderr, ok) = import(&moved, &["--from", "env", "-"], Some(dot_env()));
    assert!(ok, "{stderr}");
    assert!(
        !stderr.contains("plain text"),
        "stdin is no plaintext file: {stderr}"
    );
    assert_eq!(labels(&moved), ["kraken", "okx"]);
    let added = TestVault::new();
    added.add_kraken("kraken").success();
    let fingerprint = |tv: &TestVault| tv.json(&["list"])["entries"][0]["fingerprint"].clone();
    assert_eq!(fingerprint(&moved), fingerprint(&added));
    let okx = moved.json(&["show", "okx", "--reveal"]);
    assert_eq!(okx["api_passphrase"], OKX_PASSPHRASE);
    assert_eq!(okx["secret"], OKX_SECRET);
}

#[test]
fn a_ccxt_keys_file_names_the_exchange_it_does_not_know() {
    let tv = TestVault::new();
    let keys = tv.file("keys.local.json", &ccxt_keys());
    let args = ["--from", "ccxt", keys.to_str().unwrap(), "--dry-run"];
    let mut cmd = tv.cmd();
    cmd.arg("--json").arg("import").args(args);
    let (stdout, stderr, ok) = run(cmd);
    assert!(ok, "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let keys = plan["source"]["keys"].as_array().unwrap();
    let ftx = keys.iter().find(|k| k["source"] == "ftx").unwrap();
    assert_eq!(ftx["skipped"]["reason"], "unknown_exchange");
    assert_eq!(ftx["skipped"]["name"], "ftx");
    let actions: Vec<_> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].clone())
        .collect();
    assert_eq!(actions, ["binance", "kraken"]);
    let (stdout, _, ok) = import(&tv, &args, None);
    assert!(
        ok && stdout.contains("ftx: left out: unknown exchange \"ftx\""),
        "{stdout}"
    );
}

#[test]
fn a_config_without_keys_is_refused_naming_what_was_expected() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let (_, stderr, ok) = import(
        &tv,
        &["--from", "freqtrade", "-"],
        Some(freqtrade_config("", "")),
    );
    assert!(!ok);
    assert!(
        stderr.contains("no key could be taken from standard input"),
        "{stderr}"
    );
    assert!(stderr.contains("\"exchange\" object holding"), "{stderr}");
    assert!(stderr.contains("no secret"), "{stderr}");
    assert_eq!(tv.bytes(), before);
}

#[test]
fn bad_sources_are_refused_without_repeating_a_value() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let config = freqtrade_config(BINANCE_KEY, BINANCE_SECRET);
    let truncated = config[..config.find(BINANCE_SECRET).unwrap() + 20].to_string();
    let (_, stderr, ok) = import(&tv, &["--from", "freqtrade", "-"], Some(truncated));
    assert!(
        !ok && stderr.contains("EOF while parsing a string"),
        "{stderr}"
    );
    let unclosed = format!("KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET=\"{KRAKEN_SECRET}\n");
    let (_, stderr, ok) = import(&tv, &["--from", "env", "-"], Some(unclosed));
    assert!(
        !ok && stderr.contains("line 2: a quoted value is never closed"),
        "{stderr}"
    );
    // A key of the wrong shape is refused as `add` refuses it, and nothing is imported.
    // The last assignment wins, as in a shell.
    let short = format!("{}KRAKEN_API_KEY=abc\n", dot_env());
    let (_, stderr, ok) = import(&tv, &["--from", "env", "-"], Some(short));
    assert!(!ok && stderr.contains("a Kraken public key is"), "{stderr}");
    assert_eq!(tv.bytes(), before);
    // Nothing read was left behind in a file beside the vault.
    for file in fs::read_dir(tv.dir.path()).unwrap() {
        let bytes = fs::read(file.unwrap().path()).unwrap();
        let pieces: Vec<&[u8]> = SECRETS.iter().map(|s| &s.as_bytes()[..16]).collect();
        assert!(!holds_any(&bytes, &pieces));
    }
}

#[test]
fn stdin_feeds_one_input_and_must_be_text() {
    let tv = TestVault::new();
    let mut cmd = tv.bare();
    cmd.args(["--passphrase-file", "-", "import", "--from", "env", "-"]);
    cmd.write_stdin(format!("{PASSPHRASE}\n{}", dot_env()));
    let (_, stderr, ok) = run(cmd);
    assert!(
        !ok && stderr.contains("the env file and the vault passphrase"),
        "{stderr}"
    );
    let mut cmd = tv.cmd();
    cmd.args(["import", "--from", "ccxt", "-"])
        .write_stdin(vec![0xff, 0xfe]);
    let (_, stderr, ok) = run(cmd);
    assert!(
        !ok && stderr.contains("ccxt keys file from standard input is not UTF-8"),
        "{stderr}"
    );
    // A new vault may come from the source itself, recording no backup it never was.
    let new = TestVault::empty();
    let mut cmd = new.cmd();
    cmd.args(["import", "--from", "env", "--init", "-"])
        .args(FAST_KDF)
        .write_stdin(dot_env());
    let (_, stderr, ok) = run(cmd);
    assert!(ok, "{stderr}");
    assert_eq!(labels(&new), ["kraken", "okx"]);
    let unbacked = new.json(&["status"])["in_no_backup"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(unbacked, 2);
    assert_eq!(labels(&tv), Vec::<String>::new());
}

#[test]
fn a_pipe_given_as_a_path_is_no_plaintext_file() {
    let tv = TestVault::new();
    let env = tv.file("input.env", &dot_env());
    let script = format!(
        "{} --vault {} --passphrase-file {} import --from env <(cat {}) --dry-run",
        assert_cmd::cargo::cargo_bin("keycellar").display(),
        tv.vault.display(),
        tv.pass_file.display(),
        env.display()
    );
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-c", &script])
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("-> okx (okx)"));
    assert!(!stderr.contains("plain text"), "{stderr}");
}

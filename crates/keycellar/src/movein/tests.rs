//! The parsers of bot files here; the password managers' (`managers`) and `--strip`'s
//! (`strip`) beside.

use super::key::unique_label;
use super::*;

mod managers;
mod strip;

const KRAKEN_KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const KRAKEN_SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";
const BINANCE_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const BINANCE_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const OKX_KEY: &str = "3b0c7d9e-5f21-4a8b-9c6d-1e2f3a4b5c6d";
const OKX_SECRET: &str = "0123456789ABCDEF0123456789ABCDEF";

fn freqtrade_config(name: &str, key: &str, secret: &str) -> String {
    format!(
        r#"{{
    "$schema": "https://schema.freqtrade.io/schema.json",
    "max_open_trades": 3,
    "stake_currency": "USDT",
    "dry_run": false,
    // keys below
    "exchange": {{
        "name": "{name}",
        "key": "{key}",
        "secret": "{secret}",
        "ccxt_config": {{}},
        "pair_whitelist": ["BTC/USDT", "ETH/USDT",],
    }},
    /* the API server has a password too: not an exchange key */
    "api_server": {{ "enabled": false, "username": "freqtrader", "password": "hunter2" }},
    "bot_name": "Grid Bot"
}}"#
    )
}

fn labels(moved: &MovedIn) -> Vec<&str> {
    moved.entries.iter().map(|e| e.label.as_str()).collect()
}

#[test]
fn a_freqtrade_config_gives_its_exchange_key() {
    let text = freqtrade_config("binance", BINANCE_KEY, BINANCE_SECRET);
    let moved = read(Format::Freqtrade, text.as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["grid-bot-binance"]);
    let entry = &moved.entries[0];
    assert_eq!(entry.exchange, Exchange::Binance);
    assert_eq!(entry.api_key, BINANCE_KEY);
    assert_eq!(entry.secret.expose(), BINANCE_SECRET);
    assert!(entry.api_passphrase.is_none());
    let from: Vec<_> = moved.plan[0]
        .fields
        .iter()
        .map(|m| (m.from.as_str(), m.to))
        .collect();
    assert_eq!(
        from,
        [("exchange.key", "api_key"), ("exchange.secret", "secret")]
    );
}

#[test]
fn a_freqtrade_config_without_keys_is_refused_saying_what_was_expected() {
    let text = freqtrade_config("binance", "", "");
    let Err(Problem::NoKeys { skipped }) = read(Format::Freqtrade, text.as_bytes()) else {
        panic!("an empty key was taken");
    };
    assert_eq!(skipped, ["\"exchange\": no secret"]);
    let error = Problem::NoKeys { skipped }.at(Format::Freqtrade, "config.json");
    assert!(error.to_string().contains("\"exchange\" object"), "{error}");
}

#[test]
fn a_truncated_config_is_bad_json_that_quotes_no_secret() {
    let text = freqtrade_config("binance", BINANCE_KEY, BINANCE_SECRET);
    let cut = &text[..text.find(BINANCE_SECRET).unwrap() + 10];
    let Err(Problem::Json(problem)) = read(Format::Freqtrade, cut.as_bytes()) else {
        panic!("a truncated config was read");
    };
    assert!(
        !problem.to_string().contains(&BINANCE_SECRET[..10]),
        "{problem}"
    );
}

#[test]
fn a_wrongly_typed_password_is_not_repeated() {
    let text = r#"{"exchange": {"name": "okx", "key": "k", "secret": "s", "password": 12345678}}"#;
    let Err(Problem::Json(problem)) = read(Format::Freqtrade, text.as_bytes()) else {
        panic!("a number was taken as a passphrase");
    };
    assert!(!problem.to_string().contains("12345678"), "{problem}");
}

#[test]
fn an_env_file_gives_a_key_per_prefix_in_either_naming() {
    let text = format!(
        "# bot settings\nexport KRAKEN_API_KEY=\"{KRAKEN_KEY}\"\nKRAKEN_API_SECRET='{KRAKEN_SECRET}'\n\
         DB_PASSWORD=postgres\nJWT_SECRET=abc\n\
         BINANCE_APIKEY={BINANCE_KEY} # the tracker\nBINANCE_SECRET={BINANCE_SECRET}\n\
         KRAKEN_GRID_BOT_API_KEY={KRAKEN_KEY}\nKRAKEN_GRID_BOT_API_SECRET=\"{KRAKEN_SECRET}\"\n\
         OKX_API_KEY = {OKX_KEY}\nOKX_API_SECRET={OKX_SECRET}\nOKX_API_PASSPHRASE=\"a \\\"quoted\\\" pass\"\n"
    );
    let moved = read(Format::Env, text.as_bytes()).unwrap();
    assert_eq!(
        labels(&moved),
        ["kraken", "binance", "kraken-grid-bot", "okx"]
    );
    let exchanges: Vec<_> = moved.entries.iter().map(|e| e.exchange).collect();
    use Exchange::*;
    assert_eq!(exchanges, [Kraken, Binance, Kraken, Okx]);
    assert_eq!(moved.entries[0].secret.expose(), KRAKEN_SECRET);
    assert_eq!(moved.entries[1].api_key, BINANCE_KEY);
    let okx = &moved.entries[3];
    assert_eq!(
        okx.api_passphrase.as_ref().unwrap().expose(),
        "a \"quoted\" pass"
    );
    assert_eq!(
        moved.plan.len(),
        4,
        "DB_PASSWORD and JWT_SECRET are not keys"
    );
}

#[test]
fn an_env_key_of_an_unknown_exchange_is_named() {
    let text = format!(
        "FTX_API_KEY=abc\nFTX_API_SECRET=def\nKRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n"
    );
    let moved = read(Format::Env, text.as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["kraken"]);
    let skipped = moved.plan[0].skipped.as_ref().unwrap();
    assert_eq!(skipped.to_string(), "unknown exchange \"FTX\"");
}

#[test]
fn an_unclosed_quote_names_its_line_not_its_value() {
    let text = "A=1\nKRAKEN_API_SECRET=\"opensesame\n";
    let Err(problem) = read(Format::Env, text.as_bytes()) else {
        panic!("an unclosed quote was read");
    };
    assert_eq!(
        problem,
        Problem::Line {
            line: 2,
            problem: "a quoted value is never closed"
        }
    );
}

#[test]
fn a_ccxt_keys_file_gives_a_key_per_exchange_id() {
    let text = format!(
        r#"{{
    "binance": {{ "apiKey": "{BINANCE_KEY}", "secret": "{BINANCE_SECRET}", "options": {{ "defaultType": "spot" }} }},
    "krakenfutures": {{ "apiKey": "{KRAKEN_KEY}", "secret": "{KRAKEN_SECRET}" }},
    "okx": {{ "apiKey": "{OKX_KEY}", "secret": "{OKX_SECRET}", "password": "okx pass", "uid": "42" }},
    "ftx": {{ "apiKey": "gone", "secret": "gone" }},
    "bitget": {{ "skip": true }}
}}"#
    );
    let moved = read(Format::Ccxt, text.as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["binance", "krakenfutures", "okx"]);
    assert_eq!(moved.entries[1].exchange, Exchange::KrakenFutures);
    let okx = &moved.entries[2];
    assert_eq!(okx.account_ref.as_deref(), Some("42"));
    assert_eq!(okx.api_passphrase.as_ref().unwrap().expose(), "okx pass");
    let skips: Vec<_> = moved
        .plan
        .iter()
        .filter_map(|f| Some(format!("{}: {}", f.source, f.skipped.as_ref()?)))
        .collect();
    assert_eq!(
        skips,
        ["bitget: no secret", "ftx: unknown exchange \"ftx\""]
    );
}

#[test]
fn labels_are_made_unique_within_a_source() {
    let text = format!(
        "KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n\
         kraken_API_KEY={KRAKEN_KEY}\nkraken_API_SECRET={KRAKEN_SECRET}\n"
    );
    let moved = read(Format::Env, text.as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["kraken", "kraken-2"]);
}

#[test]
fn relaxed_json_keeps_strings_and_positions() {
    let text = "{\"a\": \"x // not a comment, \", // one\n \"b\": [1,],/* two\n */}";
    let strict = relaxed::strict_json(text);
    assert_eq!(strict.lines().count(), text.lines().count());
    let value: serde_json::Value = serde_json::from_str(&strict).unwrap();
    assert_eq!(value["a"], "x // not a comment, ");
    assert_eq!(strict.len(), text.len());
}

#[test]
fn admitted_entries_get_fingerprints_as_add_gives_them() {
    let text = format!("KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n");
    let moved = read(Format::Env, text.as_bytes()).unwrap();
    let (entries, _) = admit(moved.entries.clone(), Date::today()).unwrap();
    let by_add = validate::admit_new(moved.entries[0].clone().into_entry(), Date::today());
    assert_eq!(
        entries[0].fingerprint(),
        by_add.unwrap().entry.fingerprint()
    );
    let bad = format!("KRAKEN_API_KEY=short\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n");
    let moved = read(Format::Env, bad.as_bytes()).unwrap();
    assert!(admit(moved.entries, Date::today()).is_err());
}

#[test]
fn more_keys_than_add_takes_are_refused() {
    let line = format!("KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n");
    let mut text = String::new();
    for n in 0..=crate::credential::entry::MAX_NEW_ENTRIES {
        text.push_str(&line.replace("KRAKEN_", &format!("KRAKEN_N{n}_")));
    }
    let Err(Problem::Json(JsonProblem::TooManyEntries { count, .. })) =
        read(Format::Env, text.as_bytes())
    else {
        panic!("more keys than add takes were read");
    };
    assert_eq!(count, crate::credential::entry::MAX_NEW_ENTRIES + 1);
}

#[test]
fn a_stem_taken_by_name_is_passed_over() {
    let mut labels = Labels::default();
    let got: Vec<String> = ["kraken-2", "kraken", "kraken", "kraken"]
        .iter()
        .map(|stem| unique_label(stem, &mut labels))
        .collect();
    assert_eq!(got, ["kraken-2", "kraken", "kraken-3", "kraken-4"]);
}

#[test]
fn freqtrades_own_variables_are_one_key_of_the_exchange_they_name() {
    let text = format!(
        "FREQTRADE__EXCHANGE__KEY={BINANCE_KEY}\nFREQTRADE__EXCHANGE__SECRET={BINANCE_SECRET}\n\
         FREQTRADE__EXCHANGE__NAME=binance\nFREQTRADE__TELEGRAM__TOKEN=123:abc\n"
    );
    let moved = read(Format::Env, text.as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["freqtrade-binance"]);
    assert_eq!(moved.entries[0].exchange, Exchange::Binance);
    assert_eq!(moved.entries[0].secret.expose(), BINANCE_SECRET);
    let without_name = text.replace("FREQTRADE__EXCHANGE__NAME=binance\n", "");
    let Err(Problem::NoKeys { skipped }) = read(Format::Env, without_name.as_bytes()) else {
        panic!("a key of no exchange was taken");
    };
    assert_eq!(skipped, ["\"FREQTRADE__EXCHANGE\": no exchange named"]);
}

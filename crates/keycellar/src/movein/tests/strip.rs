//! Taking moved-in keys out of their file: only those values or lines, every other byte
//! kept; and the `exec` handover that gives the bot the names the file used.

use super::*;
use crate::credential::exec::Field;
use crate::credential::exec::profiles::Profile;
use crate::movein::strip::{Handover, handover, strip, stripped_fields};

const OKX_PASSPHRASE: &str = "okx pass, \"quoted\"";

#[test]
fn a_freqtrade_config_loses_only_its_key_values() {
    let text = freqtrade_config("okx", OKX_KEY, OKX_SECRET).replace(
        "\"ccxt_config\"",
        "\"password\": \"okx pass, \\\"quoted\\\"\", /* \"key\": \"x\" */ \"uid\": \"42\",\n        \"ccxt_config\"",
    );
    let moved = read(Format::Freqtrade, text.as_bytes()).unwrap();
    let names = stripped_fields(&moved.plan[0]);
    assert_eq!(
        names,
        ["exchange.key", "exchange.secret", "exchange.password"]
    );
    let stripped = strip(Format::Freqtrade, &text, &names).unwrap();
    let expected = text
        .replace(&format!("\"{OKX_KEY}\""), "\"\"")
        .replace(&format!("\"{OKX_SECRET}\""), "\"\"")
        .replace("\"okx pass, \\\"quoted\\\"\"", "\"\"");
    assert_eq!(*stripped, expected);
    // The API server's password, the comment and the account id are as they were.
    assert!(stripped.contains("\"password\": \"hunter2\"") && stripped.contains("\"uid\": \"42\""));
    assert!(stripped.contains("/* \"key\": \"x\" */"));
    assert!(!stripped.contains(OKX_PASSPHRASE));
}

#[test]
fn an_env_file_loses_only_the_key_lines() {
    let text = format!(
        "# bot\r\nexport KRAKEN_API_KEY={KRAKEN_KEY}\r\nLOG=info\r\n\
         KRAKEN_API_SECRET=\"{KRAKEN_SECRET}\nstill the secret\"\nKRAKEN_UID=7\n\
         OKX_API_KEY={OKX_KEY}\nOKX_API_SECRET={OKX_SECRET}\nTAIL=1"
    );
    let moved = read(Format::Env, text.as_bytes()).unwrap();
    let names = stripped_fields(&moved.plan[0]);
    assert_eq!(names, ["KRAKEN_API_KEY", "KRAKEN_API_SECRET"]);
    let stripped = strip(Format::Env, &text, &names).unwrap();
    assert_eq!(
        *stripped,
        format!(
            "# bot\r\nLOG=info\r\nKRAKEN_UID=7\nOKX_API_KEY={OKX_KEY}\nOKX_API_SECRET={OKX_SECRET}\nTAIL=1"
        )
    );
}

#[test]
fn other_formats_are_not_stripped() {
    let text = format!("{KRAKEN_SECRET}\nlogin: {KRAKEN_KEY}\nexchange: kraken\n");
    assert!(strip(Format::Pass, &text, &["login"]).is_err());
    assert!(!crate::movein::strip::can_strip(Format::Ccxt));
}

#[test]
fn the_handover_gives_the_bot_the_names_its_file_used() {
    let text = format!(
        "KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n\
         BINANCE_APIKEY={BINANCE_KEY}\nBINANCE_SECRET={BINANCE_SECRET}\n\
         KRAKEN_GRID_API_KEY={KRAKEN_KEY}\nKRAKEN_GRID_API_SECRET={KRAKEN_SECRET}\n\
         FREQTRADE__EXCHANGE__NAME=okx\nFREQTRADE__EXCHANGE__KEY={OKX_KEY}\n\
         FREQTRADE__EXCHANGE__SECRET={OKX_SECRET}\nFREQTRADE__EXCHANGE__PASSWORD=p\n"
    );
    let moved = read(Format::Env, text.as_bytes()).unwrap();
    let (entries, _) = admit(moved.entries, Date::today()).unwrap();
    let handovers: Vec<Handover> = moved
        .plan
        .iter()
        .zip(&entries)
        .map(|(found, entry)| handover(Format::Env, found, entry))
        .collect();
    let grid = vec![
        ("KRAKEN_GRID_API_KEY".to_string(), Field::ApiKey),
        ("KRAKEN_GRID_API_SECRET".to_string(), Field::Secret),
    ];
    assert_eq!(
        handovers,
        [
            Handover::Profile(Profile::Env),
            Handover::Profile(Profile::Ccxt),
            Handover::Variables(grid),
            Handover::Profile(Profile::Freqtrade),
        ]
    );
}

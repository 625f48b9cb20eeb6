//! A freqtrade config: the `exchange` object's `name`, `key`, `secret`, `password` and
//! `uid` (freqtrade's docs/configuration.md), labelled by `bot_name` and the exchange.
//! freqtrade reads its configs with comments and trailing commas allowed; so does this.

use super::{Problem, RawKey};
use crate::secret::Secret;
use serde::Deserialize;

#[derive(Deserialize)]
struct Config {
    #[serde(default)]
    exchange: Option<ExchangeBlock>,
    #[serde(default)]
    bot_name: Option<String>,
}

#[derive(Deserialize)]
struct ExchangeBlock {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    secret: Option<Secret>,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    uid: Option<String>,
}

pub(super) fn read(text: &str) -> Result<Vec<RawKey>, Problem> {
    let cleaned = super::relaxed::strict_json(text);
    let config: Config = super::parse_json(&cleaned)?;
    let Some(block) = config.exchange else {
        return Err(Problem::NoKeys {
            skipped: vec!["no \"exchange\" object".into()],
        });
    };
    let exchange = block.name.unwrap_or_default();
    let bot = config.bot_name.unwrap_or_else(|| "freqtrade".into());
    let mut key = RawKey::new("exchange", &exchange, &format!("{bot}-{exchange}"));
    key.api_key = block.key.map(|k| ("exchange.key".into(), k));
    key.secret = block.secret.map(|s| ("exchange.secret".into(), s));
    key.passphrase = block.password.map(|p| ("exchange.password".into(), p));
    key.uid = block.uid.map(|u| ("exchange.uid".into(), u));
    Ok(vec![key])
}

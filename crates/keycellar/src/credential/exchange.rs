//! The exchanges keycellar knows, by the ids the format and fingerprints use, and what
//! each asks for beyond a key and a secret.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Exchanges keycellar knows. Ids are part of the format and of fingerprints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exchange {
    Kraken,
    KrakenFutures,
    Binance,
    BinanceUs,
    Coinbase,
    CoinbaseExchange,
    Okx,
    Kucoin,
    Bybit,
    Bitstamp,
    Gemini,
    Other,
}

impl Exchange {
    /// Every exchange, in the order help and completions list them.
    pub const ALL: [Exchange; 12] = [
        Exchange::Kraken,
        Exchange::KrakenFutures,
        Exchange::Binance,
        Exchange::BinanceUs,
        Exchange::Coinbase,
        Exchange::CoinbaseExchange,
        Exchange::Okx,
        Exchange::Kucoin,
        Exchange::Bybit,
        Exchange::Bitstamp,
        Exchange::Gemini,
        Exchange::Other,
    ];

    /// The id as written in the vault, in JSON and in fingerprints (e.g. `kraken-futures`).
    pub fn id(self) -> &'static str {
        match self {
            Exchange::Kraken => "kraken",
            Exchange::KrakenFutures => "kraken-futures",
            Exchange::Binance => "binance",
            Exchange::BinanceUs => "binance-us",
            Exchange::Coinbase => "coinbase",
            Exchange::CoinbaseExchange => "coinbase-exchange",
            Exchange::Okx => "okx",
            Exchange::Kucoin => "kucoin",
            Exchange::Bybit => "bybit",
            Exchange::Bitstamp => "bitstamp",
            Exchange::Gemini => "gemini",
            Exchange::Other => "other",
        }
    }

    /// Whether the exchange requires an API passphrase as a third credential.
    pub fn requires_api_passphrase(self) -> bool {
        matches!(
            self,
            Exchange::Okx | Exchange::Kucoin | Exchange::CoinbaseExchange
        )
    }
}

impl FromStr for Exchange {
    type Err = String;
    fn from_str(id: &str) -> Result<Self, String> {
        Exchange::ALL
            .into_iter()
            .find(|e| e.id() == id)
            .ok_or_else(|| format!("unknown exchange {}", crate::untrusted::quoted(id)))
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Exchange {
    /// The permission names keycellar knows for this exchange, where it knows them; `add`
    /// and `edit` accept others only as `--permission-other`.
    pub fn known_permissions(self) -> Option<&'static [&'static str]> {
        match self {
            Exchange::Kraken => Some(KRAKEN_PERMISSIONS),
            _ => None,
        }
    }
}

/// Kraken's named API-key permissions, as keycellar spells them (offered in help and
/// completions). Imports keep any string as given; `add` and `edit` take others only as
/// `--permission-other`.
pub const KRAKEN_PERMISSIONS: &[&str] = &[
    "query-funds",
    "deposit-funds",
    "withdraw-funds",
    "earn-funds",
    "query-open-trades",
    "query-closed-trades",
    "modify-trades",
    "cancel-trades",
    "query-ledger",
    "export-data",
    "websocket",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_ids_match_serde_names() {
        for ex in &Exchange::ALL {
            let json = serde_json::to_string(ex).unwrap();
            assert_eq!(json, format!("\"{}\"", ex.id()));
            assert_eq!(ex.id().parse::<Exchange>().unwrap(), *ex);
        }
    }
}

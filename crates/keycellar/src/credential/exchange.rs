//! The exchanges keycellar knows, one table: per exchange its id (used by the format and
//! fingerprints), ccxt id, whether it needs an API passphrase, its permission names, how
//! its signer takes the secret, its documented public-key shape, what its secrets look like
//! and its shape rules.

use super::validate::{self, exchanges as rules};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares the exchanges once: the enum and [`Exchange::ALL`] come from one list, so an
/// exchange cannot be left out of `ALL`, and [`Exchange::info`] matches every variant, so
/// none compiles without its row of the table.
macro_rules! exchanges {
    ($($variant:ident),+ $(,)?) => {
        /// Exchanges keycellar knows. Ids are part of the format and of fingerprints.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum Exchange {
            $($variant),+
        }

        impl Exchange {
            /// Every exchange, in the order help and completions list them.
            pub const ALL: &'static [Exchange] = &[$(Exchange::$variant),+];
        }
    };
}

exchanges!(
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
);

/// How an exchange's signer takes the secret, which is what fingerprints hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretEncoding {
    /// Standard base64, decoded to the bytes the HMAC keys with (Kraken, Coinbase Exchange).
    Base64,
    /// The text as issued (a hex or alphanumeric string, or a PEM key).
    Text,
}

/// The public-key shape an exchange documents: a key typed in now that does not fit is
/// refused (keys read from backups keep loading as they were saved).
pub struct KeyShape {
    /// The exchange as a message names it ("Kraken" for Kraken Futures too).
    pub name: &'static str,
    /// The shape in words ("56 base64 characters (42 bytes)").
    pub description: &'static str,
    pub fits: fn(&str) -> bool,
}

/// Everything keycellar knows about one exchange, in one row.
pub struct ExchangeInfo {
    /// The id as written in the vault, in JSON and in fingerprints (never renamed).
    pub id: &'static str,
    /// ccxt's id (its `exchanges` list), for the profiles that hand keys to ccxt.
    pub ccxt_id: Option<&'static str>,
    /// Whether the exchange requires an API passphrase as a third credential.
    pub requires_api_passphrase: bool,
    /// The permission names keycellar knows, where it knows them; `add` and `edit` take
    /// others only as explicit "other" permissions.
    pub permissions: Option<&'static [&'static str]>,
    pub secret: SecretEncoding,
    pub public_key: Option<KeyShape>,
    /// What its secrets look like, where no public key of it looks the same: a value of this
    /// shape given as the public key is the secret, pasted in the wrong place
    /// (`credential/paste`). A PEM private key is a secret on every exchange.
    pub secret_looks: Option<fn(&str) -> bool>,
    /// The shape rules of its keys and secrets (errors refuse an entry, warnings are shown).
    pub(crate) rules: fn(&validate::Shape, &mut validate::Report),
}

fn kraken_key_fits(key: &str) -> bool {
    key.len() == 56 && rules::decoded_len(key) == Some(42)
}

fn binance_key_fits(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Base64 of 64 bytes: Kraken's secrets, Coinbase Exchange's, and Coinbase's Ed25519 keys.
pub(crate) fn base64_64_bytes(secret: &str) -> bool {
    secret.len() == 88 && rules::decoded_len(secret) == Some(64)
}

fn upper_hex_32(secret: &str) -> bool {
    secret.len() == 32
        && secret
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

fn uuid_text(secret: &str) -> bool {
    secret.len() == 36 && uuid::Uuid::try_parse(secret).is_ok()
}

fn alnum_36(secret: &str) -> bool {
    secret.len() == 36 && secret.bytes().all(|b| b.is_ascii_alphanumeric())
}

const KRAKEN_KEY: KeyShape = KeyShape {
    name: "Kraken",
    description: "56 base64 characters (42 bytes)",
    fits: kraken_key_fits,
};

const BINANCE_KEY: KeyShape = KeyShape {
    name: "Binance",
    description: "64 letters and digits",
    fits: binance_key_fits,
};

/// A row with what most exchanges share: a text secret, no documented key shape, no known
/// permission names, no API passphrase.
const fn row(
    id: &'static str,
    ccxt_id: &'static str,
    rules: fn(&validate::Shape, &mut validate::Report),
) -> ExchangeInfo {
    ExchangeInfo {
        id,
        ccxt_id: Some(ccxt_id),
        requires_api_passphrase: false,
        permissions: None,
        secret: SecretEncoding::Text,
        public_key: None,
        secret_looks: None,
        rules,
    }
}

static KRAKEN: ExchangeInfo = ExchangeInfo {
    permissions: Some(KRAKEN_PERMISSIONS),
    secret: SecretEncoding::Base64,
    public_key: Some(KRAKEN_KEY),
    secret_looks: Some(base64_64_bytes),
    ..row("kraken", "kraken", rules::kraken)
};
static KRAKEN_FUTURES: ExchangeInfo = ExchangeInfo {
    secret: SecretEncoding::Base64,
    public_key: Some(KRAKEN_KEY),
    secret_looks: Some(base64_64_bytes),
    ..row("kraken-futures", "krakenfutures", rules::kraken)
};
static BINANCE: ExchangeInfo = ExchangeInfo {
    public_key: Some(BINANCE_KEY),
    ..row("binance", "binance", rules::binance)
};
static BINANCE_US: ExchangeInfo = ExchangeInfo {
    public_key: Some(BINANCE_KEY),
    ..row("binance-us", "binanceus", rules::binance)
};
static COINBASE: ExchangeInfo = ExchangeInfo {
    secret_looks: Some(base64_64_bytes),
    ..row("coinbase", "coinbase", rules::coinbase)
};
static COINBASE_EXCHANGE: ExchangeInfo = ExchangeInfo {
    requires_api_passphrase: true,
    secret: SecretEncoding::Base64,
    secret_looks: Some(base64_64_bytes),
    ..row(
        "coinbase-exchange",
        "coinbaseexchange",
        rules::coinbase_exchange,
    )
};
static OKX: ExchangeInfo = ExchangeInfo {
    requires_api_passphrase: true,
    secret_looks: Some(upper_hex_32),
    ..row("okx", "okx", rules::okx)
};
static KUCOIN: ExchangeInfo = ExchangeInfo {
    requires_api_passphrase: true,
    secret_looks: Some(uuid_text),
    ..row("kucoin", "kucoin", rules::kucoin)
};
static BYBIT: ExchangeInfo = ExchangeInfo {
    secret_looks: Some(alnum_36),
    ..row("bybit", "bybit", rules::bybit)
};
static BITSTAMP: ExchangeInfo = row("bitstamp", "bitstamp", rules::bitstamp);
static GEMINI: ExchangeInfo = row("gemini", "gemini", rules::gemini);
static OTHER: ExchangeInfo = ExchangeInfo {
    ccxt_id: None,
    ..row("other", "", rules::other)
};

impl Exchange {
    /// This exchange's row of the table.
    pub fn info(self) -> &'static ExchangeInfo {
        match self {
            Exchange::Kraken => &KRAKEN,
            Exchange::KrakenFutures => &KRAKEN_FUTURES,
            Exchange::Binance => &BINANCE,
            Exchange::BinanceUs => &BINANCE_US,
            Exchange::Coinbase => &COINBASE,
            Exchange::CoinbaseExchange => &COINBASE_EXCHANGE,
            Exchange::Okx => &OKX,
            Exchange::Kucoin => &KUCOIN,
            Exchange::Bybit => &BYBIT,
            Exchange::Bitstamp => &BITSTAMP,
            Exchange::Gemini => &GEMINI,
            Exchange::Other => &OTHER,
        }
    }

    /// The id as written in the vault, in JSON and in fingerprints (e.g. `kraken-futures`).
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Whether the exchange requires an API passphrase as a third credential.
    pub fn requires_api_passphrase(self) -> bool {
        self.info().requires_api_passphrase
    }
}

impl FromStr for Exchange {
    type Err = String;
    fn from_str(id: &str) -> Result<Self, String> {
        Exchange::ALL
            .iter()
            .copied()
            .find(|e| e.id() == id)
            .ok_or_else(|| format!("unknown exchange {}", crate::untrusted::quoted(id)))
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
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
        for ex in Exchange::ALL {
            let json = serde_json::to_string(ex).unwrap();
            assert_eq!(json, format!("\"{}\"", ex.id()));
            assert_eq!(ex.id().parse::<Exchange>().unwrap(), *ex);
        }
    }
}

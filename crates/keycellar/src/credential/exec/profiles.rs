//! Where popular bots read exchange keys from, as `exec --profile NAME`:
//!
//! - `env` (default): `<EXCHANGE>_API_KEY`, `<EXCHANGE>_API_SECRET` and
//!   `<EXCHANGE>_API_PASSPHRASE`, for hand-written bots.
//! - `ccxt`: `<CCXTID>_APIKEY`, `<CCXTID>_SECRET`, `<CCXTID>_PASSWORD`, `<CCXTID>_UID`: the
//!   names ccxt's own test runner loads credentials from (`loadCredentialsFromEnv` in
//!   ts/src/test/tests.ts: `(exchangeId + '_' + credential).toUpperCase()`, "example:
//!   KRAKEN_APIKEY", over the exchange's `requiredCredentials` apiKey, secret, password,
//!   uid), with ccxt's exchange ids (`krakenfutures`, `binanceus`, `coinbaseexchange`).
//! - `freqtrade`: `FREQTRADE__EXCHANGE__KEY`, `FREQTRADE__EXCHANGE__SECRET`,
//!   `FREQTRADE__EXCHANGE__PASSWORD`: freqtrade's environment overrides of its `exchange`
//!   block (docs/configuration.md, "Environment variables": `FREQTRADE__EXCHANGE__KEY=
//!   <yourExchangeKey>`; `__` separates the levels of the config, so `password` is
//!   `FREQTRADE__EXCHANGE__PASSWORD`).
//! - `json-fd`: nothing in the environment but `KEYCELLAR_CREDENTIALS_FD`, the number of a
//!   pipe that holds one JSON document, [`document`], read once.
//! - `sign`: no secret at all: `KEYCELLAR_SIGN_SOCK`, the socket of the signing service
//!   (docs/SIGNING.md) that signs the bot's requests, and the public key as
//!   `<EXCHANGE>_API_KEY`.

use crate::credential::entry::Entry;
use crate::credential::exec::Field;
use crate::secret::Secret;
use std::fmt;

/// The variable that names the descriptor of the `json-fd` profile.
pub const CREDENTIALS_FD_VARIABLE: &str = "KEYCELLAR_CREDENTIALS_FD";

/// The variable that names the signing service's socket in the `sign` profile.
pub const SIGN_SOCKET_VARIABLE: &str = "KEYCELLAR_SIGN_SOCK";

/// A way of handing keys to a bot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    #[default]
    Env,
    Ccxt,
    Freqtrade,
    JsonFd,
    Sign,
}

impl Profile {
    pub const ALL: [Profile; 5] = [
        Profile::Env,
        Profile::Ccxt,
        Profile::Freqtrade,
        Profile::JsonFd,
        Profile::Sign,
    ];

    /// The name `--profile` takes.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Env => "env",
            Profile::Ccxt => "ccxt",
            Profile::Freqtrade => "freqtrade",
            Profile::JsonFd => "json-fd",
            Profile::Sign => "sign",
        }
    }

    /// One line on what the child gets, for `exec --list-profiles`.
    pub fn summary(self) -> &'static str {
        match self {
            Profile::Env => {
                "<EXCHANGE>_API_KEY, <EXCHANGE>_API_SECRET, <EXCHANGE>_API_PASSPHRASE (default)"
            }
            Profile::Ccxt => "<CCXTID>_APIKEY, _SECRET, _PASSWORD, _UID (ccxt's own names)",
            Profile::Freqtrade => {
                "FREQTRADE__EXCHANGE__KEY, __SECRET, __PASSWORD (freqtrade's overrides)"
            }
            Profile::JsonFd => "a JSON document on a pipe; its fd in KEYCELLAR_CREDENTIALS_FD",
            Profile::Sign => {
                "no secret: KEYCELLAR_SIGN_SOCK signs its requests, <EXCHANGE>_API_KEY (safest)"
            }
        }
    }

    /// Whether the bot gets the secrets themselves (every profile but `sign`).
    pub fn hands_out_secrets(self) -> bool {
        self != Profile::Sign
    }

    /// The environment variables this profile sets for `entry` (none for `json-fd`; the
    /// public key only for `sign`).
    pub fn variables(self, entry: &Entry) -> Result<Vec<(String, Field)>, String> {
        let has_passphrase = entry.api_passphrase.is_some();
        Ok(match self {
            Profile::Env => {
                let prefix = entry.exchange.id().to_ascii_uppercase().replace('-', "_");
                let mut pairs = vec![
                    (format!("{prefix}_API_KEY"), Field::ApiKey),
                    (format!("{prefix}_API_SECRET"), Field::Secret),
                ];
                if has_passphrase {
                    pairs.push((format!("{prefix}_API_PASSPHRASE"), Field::ApiPassphrase));
                }
                pairs
            }
            Profile::Ccxt => {
                let id = entry
                    .exchange
                    .info()
                    .ccxt_id
                    .ok_or_else(|| "ccxt has no id for exchange \"other\"".to_string())?
                    .to_ascii_uppercase();
                let mut pairs = vec![
                    (format!("{id}_APIKEY"), Field::ApiKey),
                    (format!("{id}_SECRET"), Field::Secret),
                ];
                if has_passphrase {
                    pairs.push((format!("{id}_PASSWORD"), Field::ApiPassphrase));
                }
                if entry.account_ref.is_some() {
                    pairs.push((format!("{id}_UID"), Field::AccountRef));
                }
                pairs
            }
            Profile::Freqtrade => {
                let mut pairs = vec![
                    ("FREQTRADE__EXCHANGE__KEY".to_string(), Field::ApiKey),
                    ("FREQTRADE__EXCHANGE__SECRET".to_string(), Field::Secret),
                ];
                if has_passphrase {
                    pairs.push(("FREQTRADE__EXCHANGE__PASSWORD".into(), Field::ApiPassphrase));
                }
                pairs
            }
            Profile::JsonFd => Vec::new(),
            Profile::Sign => {
                let prefix = entry.exchange.id().to_ascii_uppercase().replace('-', "_");
                vec![(format!("{prefix}_API_KEY"), Field::ApiKey)]
            }
        })
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One key in the `json-fd` document; borrowed, so that the secret is copied only into the
/// document itself.
#[derive(serde::Serialize)]
struct Credentials<'a> {
    label: &'a str,
    exchange: &'a str,
    key: &'a str,
    secret: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    passphrase: Option<&'a str>,
}

/// The `json-fd` document: one object `{label, exchange, key, secret, passphrase?}` for one
/// entry, an array of them for several. It holds secrets, so it is a [`Secret`], written
/// into a buffer large enough from the start (a grown buffer would leave copies behind).
pub fn document(entries: &[&Entry]) -> Secret {
    let keys: Vec<Credentials> = entries
        .iter()
        .map(|e| Credentials {
            label: &e.label,
            exchange: e.exchange.id(),
            key: &e.api_key,
            secret: e.secret.expose(),
            passphrase: e.api_passphrase.as_ref().map(|p| p.expose()),
        })
        .collect();
    let room: usize = keys
        .iter()
        .map(|k| 128 + 2 * (k.label.len() + k.key.len() + k.secret.len()))
        .sum::<usize>()
        + keys
            .iter()
            .filter_map(|k| k.passphrase)
            .map(|p| 2 * p.len())
            .sum::<usize>();
    let mut buffer = Vec::with_capacity(room);
    let written = match keys.as_slice() {
        [one] => serde_json::to_writer(&mut buffer, one),
        many => serde_json::to_writer(&mut buffer, many),
    };
    // Serializing borrowed strings into memory cannot fail; an empty document would.
    debug_assert!(written.is_ok());
    Secret::new(String::from_utf8(buffer).unwrap_or_default())
}

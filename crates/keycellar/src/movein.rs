//! Moving in: the keys a bot user already keeps somewhere (a freqtrade config, a `.env`
//! file, ccxt's `keys.local.json`, a password manager's export), read from bytes into new
//! entries, with a plan that says which of the source's fields became what and which keys
//! were left out and why.
//!
//! The parsers only read: every entry they give then passes the same admission as `add`
//! ([`admit`], which is [`validate::admit_new`]) and joins the vault by the import's merge
//! rules. Each parser (`freqtrade`, with `relaxed` JSON; `env`; `ccxt`; the password
//! managers' `keepass`, read by the small `xml` reader, `bitwarden` and `pass`, whose
//! entries are each an `item`) gives the keys it found as `key`'s raw keys, which become
//! entries or skips here. `strip` takes moved-in keys out of the file they came from. Nothing here quotes a
//! secret: the plan and the problems name fields, variables and exchange names, and an
//! exchange name is quoted through [`quoted`].

use crate::clock::Date;
use crate::credential::entry::{Entry, MAX_NEW_ENTRIES, NewEntry};
use crate::credential::exchange::Exchange;
use crate::credential::validate::{self, EntryWarning};
use crate::error::{Error, InputError, JsonProblem, Result};
use crate::untrusted::quoted;
use serde::Serialize;
use std::fmt;

mod bitwarden;
mod ccxt;
mod env;
mod freqtrade;
mod item;
mod keepass;
mod key;
mod pass;
mod relaxed;
pub mod strip;
mod xml;

pub use key::exchange_named;
use key::{Labels, RawKey};

/// The sources `import --from` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A freqtrade config: `exchange.name`, `key`, `secret`, `password`, `uid`.
    Freqtrade,
    /// A `.env` or shell file: `<EXCHANGE>_API_KEY`/`_API_SECRET`/`_API_PASSPHRASE`, or
    /// ccxt's `<ID>_APIKEY`/`_SECRET`/`_PASSWORD`/`_UID`.
    Env,
    /// ccxt's `keys.local.json`: exchange id -> `apiKey`, `secret`, `password`, `uid`.
    Ccxt,
    /// The KeePass XML `keepassxc-cli export` writes.
    Keepassxc,
    /// Bitwarden's (unencrypted) JSON export.
    Bitwarden,
    /// The text of `pass show NAME`.
    Pass,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Freqtrade,
        Format::Env,
        Format::Ccxt,
        Format::Keepassxc,
        Format::Bitwarden,
        Format::Pass,
    ];

    /// The name `--from` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Freqtrade => "freqtrade",
            Format::Env => "env",
            Format::Ccxt => "ccxt",
            Format::Keepassxc => "keepassxc",
            Format::Bitwarden => "bitwarden",
            Format::Pass => "pass",
        }
    }

    /// What such a source is, as a message names it.
    pub fn document(self) -> &'static str {
        match self {
            Format::Freqtrade => "freqtrade config",
            Format::Env => "env file",
            Format::Ccxt => "ccxt keys file",
            Format::Keepassxc => "KeePass XML export",
            Format::Bitwarden => "Bitwarden export",
            Format::Pass => "pass entry",
        }
    }

    /// What a source of this format holds, as an error says it was expected.
    pub fn expected(self) -> &'static str {
        match self {
            Format::Freqtrade => {
                "a freqtrade config with an \"exchange\" object holding \"name\", \"key\" and \
                 \"secret\""
            }
            Format::Env => {
                "lines NAME=VALUE with <EXCHANGE>_API_KEY and <EXCHANGE>_API_SECRET, ccxt's \
                 <ID>_APIKEY and <ID>_SECRET, or freqtrade's FREQTRADE__EXCHANGE__NAME, __KEY \
                 and __SECRET"
            }
            Format::Ccxt => {
                "a JSON object of ccxt exchange ids, each holding \"apiKey\" and \"secret\""
            }
            Format::Keepassxc => {
                "the KeePass XML `keepassxc-cli export` writes, with entries that have an \
                 \"exchange\" field, or whose title names an exchange and says API (\"Kraken \
                 API\"), the public key as the user name and the secret as the password"
            }
            Format::Bitwarden => {
                "Bitwarden's unencrypted JSON export, with login items that have an \
                 \"exchange\" field, or whose name names an exchange and says API (\"Kraken \
                 API\"), the public key as the user name and the secret as the password (or in \
                 fields named \"API key\" and \"secret\")"
            }
            Format::Pass => {
                "the text of `pass show NAME`: the secret on the first line, then \
                 \"login: PUBLIC KEY\" and \"exchange: NAME\" lines"
            }
        }
    }
}

/// One field of the source and the entry field it became.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// The source's name for it: `exchange.key`, `KRAKEN_API_SECRET`, `binance.apiKey`.
    pub from: String,
    /// The entry's field: `api_key`, `secret`, `api_passphrase`, `account_ref`.
    pub to: &'static str,
}

/// Why a key of the source was left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Skip {
    /// No secret, or an empty one (a dry-run config).
    NoSecret,
    /// A secret but no public key.
    NoKey,
    /// No exchange named (a freqtrade config or `FREQTRADE__EXCHANGE__` variables without
    /// a `name`).
    NoExchange,
    /// An exchange keycellar does not know, as the source names it.
    UnknownExchange { name: String },
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::NoSecret => f.write_str("no secret"),
            Skip::NoKey => f.write_str("a secret but no public key"),
            Skip::NoExchange => f.write_str("no exchange named"),
            Skip::UnknownExchange { name } => {
                write!(f, "unknown exchange {}", quoted(name))
            }
        }
    }
}

/// One key the source holds: the entry it became, or why it was left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Where in the source: `exchange`, `KRAKEN`, `binance`.
    pub source: String,
    /// The label it gets (absent when skipped).
    pub label: Option<String>,
    pub exchange: Option<Exchange>,
    /// Which field became what.
    pub fields: Vec<Mapping>,
    /// Why it was left out, if it was.
    pub skipped: Option<Skip>,
}

/// What a source gave: the new entries, in order, and the plan of every key it holds.
#[derive(Debug)]
pub struct MovedIn {
    pub format: Format,
    pub entries: Vec<NewEntry>,
    pub plan: Vec<Found>,
}

/// Why a source could not be read at all; path-free, named by [`Problem::at`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The bytes are not UTF-8 text.
    NotText,
    /// A JSON source that is not JSON, or not of the shape expected.
    Json(JsonProblem),
    /// A line of an env file that cannot be read (never quoted: it may hold a secret).
    Line { line: usize, problem: &'static str },
    /// Not one key could be taken from the source; what each found key lacked.
    NoKeys { skipped: Vec<String> },
    /// A source whose keys are encrypted, which keycellar cannot read: `what` it is.
    Encrypted { what: &'static str },
}

impl Problem {
    /// The library error for this problem in the source called `name`.
    pub fn at(self, format: Format, name: &str) -> Error {
        let source_name = name.to_string();
        Error::Input(match self {
            Problem::NotText => InputError::NotText {
                what: format.document(),
                source_name,
            },
            Problem::Json(problem) => InputError::BadJson {
                source_name,
                problem,
            },
            Problem::Line { line, problem } => InputError::BadLine {
                source_name,
                line,
                problem,
            },
            Problem::NoKeys { skipped } => InputError::NoKeys {
                source_name,
                format: format.name(),
                expected: format.expected(),
                skipped,
            },
            Problem::Encrypted { what } => InputError::EncryptedSource {
                source_name,
                what,
                expected: format.expected(),
            },
        })
    }
}

/// Reads the keys of a source of `format` from its bytes. A source from which not one key
/// can be taken is a [`Problem::NoKeys`] that says what each key it holds lacked; one of
/// more than [`MAX_NEW_ENTRIES`] keys is refused, as `add --from-json` refuses it.
pub fn read(format: Format, bytes: &[u8]) -> std::result::Result<MovedIn, Problem> {
    if format == Format::Keepassxc && keepass::is_database(bytes) {
        let what = keepass::DATABASE;
        return Err(Problem::Encrypted { what });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Problem::NotText)?;
    let raw = match format {
        Format::Freqtrade => freqtrade::read(text)?,
        Format::Env => env::read(text)?,
        Format::Ccxt => ccxt::read(text)?,
        Format::Keepassxc => keepass::read(text)?,
        Format::Bitwarden => bitwarden::read(text)?,
        Format::Pass => pass::read(text)?,
    };
    let mut taken = Labels::default();
    let mut entries = Vec::new();
    let mut plan = Vec::new();
    for key in raw {
        let (found, entry) = key.resolve(&mut taken);
        entries.extend(entry);
        plan.push(found);
    }
    if entries.len() > MAX_NEW_ENTRIES {
        return Err(Problem::Json(JsonProblem::TooManyEntries {
            count: entries.len(),
            limit: MAX_NEW_ENTRIES,
        }));
    }
    if entries.is_empty() {
        let skipped = plan
            .iter()
            .map(|f| {
                let why = f.skipped.as_ref().map(Skip::to_string).unwrap_or_default();
                format!("{}: {why}", quoted(&f.source))
            })
            .collect();
        return Err(Problem::NoKeys { skipped });
    }
    Ok(MovedIn {
        format,
        entries,
        plan,
    })
}

/// Admits every entry as `add` does (shape checks, fingerprints) on `today`; the first that
/// is refused refuses them all. The warnings of the checks come back with the entries.
pub fn admit(entries: Vec<NewEntry>, today: Date) -> Result<(Vec<Entry>, Vec<EntryWarning>)> {
    let mut admitted = Vec::with_capacity(entries.len());
    let mut warnings = Vec::new();
    for entry in entries {
        let checked = validate::admit_new(entry.into_entry(), today)?;
        let label = checked.entry.label();
        warnings.extend(checked.warnings.into_iter().map(|warning| EntryWarning {
            label: label.to_string(),
            warning,
        }));
        admitted.push(checked.entry);
    }
    Ok((admitted, warnings))
}

/// Parses a JSON source into `T`, with the parser's detail left out wherever the path
/// names a field that may hold a secret (`secret`, `password`, ...).
fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> std::result::Result<T, Problem> {
    // Syntax first, keeping nothing: serde_json's syntax messages are its own fixed texts
    // ("EOF while parsing a string"), which say what a truncated file lacks.
    let syntax = serde_json::from_str::<serde::de::IgnoredAny>(text)
        .err()
        .filter(|e| e.classify() != serde_json::error::Category::Data);
    if let Some(error) = syntax {
        let full = error.to_string();
        let detail = full.split(" at line ").next().unwrap_or_default();
        return Err(Problem::Json(JsonProblem::BadValue {
            path: ".".into(),
            line: error.line(),
            column: error.column(),
            detail: Some(detail.to_string()),
        }));
    }
    crate::source::parse_json(text).map_err(|problem| {
        Problem::Json(match problem {
            JsonProblem::BadValue {
                path, line, column, ..
            } if !path_is_public(&path) => JsonProblem::BadValue {
                path,
                line,
                column,
                detail: None,
            },
            other => other,
        })
    })
}

/// Whether a JSON path ends in a field whose value is never secret.
fn path_is_public(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    ["name", "key", "apiKey", "uid", "bot_name", "."].contains(&last)
}

#[cfg(test)]
mod tests;

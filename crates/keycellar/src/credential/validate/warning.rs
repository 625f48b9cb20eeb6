//! What the checks of an entry warn about, as types: a [`Warning`] is shown and the entry
//! is saved (what refuses an entry is an [`crate::error::EntryProblem`]). Their texts state
//! facts about the entry (lengths, character classes), never a secret's characters and never
//! a flag of a front end: a front end that knows how the value was given adds its next step.

use crate::credential::exchange::KRAKEN_PERMISSIONS;
use crate::wording::{count, noun};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which value of an entry a shape warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    PublicKey,
    Secret,
}

/// Something worth saying about an entry that is saved all the same. (`thiserror` derives
/// the texts only: a warning is no error, but each text then stays beside its variant.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Warning {
    #[error(
        "a Kraken public key is usually 56 base64 characters (42 bytes); this one has {}",
        character_count(*.characters)
    )]
    KrakenKeyShape { characters: usize },
    #[error(
        "a Kraken Futures secret is usually base64 of 64 bytes; this one decodes to {}",
        count(*.bytes, "byte", "bytes")
    )]
    KrakenFuturesSecretLength { bytes: usize },
    #[error(
        "unknown Kraken {} {}; known: {}",
        noun(.quoted.len(), "permission", "permissions"),
        .quoted.join(", "),
        KRAKEN_PERMISSIONS.join(", ")
    )]
    UnknownKrakenPermissions { quoted: Vec<String> },
    #[error(
        "this {part} does not look like the usual {usual} ({})",
        character_count(*.characters)
    )]
    UnusualShape {
        part: Part,
        /// The exchange's usual shape, such as "64 letters and digits".
        usual: String,
        characters: usize,
    },
    #[error("a Coinbase key name is usually a UUID or organizations/.../apiKeys/<uuid>")]
    CoinbaseKeyName,
    #[error("a Coinbase private key is usually a PEM block or base64 of 64 bytes")]
    CoinbasePrivateKey,
    #[error("an OKX API key is usually a UUID")]
    OkxKeyNotUuid,
    #[error("a KuCoin secret is usually a UUID")]
    KucoinSecretNotUuid,
    #[error("KuCoin key version {version}; keys made since 2021 are 2")]
    KucoinOldVersion { version: String },
    #[error("no KuCoin key version given; most keys are 2")]
    KucoinNoVersion,
    #[error("Bybit keys without an IP allow-list expire")]
    BybitNoAllowList,
    #[error("Bitstamp keys and secrets are usually letters and digits")]
    BitstampCharacters,
    #[error("a Gemini API key usually starts with account- or master-")]
    GeminiKeyPrefix,
    #[error("this secret is short; its fingerprint could help someone guess it")]
    ShortSecret,
    /// The same key is stored already, under the quoted label.
    #[error("the same key is already stored as {quoted}")]
    SameKeyAs { quoted: String },
}

/// A warning about one entry among several, shown after its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryWarning {
    pub label: String,
    pub warning: Warning,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::PublicKey => "public key",
            Part::Secret => "secret",
        })
    }
}

impl fmt::Display for EntryWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.label, self.warning)
    }
}

/// How long a value is, in words ("1 character", "56 characters"), never what it holds.
pub(crate) fn character_count(characters: usize) -> String {
    count(characters, "character", "characters")
}

//! What refuses an entry, as types: every problem the checks find is reported at once, in
//! [`crate::error::EntryError::Invalid`]. The texts state facts about the entry (lengths,
//! character classes, dates), never a secret's characters and never a flag of a front end:
//! a front end that knows how the value was given adds its own next step.

use crate::clock::Date;
use crate::wording::count;
use std::fmt;

/// Which rotation link of an entry a problem is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Supersedes,
    ReplacedBy,
}

/// Something that refuses an entry; every one found is reported at once. (`thiserror`
/// derives the texts, each beside its variant.)
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    #[error("the label must be 1 to 64 characters, not {characters}")]
    LabelLength { characters: usize },
    #[error(
        "the label has an invisible or control character (U+{code_point:04X}) at position \
         {position}; labels may hold only visible characters and spaces"
    )]
    LabelInvisible { code_point: u32, position: usize },
    #[error("its id is not a UUID (keycellar makes ids; a hand-written backup may leave `id` out)")]
    IdNotUuid,
    #[error("its rotation link `{link}` is not the UUID of an entry")]
    LinkNotUuid { link: Link },
    #[error("its rotation link `{link}` names the entry itself")]
    LinkToItself { link: Link },
    #[error("the public API key is empty")]
    EmptyKey,
    #[error("the public API key contains spaces, control or invisible characters")]
    KeyInvisible,
    #[error("the secret is empty")]
    EmptySecret,
    #[error("the secret contains spaces, control or invisible characters")]
    SecretInvisible,
    #[error("{exchange} keys need their API passphrase")]
    ApiPassphraseMissing { exchange: &'static str },
    #[error("{quoted} is not an IP address or CIDR block")]
    NotAnAddress { quoted: String },
    #[error("{exchange} keys take no authenticator seed (that is Kraken's API-key 2FA)")]
    SeedForAnotherExchange { exchange: &'static str },
    #[error("a Kraken key needs one 2FA, a password or an authenticator's code, not both")]
    PasswordAndAuthenticator,
    /// The authenticator seed does not read; `why` is the reader's own fact.
    #[error("{why}")]
    SeedUnreadable { why: String },
    #[error(
        "a Kraken secret is base64 of exactly 64 bytes (88 characters ending in '=='); this \
         one decodes to {}: copy it again from the exchange's API page",
        count(*.bytes, "byte", "bytes")
    )]
    KrakenSecretLength { bytes: usize },
    #[error(
        "a Kraken secret must be standard base64 (A-Z a-z 0-9 + / and '=' padding); this one \
         ({}) is not valid base64: copy it again from the exchange's API page",
        character_count(*.characters)
    )]
    KrakenSecretNotBase64 { characters: usize },
    #[error("a Binance PEM secret must be a PKCS#8 private key")]
    BinancePemNotPkcs8,
    #[error(
        "a Coinbase Exchange secret must be base64; this one ({}) is not",
        character_count(*.characters)
    )]
    CoinbaseExchangeSecretNotBase64 { characters: usize },
    #[error("the KuCoin key version must be a number such as 2")]
    KucoinVersionNotNumber,
    /// A key typed in now whose public key is not of its exchange's documented shape.
    #[error(
        "a {name} public key is {shape}; this one has {}: copy it again from the exchange's \
         API page",
        character_count(*.characters)
    )]
    KeyShape {
        /// The exchange's name for its public key, and the shape it documents.
        name: &'static str,
        shape: &'static str,
        characters: usize,
    },
    #[error("the public key looks like the API secret: the two may be given the wrong way round")]
    KeyLooksLikeSecret,
    #[error("the expiry date {expires} is already past; give the key's real expiry, or none")]
    ExpiryPast { expires: Date },
    #[error("the creation date {created} is in the future; give the day the exchange made the key")]
    CreatedInFuture { created: Date },
    /// The entry's secret is not of the shape its exchange's signature needs.
    #[error("{why}")]
    CannotSign { why: String },
    /// The signing policy's limits for the entry cannot be held or read.
    #[error("{why}")]
    SigningPolicy { why: String },
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Link::Supersedes => "supersedes",
            Link::ReplacedBy => "replaced_by",
        })
    }
}

/// How long a value is, in words ("1 character", "56 characters"), never what it holds.
fn character_count(characters: usize) -> String {
    count(characters, "character", "characters")
}

//! The per-exchange shape rules, one function each (the exchange table in
//! `credential/exchange.rs` names each exchange's): what a public key and a secret of
//! that exchange look like. Errors refuse the entry; warnings are printed and it is saved.

use super::Report;
use super::warning::{Part, Warning};
use crate::credential::exchange::{Exchange, KRAKEN_PERMISSIONS};
use crate::error::EntryProblem;
use crate::untrusted::quoted;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What the rules look at.
pub(crate) struct Shape<'a> {
    pub exchange: Exchange,
    pub key: &'a str,
    pub secret: &'a str,
    pub is_pem: bool,
    pub permissions: &'a [String],
    pub ip_allowlist: &'a [String],
    pub key_version: Option<&'a str>,
}

pub(crate) fn kraken(s: &Shape, r: &mut Report) {
    if !(s.key.len() == 56 && decoded_len(s.key) == Some(42)) {
        r.warnings.push(Warning::KrakenKeyShape {
            characters: s.key.chars().count(),
        });
    }
    match (decoded_len(s.secret), s.exchange) {
        (Some(64), _) => {}
        (Some(bytes), Exchange::Kraken) => {
            r.errors.push(EntryProblem::KrakenSecretLength { bytes })
        }
        (Some(bytes), _) => r
            .warnings
            .push(Warning::KrakenFuturesSecretLength { bytes }),
        (None, _) => r.errors.push(EntryProblem::KrakenSecretNotBase64 {
            characters: s.secret.chars().count(),
        }),
    }
    if s.exchange == Exchange::Kraken {
        let unknown: Vec<String> = s
            .permissions
            .iter()
            .filter(|p| !KRAKEN_PERMISSIONS.contains(&p.as_str()))
            .map(|p| quoted(p))
            .collect();
        if !unknown.is_empty() {
            r.warnings
                .push(Warning::UnknownKrakenPermissions { quoted: unknown });
        }
    }
}

pub(crate) fn binance(s: &Shape, r: &mut Report) {
    let usual = Usual {
        len: 64,
        allowed: is_alnum,
        text: "64 letters and digits",
    };
    usual.check(s.key, Part::PublicKey, r);
    if s.is_pem {
        if !s.secret.contains("PRIVATE KEY-----") {
            r.errors.push(EntryProblem::BinancePemNotPkcs8);
        }
    } else {
        usual.check(s.secret, Part::Secret, r);
    }
}

pub(crate) fn coinbase(s: &Shape, r: &mut Report) {
    let uuid_part = s.key.rsplit('/').next().unwrap_or(s.key);
    if !is_uuid(uuid_part) {
        r.warnings.push(Warning::CoinbaseKeyName);
    }
    if !s.is_pem && decoded_len(s.secret) != Some(64) {
        r.warnings.push(Warning::CoinbasePrivateKey);
    }
}

pub(crate) fn coinbase_exchange(s: &Shape, r: &mut Report) {
    if decoded_len(s.secret).is_none() {
        r.errors
            .push(EntryProblem::CoinbaseExchangeSecretNotBase64 {
                characters: s.secret.chars().count(),
            });
    }
}

pub(crate) fn okx(s: &Shape, r: &mut Report) {
    if !is_uuid(s.key) {
        r.warnings.push(Warning::OkxKeyNotUuid);
    }
    let usual = Usual {
        len: 32,
        allowed: |c| c.is_ascii_digit() || ('A'..='F').contains(&c),
        text: "32 upper-case hex digits",
    };
    usual.check(s.secret, Part::Secret, r);
}

pub(crate) fn kucoin(s: &Shape, r: &mut Report) {
    let usual = Usual {
        len: 24,
        allowed: |c| c.is_ascii_digit() || ('a'..='f').contains(&c),
        text: "24 lower-case hex digits",
    };
    usual.check(s.key, Part::PublicKey, r);
    if !is_uuid(s.secret) {
        r.warnings.push(Warning::KucoinSecretNotUuid);
    }
    match s.key_version {
        Some(v) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
            if v != "2" {
                r.warnings.push(Warning::KucoinOldVersion {
                    version: v.to_string(),
                });
            }
        }
        Some(_) => r.errors.push(EntryProblem::KucoinVersionNotNumber),
        None => r.warnings.push(Warning::KucoinNoVersion),
    }
}

pub(crate) fn bybit(s: &Shape, r: &mut Report) {
    let key = Usual {
        len: 18,
        allowed: is_alnum,
        text: "18 letters and digits",
    };
    key.check(s.key, Part::PublicKey, r);
    if !s.is_pem {
        let secret = Usual {
            len: 36,
            allowed: is_alnum,
            text: "36 letters and digits",
        };
        secret.check(s.secret, Part::Secret, r);
    }
    if s.ip_allowlist.is_empty() {
        r.warnings.push(Warning::BybitNoAllowList);
    }
}

pub(crate) fn bitstamp(s: &Shape, r: &mut Report) {
    if !s.key.chars().all(is_alnum) || !s.secret.chars().all(is_alnum) {
        r.warnings.push(Warning::BitstampCharacters);
    }
}

pub(crate) fn gemini(s: &Shape, r: &mut Report) {
    if !(s.key.starts_with("account-") || s.key.starts_with("master-")) {
        r.warnings.push(Warning::GeminiKeyPrefix);
    }
}

pub(crate) fn other(s: &Shape, r: &mut Report) {
    if s.secret.chars().count() < 16 {
        r.warnings.push(Warning::ShortSecret);
    }
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// The usual shape of a value at an exchange: its length in characters, the characters it
/// is made of, and how a warning describes it.
struct Usual {
    len: usize,
    allowed: fn(char) -> bool,
    text: &'static str,
}

impl Usual {
    /// Warns when `value` (the entry's `part`) is not of the usual shape.
    fn check(&self, value: &str, part: Part, r: &mut Report) {
        let characters = value.chars().count();
        if characters != self.len || !value.chars().all(self.allowed) {
            r.warnings.push(Warning::UnusualShape {
                part,
                usual: self.text.to_string(),
                characters,
            });
        }
    }
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok() && s.len() == 36
}

pub(crate) fn decoded_len(s: &str) -> Option<usize> {
    STANDARD.decode(s).ok().map(|mut bytes| {
        let n = bytes.len();
        zeroize::Zeroize::zeroize(&mut bytes);
        n
    })
}

//! The per-exchange shape rules, one function each (the exchange table in
//! `credential/exchange.rs` names each exchange's): what a public key and a secret of
//! that exchange look like. Errors refuse the entry; warnings are printed and it is saved.

use super::Report;
use crate::credential::exchange::{Exchange, KRAKEN_PERMISSIONS};
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
        r.warnings.push(format!(
            "a Kraken public key is usually 56 base64 characters (42 bytes); this one has {}",
            characters(s.key)
        ));
    }
    match (decoded_len(s.secret), s.exchange) {
        (Some(64), _) => {}
        (Some(n), Exchange::Kraken) => r.errors.push(format!(
            "a Kraken secret is base64 of exactly 64 bytes (88 characters ending in '=='); this \
             one decodes to {}: copy it again from the exchange's API page",
            crate::wording::count(n, "byte", "bytes")
        )),
        (Some(n), _) => r.warnings.push(format!(
            "a Kraken Futures secret is usually base64 of 64 bytes; this one decodes to {}",
            crate::wording::count(n, "byte", "bytes")
        )),
        (None, _) => r.errors.push(format!(
            "a Kraken secret must be standard base64 (A-Z a-z 0-9 + / and '=' padding); this \
             one ({}) is not valid base64: copy it again from the exchange's API page",
            characters(s.secret)
        )),
    }
    if s.exchange == Exchange::Kraken {
        let unknown: Vec<&str> = s
            .permissions
            .iter()
            .map(String::as_str)
            .filter(|p| !KRAKEN_PERMISSIONS.contains(p))
            .collect();
        if !unknown.is_empty() {
            let unknown: Vec<String> = unknown.iter().map(|p| quoted(p)).collect();
            r.warnings.push(format!(
                "unknown Kraken {} {}; known: {}",
                crate::wording::noun(unknown.len(), "permission", "permissions"),
                unknown.join(", "),
                KRAKEN_PERMISSIONS.join(", ")
            ));
        }
    }
}

pub(crate) fn binance(s: &Shape, r: &mut Report) {
    shape_warning(
        s.key,
        64,
        is_alnum,
        "public key",
        "64 letters and digits",
        r,
    );
    if s.is_pem {
        if !s.secret.contains("PRIVATE KEY-----") {
            r.errors
                .push("a Binance PEM secret must be a PKCS#8 private key".into());
        }
    } else {
        shape_warning(s.secret, 64, is_alnum, "secret", "64 letters and digits", r);
    }
}

pub(crate) fn coinbase(s: &Shape, r: &mut Report) {
    let uuid_part = s.key.rsplit('/').next().unwrap_or(s.key);
    if !is_uuid(uuid_part) {
        r.warnings.push(
            "a Coinbase key name is usually a UUID or organizations/.../apiKeys/<uuid>".into(),
        );
    }
    if !s.is_pem && decoded_len(s.secret) != Some(64) {
        r.warnings
            .push("a Coinbase private key is usually a PEM block or base64 of 64 bytes".into());
    }
}

pub(crate) fn coinbase_exchange(s: &Shape, r: &mut Report) {
    if decoded_len(s.secret).is_none() {
        r.errors.push(format!(
            "a Coinbase Exchange secret must be base64; this one ({}) is not",
            characters(s.secret)
        ));
    }
}

pub(crate) fn okx(s: &Shape, r: &mut Report) {
    if !is_uuid(s.key) {
        r.warnings.push("an OKX API key is usually a UUID".into());
    }
    let upper_hex = |c: char| c.is_ascii_digit() || ('A'..='F').contains(&c);
    shape_warning(
        s.secret,
        32,
        upper_hex,
        "secret",
        "32 upper-case hex digits",
        r,
    );
}

pub(crate) fn kucoin(s: &Shape, r: &mut Report) {
    let lower_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    shape_warning(
        s.key,
        24,
        lower_hex,
        "public key",
        "24 lower-case hex digits",
        r,
    );
    if !is_uuid(s.secret) {
        r.warnings.push("a KuCoin secret is usually a UUID".into());
    }
    match s.key_version {
        Some(v) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
            if v != "2" {
                r.warnings.push(format!(
                    "KuCoin key version {v}; keys made since 2021 are 2"
                ));
            }
        }
        Some(_) => r
            .errors
            .push("the KuCoin key version must be a number such as 2".into()),
        None => r
            .warnings
            .push("no KuCoin key version given (--key-version); most keys are 2".into()),
    }
}

pub(crate) fn bybit(s: &Shape, r: &mut Report) {
    shape_warning(
        s.key,
        18,
        is_alnum,
        "public key",
        "18 letters and digits",
        r,
    );
    if !s.is_pem {
        shape_warning(s.secret, 36, is_alnum, "secret", "36 letters and digits", r);
    }
    if s.ip_allowlist.is_empty() {
        r.warnings
            .push("Bybit keys without an IP allow-list expire".into());
    }
}

pub(crate) fn bitstamp(s: &Shape, r: &mut Report) {
    if !s.key.chars().all(is_alnum) || !s.secret.chars().all(is_alnum) {
        r.warnings
            .push("Bitstamp keys and secrets are usually letters and digits".into());
    }
}

pub(crate) fn gemini(s: &Shape, r: &mut Report) {
    if !(s.key.starts_with("account-") || s.key.starts_with("master-")) {
        r.warnings
            .push("a Gemini API key usually starts with account- or master-".into());
    }
}

pub(crate) fn other(s: &Shape, r: &mut Report) {
    if s.secret.chars().count() < 16 {
        r.warnings
            .push("this secret is short; its fingerprint could help someone guess it".into());
    }
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn shape_warning(
    value: &str,
    len: usize,
    allowed: impl Fn(char) -> bool,
    what: &str,
    expected: &str,
    r: &mut Report,
) {
    if value.chars().count() != len || !value.chars().all(allowed) {
        r.warnings.push(format!(
            "this {what} does not look like the usual {expected} ({})",
            characters(value)
        ));
    }
}

/// How long a value is, in words ("1 character", "56 characters"), never what it holds.
pub(crate) fn characters(value: &str) -> String {
    crate::wording::count(value.chars().count(), "character", "characters")
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

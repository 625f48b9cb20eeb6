//! Per-exchange checks of a credential's shape, and the canonical forms fingerprints use.
//!
//! Errors refuse the entry; warnings are printed and the entry is saved. Messages describe
//! lengths and character classes, never the characters of a secret.

use crate::credential::entry::{Entry, Exchange, ImportedEntry, KRAKEN_PERMISSIONS};
use crate::credential::fingerprint::{self, Fingerprint};
use crate::error::{Error, Result};
use crate::secret::{Secret, SecretBytes};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::net::IpAddr;
use zeroize::Zeroizing;

/// What the checks found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// An entry that passed [`admit`].
#[derive(Debug)]
pub struct Admitted {
    pub entry: Entry,
    pub warnings: Vec<String>,
    /// The fingerprint the entry came with, when it differs from the one its key gives.
    pub recorded_differs: Option<Fingerprint>,
}

/// The one admission step every entry passes before it joins a vault, whether typed,
/// edited, rotated in or read from a backup: normalised, checked (an error refuses it), and
/// fingerprinted from its key.
pub fn admit(mut entry: ImportedEntry) -> Result<Admitted> {
    normalize(&mut entry);
    let Report { errors, warnings } = check(&entry);
    if !errors.is_empty() {
        return Err(Error::Invalid {
            label: entry.label,
            problems: errors,
        });
    }
    let computed = fingerprint::of_entry(&entry)?;
    let recorded_differs = entry.fingerprint.filter(|recorded| *recorded != computed);
    Ok(Admitted {
        entry: entry.with_fingerprint(computed),
        warnings,
        recorded_differs,
    })
}

/// Trims outer whitespace from the public key and from secrets that are not PEM blocks,
/// and turns literal `\n` escapes inside a PEM block into newlines.
fn normalize<F>(entry: &mut Entry<F>) {
    entry.api_key = entry.api_key.trim().to_string();
    entry.label = entry.label.trim().to_string();
    let secret = entry.secret.expose();
    if secret.contains("-----BEGIN") {
        if secret.contains("\\n") {
            entry.secret = Secret::new(secret.replace("\\n", "\n"));
        }
    } else if secret.trim() != secret {
        entry.secret = Secret::new(secret.trim().to_string());
    }
}

/// Checks an entry before it is saved.
pub fn check<F>(entry: &Entry<F>) -> Report {
    let mut r = Report::default();
    check_label(&entry.label, &mut r);
    let key = entry.api_key.as_str();
    let secret = entry.secret.expose();
    let is_pem = secret.contains("-----BEGIN");
    if key.is_empty() {
        r.errors.push("the public API key is empty".into());
    } else if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        r.errors
            .push("the public API key contains spaces or control characters".into());
    }
    if secret.is_empty() {
        r.errors.push("the secret is empty".into());
    } else if !is_pem && secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        r.errors
            .push("the secret contains spaces or control characters".into());
    }
    let passphrase_missing = entry.api_passphrase.as_ref().is_none_or(|p| p.is_empty());
    if entry.exchange.requires_api_passphrase() && passphrase_missing {
        r.errors.push(format!(
            "{} keys need their API passphrase (--api-passphrase-file)",
            entry.exchange
        ));
    }
    exchange_rules(entry, key, secret, is_pem, &mut r);
    for ip in &entry.ip_allowlist {
        if !is_ip_or_cidr(ip) {
            r.errors
                .push(format!("{ip:?} is not an IP address or CIDR block"));
        }
    }
    r
}

fn check_label(label: &str, r: &mut Report) {
    let len = label.chars().count();
    if !(1..=64).contains(&len) {
        r.errors
            .push(format!("the label must be 1 to 64 characters, not {len}"));
    }
    if label.chars().any(char::is_control) {
        r.errors
            .push("the label contains control characters".into());
    }
}

fn exchange_rules<F>(entry: &Entry<F>, key: &str, secret: &str, is_pem: bool, r: &mut Report) {
    let secret_len = secret.len();
    match entry.exchange {
        Exchange::Kraken | Exchange::KrakenFutures => {
            if !(key.len() == 56 && decoded_len(key) == Some(42)) {
                r.warnings.push(format!(
                    "a Kraken public key is usually 56 base64 characters (42 bytes); this one \
                     has {} characters",
                    key.chars().count()
                ));
            }
            match (decoded_len(secret), entry.exchange) {
                (Some(64), _) => {}
                (Some(n), Exchange::Kraken) => r.errors.push(format!(
                    "a Kraken secret is base64 of exactly 64 bytes (88 characters ending in \
                     '=='); this one decodes to {n} bytes"
                )),
                (Some(n), _) => r.warnings.push(format!(
                    "a Kraken Futures secret is usually base64 of 64 bytes; this one decodes \
                     to {n} bytes"
                )),
                (None, _) => r.errors.push(format!(
                    "a Kraken secret must be standard base64 (A-Z a-z 0-9 + / and '=' \
                     padding); this one ({secret_len} characters) is not valid base64"
                )),
            }
            if entry.exchange == Exchange::Kraken {
                let unknown: Vec<&str> = entry
                    .permissions
                    .iter()
                    .map(String::as_str)
                    .filter(|p| !KRAKEN_PERMISSIONS.contains(p))
                    .collect();
                if !unknown.is_empty() {
                    r.warnings.push(format!(
                        "unknown Kraken permission(s) {unknown:?}; known: {}",
                        KRAKEN_PERMISSIONS.join(", ")
                    ));
                }
            }
        }
        Exchange::Binance | Exchange::BinanceUs => {
            shape_warning(key, 64, is_alnum, "public key", "64 letters and digits", r);
            if is_pem {
                if !secret.contains("PRIVATE KEY-----") {
                    r.errors
                        .push("a Binance PEM secret must be a PKCS#8 private key".into());
                }
            } else {
                shape_warning(secret, 64, is_alnum, "secret", "64 letters and digits", r);
            }
        }
        Exchange::Coinbase => {
            let uuid_part = key.rsplit('/').next().unwrap_or(key);
            if !is_uuid(uuid_part) {
                r.warnings.push(
                    "a Coinbase key name is usually a UUID or organizations/.../apiKeys/<uuid>"
                        .into(),
                );
            }
            if !is_pem && decoded_len(secret) != Some(64) {
                r.warnings.push(
                    "a Coinbase private key is usually a PEM block or base64 of 64 bytes".into(),
                );
            }
        }
        Exchange::CoinbaseExchange => {
            if decoded_len(secret).is_none() {
                r.errors.push(format!(
                    "a Coinbase Exchange secret must be base64; this one ({secret_len} \
                     characters) is not"
                ));
            }
        }
        Exchange::Okx => {
            if !is_uuid(key) {
                r.warnings.push("an OKX API key is usually a UUID".into());
            }
            let upper_hex = |c: char| c.is_ascii_digit() || ('A'..='F').contains(&c);
            shape_warning(
                secret,
                32,
                upper_hex,
                "secret",
                "32 upper-case hex digits",
                r,
            );
        }
        Exchange::Kucoin => {
            let lower_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
            shape_warning(
                key,
                24,
                lower_hex,
                "public key",
                "24 lower-case hex digits",
                r,
            );
            if !is_uuid(secret) {
                r.warnings.push("a KuCoin secret is usually a UUID".into());
            }
            match entry.key_version.as_deref() {
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
        Exchange::Bybit => {
            shape_warning(key, 18, is_alnum, "public key", "18 letters and digits", r);
            if !is_pem {
                shape_warning(secret, 36, is_alnum, "secret", "36 letters and digits", r);
            }
            if entry.ip_allowlist.is_empty() {
                r.warnings
                    .push("Bybit keys without an IP allow-list expire".into());
            }
        }
        Exchange::Bitstamp => {
            if !key.chars().all(is_alnum) || !secret.chars().all(is_alnum) {
                r.warnings
                    .push("Bitstamp keys and secrets are usually letters and digits".into());
            }
        }
        Exchange::Gemini => {
            if !(key.starts_with("account-") || key.starts_with("master-")) {
                r.warnings
                    .push("a Gemini API key usually starts with account- or master-".into());
            }
        }
        Exchange::Other => {
            if secret.chars().count() < 16 {
                r.warnings.push(
                    "this secret is short; its fingerprint could help someone guess it".into(),
                );
            }
        }
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
            "this {what} does not look like the usual {expected} ({} characters)",
            value.chars().count()
        ));
    }
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok() && s.len() == 36
}

fn decoded_len(s: &str) -> Option<usize> {
    STANDARD.decode(s).ok().map(|mut bytes| {
        let n = bytes.len();
        zeroize::Zeroize::zeroize(&mut bytes);
        n
    })
}

fn is_ip_or_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

/// The public key as fingerprints see it: trimmed, and for Coinbase the lower-case key UUID
/// (both forms of a Coinbase key name then give one fingerprint).
pub fn canonical_api_key(exchange: Exchange, api_key: &str) -> String {
    let key = api_key.trim();
    match exchange {
        Exchange::Coinbase => key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase(),
        _ => key.to_string(),
    }
}

/// The secret bytes the exchange's signer keys with: base64-decoded for Kraken and Coinbase
/// Exchange, the UTF-8 text otherwise.
pub fn canonical_secret(exchange: Exchange, secret: &str) -> Result<SecretBytes> {
    match exchange {
        Exchange::Kraken | Exchange::KrakenFutures | Exchange::CoinbaseExchange => STANDARD
            .decode(secret)
            .map(Zeroizing::new)
            .map_err(|_| Error::SecretEncoding {
                exchange: exchange.id(),
            }),
        _ => Ok(Zeroizing::new(secret.as_bytes().to_vec())),
    }
}

#[cfg(test)]
mod tests;

//! Entry and vault fingerprints: short, non-secret codes that prove a stored key is intact.
//!
//! An entry fingerprint is an HMAC-SHA-256 *keyed by the secret* over a domain-separated,
//! length-prefixed encoding of the exchange, the public key and the API passphrase. Because
//! the secret is the key, a printed fingerprint gives no foothold for guessing a
//! low-entropy API passphrase: the guesser would also need the secret. The vault fingerprint
//! summarises the set of entry fingerprints, independent of order. Both are printed as 80
//! bits of Crockford base32 in groups of four (`7K2M-9QXD-4TRE-HA0C`). See docs/FORMAT.md.

use crate::crypto;
use crate::entry::{Entry, Exchange};
use crate::error::{Error, Result};
use crate::validate;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const ENTRY_LABEL: &[u8] = b"keycellar/entry-fingerprint/v1\0";
const VAULT_LABEL: &[u8] = b"keycellar/vault-fingerprint/v1\0";
/// Bytes of a fingerprint that are shown: 80 bits.
pub const SHOWN_LEN: usize = 10;

fn length_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The message the entry HMAC is computed over.
fn entry_message(exchange: Exchange, api_key: &str, api_passphrase: Option<&str>) -> Vec<u8> {
    let mut msg = ENTRY_LABEL.to_vec();
    length_prefixed(&mut msg, exchange.id().as_bytes());
    length_prefixed(
        &mut msg,
        validate::canonical_api_key(exchange, api_key).as_bytes(),
    );
    match api_passphrase {
        None => msg.push(0),
        Some(p) => {
            msg.push(1);
            length_prefixed(&mut msg, p.as_bytes());
        }
    }
    msg
}

/// Computes the fingerprint of a credential from its parts.
pub fn compute(
    exchange: Exchange,
    api_key: &str,
    secret: &str,
    api_passphrase: Option<&str>,
) -> Result<String> {
    let key = validate::canonical_secret(exchange, secret).map_err(Error::BadInput)?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
        .map_err(|_| Error::Internal("HMAC refused a key".into()))?;
    mac.update(&entry_message(exchange, api_key, api_passphrase));
    let tag = mac.finalize().into_bytes();
    Ok(display(&tag[..SHOWN_LEN]))
}

/// Recomputes an entry's fingerprint from its stored secret parts.
pub fn of_entry(entry: &Entry) -> Result<String> {
    compute(
        entry.exchange,
        &entry.api_key,
        entry.secret.expose(),
        entry.api_passphrase.as_ref().map(|p| p.expose()),
    )
}

/// The vault fingerprint: SHA-256 over the sorted 10-byte entry fingerprints.
pub fn of_vault<'a>(fingerprints: impl IntoIterator<Item = &'a str>) -> Result<String> {
    let mut raw: Vec<Vec<u8>> = fingerprints
        .into_iter()
        .map(|fp| {
            parse(fp).ok_or_else(|| {
                Error::Internal(format!("stored fingerprint {fp:?} is not well formed"))
            })
        })
        .collect::<Result<_>>()?;
    raw.sort();
    let mut msg = VAULT_LABEL.to_vec();
    msg.extend_from_slice(&(raw.len() as u32).to_be_bytes());
    for fp in &raw {
        msg.extend_from_slice(fp);
    }
    Ok(display(&crypto::sha256(&[&msg])[..SHOWN_LEN]))
}

/// Formats bytes as Crockford base32 in dash-separated groups of four.
pub fn display(bytes: &[u8]) -> String {
    let text = base32::encode(base32::Alphabet::Crockford, bytes);
    text.as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Parses a fingerprint typed by a person: case, dashes and spaces do not matter, and the
/// look-alikes Crockford allows (`O` for `0`, `I`/`L` for `1`) are accepted.
pub fn parse(text: &str) -> Option<Vec<u8>> {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !matches!(c, '-' | ' ')) {
        cleaned.push(match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        });
    }
    let bytes = base32::decode(base32::Alphabet::Crockford, &cleaned)?;
    // Canonical only: the decoder ignores spare trailing bits, so re-encode and compare.
    (bytes.len() == SHOWN_LEN && base32::encode(base32::Alphabet::Crockford, &bytes) == cleaned)
        .then_some(bytes)
}

/// True when two fingerprints (as typed or as stored) name the same value.
pub fn same(a: &str, b: &str) -> bool {
    matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
    const SECRET: &str =
        "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

    #[test]
    fn any_change_changes_the_fingerprint() {
        let base = compute(Exchange::Kraken, KEY, SECRET, None).unwrap();
        assert_eq!(base.len(), 19);
        let other_exchange = compute(Exchange::KrakenFutures, KEY, SECRET, None).unwrap();
        let with_pass = compute(Exchange::Kraken, KEY, SECRET, Some("")).unwrap();
        let mut secret = SECRET.to_string();
        secret.replace_range(0..1, "G");
        let other_secret = compute(Exchange::Kraken, KEY, &secret, None).unwrap();
        for other in [other_exchange, with_pass, other_secret] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn typed_fingerprints_are_forgiving_but_exact() {
        let fp = compute(Exchange::Kraken, KEY, SECRET, None).unwrap();
        let typed = fp.to_lowercase().replace('-', " ").replace('0', "o");
        assert!(same(&fp, &typed));
        assert!(!same(&fp, &fp[..fp.len() - 1]));
        assert!(parse("not a fingerprint").is_none());
    }

    #[test]
    fn vault_fingerprint_ignores_order() {
        let a = "0000-0000-0000-0000";
        let b = compute(Exchange::Kraken, KEY, SECRET, None).unwrap();
        assert_eq!(
            of_vault([a, b.as_str()]).unwrap(),
            of_vault([b.as_str(), a]).unwrap()
        );
        assert_ne!(of_vault([a]).unwrap(), of_vault([a, a]).unwrap());
    }
}

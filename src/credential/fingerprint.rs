//! Entry and vault fingerprints: short, non-secret codes that prove a stored key is intact.
//!
//! An entry fingerprint is an HMAC-SHA-256 *keyed by the secret* over a domain-separated,
//! length-prefixed encoding of the exchange, the public key and the API passphrase. Because
//! the secret is the key, a printed fingerprint gives no foothold for guessing a
//! low-entropy API passphrase: the guesser would also need the secret. The vault fingerprint
//! summarises the set of entry fingerprints, independent of order. Both are printed as 80
//! bits of Crockford base32 in groups of four (`7K2M-9QXD-4TRE-HA0C`). See docs/FORMAT.md.

use crate::credential::entry::{Entry, Exchange};
use crate::credential::validate;
use crate::crypto;
use crate::error::{Error, Result};
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
    let key = validate::canonical_secret(exchange, secret)?;
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

/// Recomputes the fingerprints of many entries, in order, spread over the available cores
/// (checking a large vault is thousands of independent HMACs).
pub fn of_entries(entries: &[&Entry]) -> Result<Vec<String>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = entries.len().div_ceil(threads).max(256);
    std::thread::scope(|scope| {
        let workers: Vec<_> = entries
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(|e| of_entry(e)).collect::<Vec<_>>()))
            .collect();
        let mut all = Vec::with_capacity(entries.len());
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| Error::Internal("a fingerprint thread panicked".into()))?;
            for fingerprint in part {
                all.push(fingerprint?);
            }
        }
        Ok(all)
    })
}

/// The vault fingerprint: SHA-256 over the sorted 10-byte entry fingerprints.
pub fn of_vault<'a>(fingerprints: impl IntoIterator<Item = &'a str>) -> Result<String> {
    // Fixed-size arrays: a large vault sorts tens of thousands of them on every command.
    let mut raw: Vec<[u8; SHOWN_LEN]> = fingerprints
        .into_iter()
        .map(|fp| {
            parse_array(fp).ok_or_else(|| {
                Error::Internal(format!("stored fingerprint {fp:?} is not well formed"))
            })
        })
        .collect::<Result<_>>()?;
    raw.sort_unstable();
    let mut msg = Vec::with_capacity(VAULT_LABEL.len() + 4 + raw.len() * SHOWN_LEN);
    msg.extend_from_slice(VAULT_LABEL);
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
    parse_array(text).map(|bytes| bytes.to_vec())
}

/// [`parse`] into a fixed array.
fn parse_array(text: &str) -> Option<[u8; SHOWN_LEN]> {
    // 80 bits are exactly 16 characters; anything longer is not a fingerprint.
    const CHARS: usize = SHOWN_LEN * 8 / 5;
    let mut cleaned = [0u8; CHARS];
    let mut count = 0;
    for c in text.bytes().filter(|c| !matches!(c, b'-' | b' ')) {
        *cleaned.get_mut(count)? = match c.to_ascii_uppercase() {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            other => other,
        };
        count += 1;
    }
    let cleaned = std::str::from_utf8(cleaned.get(..count)?).ok()?;
    let bytes = base32::decode(base32::Alphabet::Crockford, cleaned)?;
    // Canonical only: the decoder ignores spare trailing bits, so re-encode and compare.
    if base32::encode(base32::Alphabet::Crockford, &bytes) != cleaned {
        return None;
    }
    bytes.try_into().ok()
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

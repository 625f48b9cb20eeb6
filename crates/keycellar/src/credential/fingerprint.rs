//! Entry and vault fingerprints: short, non-secret codes that prove a stored key is intact.
//!
//! An entry fingerprint is an HMAC-SHA-256 *keyed by the secret* over a domain-separated,
//! length-prefixed encoding of the exchange, the public key and the API passphrase. Because
//! the secret is the key, a printed fingerprint gives no foothold for guessing a
//! low-entropy API passphrase: the guesser would also need the secret. The vault fingerprint
//! summarises the set of entry fingerprints, independent of order. Both are printed as 80
//! bits of Crockford base32 in groups of four (`7K2M-9QXD-4TRE-HA0C`). See docs/FORMAT.md.

use crate::credential::entry::Entry;
use crate::credential::exchange::Exchange;
use crate::credential::validate;
use crate::crypto;
use crate::error::{Error, Result};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

const ENTRY_LABEL: &[u8] = b"keycellar/entry-fingerprint/v1\0";
const VAULT_LABEL: &[u8] = b"keycellar/vault-fingerprint/v1\0";
/// Bytes of a fingerprint that are shown: 80 bits.
pub const SHOWN_LEN: usize = 10;

/// An entry or vault fingerprint: 80 bits, shown as Crockford base32 in groups of four
/// (`7K2M-9QXD-4TRE-HA0C`). Equal values are equal fingerprints however they were typed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fingerprint([u8; SHOWN_LEN]);

impl Fingerprint {
    pub(crate) fn from_digest(digest: &[u8]) -> Fingerprint {
        let mut bytes = [0u8; SHOWN_LEN];
        bytes.copy_from_slice(&digest[..SHOWN_LEN]);
        Fingerprint(bytes)
    }
}

#[cfg(test)]
impl Fingerprint {
    /// A fingerprint made of one repeated byte, for unit tests.
    pub(crate) fn repeated(byte: u8) -> Fingerprint {
        Fingerprint([byte; SHOWN_LEN])
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = base32::encode(base32::Alphabet::Crockford, &self.0);
        for (i, group) in text.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(std::str::from_utf8(group).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Parses a fingerprint typed by a person: case, dashes and spaces do not matter, and the
/// look-alikes Crockford allows (`O` for `0`, `I`/`L` for `1`) are accepted.
impl FromStr for Fingerprint {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        parse_array(text).map(Fingerprint).ok_or_else(|| {
            format!(
                "{} is not a fingerprint (16 characters, e.g. 7K2M-9QXD-4TRE-HA0C)",
                crate::untrusted::quoted(text)
            )
        })
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Fingerprint> for String {
    fn from(fp: Fingerprint) -> String {
        fp.to_string()
    }
}

fn length_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The message the entry HMAC is computed over. An authenticator seed adds a part at the
/// end, so that every key without one keeps the fingerprint it always had.
fn entry_message(
    exchange: Exchange,
    api_key: &str,
    api_passphrase: Option<&str>,
    otp_seed: Option<&[u8]>,
) -> Zeroizing<Vec<u8>> {
    let mut msg = Zeroizing::new(ENTRY_LABEL.to_vec());
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
    if let Some(seed) = otp_seed {
        msg.push(1);
        length_prefixed(&mut msg, seed);
    }
    msg
}

/// Computes the fingerprint of a credential from its parts.
pub fn compute(
    exchange: Exchange,
    api_key: &str,
    secret: &str,
    api_passphrase: Option<&str>,
) -> Result<Fingerprint> {
    compute_with_seed(exchange, api_key, secret, api_passphrase, None)
}

/// [`compute`] for a key that needs an authenticator's codes too: its seed as stored
/// (base32), hashed as the bytes it decodes to.
pub fn compute_with_seed(
    exchange: Exchange,
    api_key: &str,
    secret: &str,
    api_passphrase: Option<&str>,
    otp_seed: Option<&str>,
) -> Result<Fingerprint> {
    let key = validate::canonical_secret(exchange, secret)?;
    let seed = match otp_seed {
        Some(seed) => Some(crate::credential::otp::decode(seed).ok_or_else(|| {
            Error::Internal("an authenticator seed that is not base32 was admitted".into())
        })?),
        None => None,
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
        .map_err(|_| Error::Internal("HMAC refused a key".into()))?;
    mac.update(&entry_message(
        exchange,
        api_key,
        api_passphrase,
        seed.as_ref().map(|s| s.as_slice()),
    ));
    Ok(Fingerprint::from_digest(&mac.finalize().into_bytes()))
}

/// Recomputes an entry's fingerprint from its stored secret parts.
pub fn of_entry<F>(entry: &Entry<F>) -> Result<Fingerprint> {
    compute_with_seed(
        entry.exchange,
        &entry.api_key,
        entry.secret.expose(),
        entry.api_passphrase.as_ref().map(|p| p.expose()),
        entry.otp_seed.as_ref().map(|s| s.expose()),
    )
}

/// Recomputes the fingerprints of many entries, in order, spread over the available cores
/// (checking a large vault is thousands of independent HMACs).
pub fn of_entries(entries: &[&Entry]) -> Result<Vec<Fingerprint>> {
    crate::parallel::map(entries, 256, "computing fingerprints", |e| of_entry(e))
}

/// The vault fingerprint: SHA-256 over the sorted 10-byte entry fingerprints.
pub fn of_vault(fingerprints: impl IntoIterator<Item = Fingerprint>) -> Fingerprint {
    let mut raw: Vec<[u8; SHOWN_LEN]> = fingerprints.into_iter().map(|fp| fp.0).collect();
    raw.sort_unstable();
    let mut msg = Vec::with_capacity(VAULT_LABEL.len() + 4 + raw.len() * SHOWN_LEN);
    msg.extend_from_slice(VAULT_LABEL);
    msg.extend_from_slice(&(raw.len() as u32).to_be_bytes());
    for fp in &raw {
        msg.extend_from_slice(fp);
    }
    Fingerprint::from_digest(&crypto::sha256(&[&msg]))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
    const SECRET: &str =
        "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

    #[test]
    fn any_change_changes_the_fingerprint() {
        let base = compute(Exchange::Kraken, KEY, SECRET, None).unwrap();
        assert_eq!(base.to_string().len(), 19);
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
        let shown = fp.to_string();
        let typed = shown.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(typed.parse::<Fingerprint>(), Ok(fp));
        assert!(shown[..shown.len() - 1].parse::<Fingerprint>().is_err());
        assert!("not a fingerprint".parse::<Fingerprint>().is_err());
    }

    #[test]
    fn vault_fingerprint_ignores_order() {
        let a: Fingerprint = "0000-0000-0000-0000".parse().unwrap();
        let b = compute(Exchange::Kraken, KEY, SECRET, None).unwrap();
        assert_eq!(of_vault([a, b]), of_vault([b, a]));
        assert_ne!(of_vault([a]), of_vault([a, a]));
    }
}

//! Recognising a value pasted in the wrong place, before it is used or kept: the API secret
//! given as the public key, a public key and a secret swapped, Kraken's key URI or an
//! authenticator's `otpauth://` URI given as a secret or as a file's path, a key shortened as
//! a listing shows it, an authenticator's QR code where Kraken's API-key code was expected.
//! Each is refused as an [`InputError::Misplaced`] (or [`InputError::Swapped`]) that says what
//! the value looks like and where it was given, never the value; the front end names the
//! flag that does what was meant.

use crate::credential::exchange::{Exchange, base64_64_bytes};
use crate::error::paste::{Given, Looks, Misplaced, Part};
use crate::error::{Error, InputError, Result};

/// What `value` looks like, by the rules of `exchange` where it is known (else by the rules
/// that hold on every exchange: URIs, shortened keys, private-key blocks, base64 of 64 bytes).
pub fn looks(value: &str, exchange: Option<Exchange>) -> Looks {
    let value = value.trim();
    let head: String = value
        .chars()
        .take(24)
        .collect::<String>()
        .to_ascii_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| head.starts_with(p));
    if starts(&["kraken://"]) {
        Looks::KrakenUri
    } else if starts(&["otpauth://", "otpauth-migration://"]) {
        Looks::AuthenticatorUri
    } else if starts(&["http://", "https://", "www."]) {
        Looks::WebAddress
    } else if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        Looks::Secret
    } else if value.contains("...") || value.contains('\u{2026}') {
        Looks::MaskedKey
    } else {
        match exchange {
            Some(exchange) => by_exchange(exchange, value),
            None if base64_64_bytes(value) => Looks::Secret,
            None => Looks::Other,
        }
    }
}

/// A public key or a secret of `exchange`, where its table row tells them apart.
fn by_exchange(exchange: Exchange, value: &str) -> Looks {
    let info = exchange.info();
    let key_fits = info
        .public_key
        .as_ref()
        .is_some_and(|shape| (shape.fits)(value));
    let secret_fits = info.secret_looks.is_some_and(|fits| fits(value));
    match (key_fits, secret_fits) {
        (false, true) => Looks::Secret,
        (true, false) if info.secret_looks.is_some() => Looks::PublicKey,
        _ if is_kraken(exchange) && is_base32_seed(value) => Looks::AuthenticatorSeed,
        _ => Looks::Other,
    }
}

fn is_kraken(exchange: Exchange) -> bool {
    matches!(exchange, Exchange::Kraken | Exchange::KrakenFutures)
}

/// An authenticator's setup key: 16 to 64 base32 characters (RFC 4648, one case), as apps
/// show it, perhaps in groups separated by spaces.
pub fn is_base32_seed(value: &str) -> bool {
    let seed: String = value.chars().filter(|c| *c != ' ').collect();
    let seed = seed.trim_end_matches('=');
    let one_case = seed
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        || seed
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
    (16..=64).contains(&seed.len()) && one_case
}

fn misplaced(part: Part, looks: Looks, given: Given) -> Error {
    Error::Input(InputError::Misplaced(Misplaced { part, looks, given }))
}

/// Refuses a value given as a public key that is something else: a secret, a shortened key,
/// a URI, a web address. `exchange` is `None` before the entry is known (`verify` checks
/// before the vault is opened), and then only the rules of every exchange apply.
pub fn check_public_key(value: &str, exchange: Option<Exchange>, given: Given) -> Result<()> {
    match looks(value, exchange) {
        Looks::PublicKey | Looks::Other => Ok(()),
        found => Err(misplaced(Part::PublicKey, found, given)),
    }
}

/// Refuses a value given as the API secret that is something else: the public key, a URI
/// (which holds more than the secret), a web address, a shortened key, a 2FA seed.
pub fn check_secret(value: &str, exchange: Exchange, given: Given) -> Result<()> {
    match looks(value, Some(exchange)) {
        Looks::Secret | Looks::Other => Ok(()),
        found => Err(misplaced(Part::Secret, found, given)),
    }
}

/// Refuses a public key and a secret that are swapped, or either of them when it is
/// something else. The key is checked first: when it is the secret, that is what matters.
pub fn check_pair(
    exchange: Exchange,
    (key, key_given): (&str, Given),
    (secret, secret_given): (&str, Given),
) -> Result<()> {
    let key_looks = looks(key, Some(exchange));
    let secret_looks = looks(secret, Some(exchange));
    if key_looks == Looks::Secret && secret_looks == Looks::PublicKey {
        return Err(Error::Input(InputError::Swapped { key_given }));
    }
    check_public_key(key, Some(exchange), key_given)?;
    check_secret(secret, exchange, secret_given)?;
    if !key.trim().is_empty() && key.trim() == secret.trim() {
        return Err(misplaced(Part::Secret, Looks::PublicKey, secret_given));
    }
    Ok(())
}

/// Refuses a value given on the command line as the path of a file that is what the file
/// should hold: a URI, a secret, a web address.
pub fn check_path(path: &str) -> Result<()> {
    match looks(path, None) {
        found
        @ (Looks::KrakenUri | Looks::AuthenticatorUri | Looks::WebAddress | Looks::Secret) => {
            Err(misplaced(Part::Path, found, Given::CommandLine))
        }
        Looks::PublicKey | Looks::MaskedKey | Looks::AuthenticatorSeed | Looks::Other => Ok(()),
    }
}

/// Refuses text given as Kraken's key URI that is another thing: an authenticator's URI, a
/// web address, a bare secret or public key. Text that is none of them is left to the URI's
/// own parser, whose message says what is wrong with it.
pub fn check_kraken_uri(text: &str, given: Given) -> Result<()> {
    match looks(text, Some(Exchange::Kraken)) {
        Looks::KrakenUri | Looks::Other | Looks::MaskedKey => Ok(()),
        found => Err(misplaced(Part::KrakenUri, found, given)),
    }
}

/// Called when an image holds no Kraken key code: refuses the codes it does hold that are
/// another thing (an authenticator's QR code, a web address).
pub fn check_qr_codes(texts: &[String]) -> Result<()> {
    let found = texts
        .iter()
        .map(|text| looks(text, Some(Exchange::Kraken)))
        .find(|found| matches!(found, Looks::AuthenticatorUri | Looks::WebAddress));
    match found {
        Some(found) => Err(misplaced(Part::KrakenQr, found, Given::QrCode)),
        None => Ok(()),
    }
}

/// Refuses a value given as an authenticator's seed (or its URI) that is another part of a
/// key: the API secret, Kraken's key URI, a public key, a web address.
pub fn check_authenticator(value: &str, given: Given) -> Result<()> {
    match looks(value, Some(Exchange::Kraken)) {
        Looks::AuthenticatorUri | Looks::AuthenticatorSeed | Looks::Other => Ok(()),
        found => Err(misplaced(Part::Authenticator, found, given)),
    }
}

/// Refuses a detail that is kept in the clear (a label, a note, an account reference, an
/// app's name) when it holds secret material: a secret there would be listed, shown and
/// printed as plain text.
pub fn check_detail(name: &'static str, value: &str, given: Given) -> Result<()> {
    match looks(value, None) {
        found if found.holds_secret() => Err(misplaced(Part::Detail(name), found, given)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;

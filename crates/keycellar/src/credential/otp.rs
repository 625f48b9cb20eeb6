//! Kraken's API-key 2FA. A key may need a 2FA password (kept as its API passphrase) or a
//! code from an authenticator app: then keycellar keeps the app's seed, and makes the codes
//! itself (RFC 6238 TOTP: HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch, as
//! Kraken's authenticator codes are). Kraken wants the code, or the password, in every
//! private request's `otp` field (support article 360000714526: without it the request
//! fails, `EAPI:Invalid signature`).
//!
//! A seed comes as the app's "setup key" (base32, any case, perhaps in groups) or in the
//! `otpauth://totp/...?secret=...` URI of its QR code; it is stored as upper-case base32
//! without spaces or padding (docs/FORMAT.md section 2).

use crate::clock::Timestamp;
use crate::error::{Error, InputError, Result};
use crate::secret::Secret;
use zeroize::Zeroizing;

/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Seconds a code is valid for.
pub const STEP_SECONDS: u64 = 30;
/// The shortest seed taken: 80 bits (16 base32 characters), RFC 4226's floor is 128 and
/// apps show 16 or 32 characters.
const MIN_SEED_BYTES: usize = 10;
/// The longest seed taken (SHA-1's block).
const MAX_SEED_BYTES: usize = 64;

/// Which second factor a key needs with each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TwoFactor {
    /// A static password (the entry's API passphrase).
    Password,
    /// A code from an authenticator (the entry's seed).
    Authenticator,
}

impl TwoFactor {
    pub fn as_str(self) -> &'static str {
        match self {
            TwoFactor::Password => "password",
            TwoFactor::Authenticator => "authenticator",
        }
    }
}

fn bad(problem: &'static str) -> Error {
    Error::Input(InputError::BadAuthenticator { problem })
}

/// The seed as stored, from a setup key or an `otpauth://totp/` URI. Refuses a URI that
/// asks for codes keycellar does not make (another algorithm, digit count or period).
pub fn parse_seed(text: &str) -> Result<Secret> {
    let text = text.trim();
    let lower = text
        .chars()
        .take(24)
        .collect::<String>()
        .to_ascii_lowercase();
    let seed = if lower.starts_with("otpauth-migration://") {
        return Err(bad(
            "it is an authenticator app's export of many accounts (otpauth-migration://), \
             not one key's code; use the key's own QR code or setup key",
        ));
    } else if lower.starts_with("otpauth://") {
        seed_of_uri(text)?
    } else {
        Zeroizing::new(text.to_string())
    };
    normalize(&seed)
}

/// The `secret` parameter of an `otpauth://totp/` URI, its other parameters checked.
fn seed_of_uri(uri: &str) -> Result<Zeroizing<String>> {
    let rest = &uri["otpauth://".len()..];
    if !rest.to_ascii_lowercase().starts_with("totp/") {
        return Err(bad(
            "its URI is not of a time-based code (otpauth://totp/); counter-based codes \
             (hotp) are not Kraken's",
        ));
    }
    let query = rest.split_once('?').map_or("", |(_, query)| query);
    let mut seed = None;
    for (name, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        let value = value.to_ascii_uppercase();
        let fits = match name.to_ascii_lowercase().as_str() {
            "secret" => {
                seed = Some(Zeroizing::new(value.replace("%3D", "=").replace("%20", "")));
                true
            }
            "algorithm" => value == "SHA1",
            "digits" => value == DIGITS.to_string(),
            "period" => value == STEP_SECONDS.to_string(),
            _ => true,
        };
        if !fits {
            return Err(bad(
                "its URI asks for codes of another algorithm, length or period than SHA-1, \
                 6 digits and 30 seconds, which are Kraken's",
            ));
        }
    }
    seed.ok_or_else(|| bad("its URI has no secret= parameter"))
}

/// Upper case, no spaces or dashes, no padding; and it must decode to 10 to 64 bytes.
fn normalize(seed: &str) -> Result<Secret> {
    let text: Zeroizing<String> = Zeroizing::new(
        seed.chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect::<String>()
            .trim_end_matches('=')
            .to_ascii_uppercase(),
    );
    let bytes = decode(&text).ok_or_else(|| {
        bad("it is not base32 (the letters A to Z and the digits 2 to 7) as authenticator apps show seeds")
    })?;
    if !(MIN_SEED_BYTES..=MAX_SEED_BYTES).contains(&bytes.len()) {
        return Err(bad("its seed is not 16 to 102 base32 characters long"));
    }
    Ok(Secret::new(text.to_string()))
}

/// The bytes of a stored seed (unpadded RFC 4648 base32).
pub(crate) fn decode(seed: &str) -> Option<Zeroizing<Vec<u8>>> {
    let alphabet = base32::Alphabet::Rfc4648 { padding: false };
    base32::decode(alphabet, seed).map(Zeroizing::new)
}

/// RFC 4226's HOTP value of `key` at `counter`, as a number of `digits` digits.
fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mac = Zeroizing::new(crate::crypto::hmac_sha1(key, &counter.to_be_bytes()));
    let offset = usize::from(mac[19] & 0x0f);
    let word = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    (word & 0x7fff_ffff) % 10u32.pow(digits)
}

/// The code an authenticator with `seed` shows at `at`, and the seconds it stays valid.
pub fn code_at(seed: &Secret, at: Timestamp) -> Result<(String, u64)> {
    let key = decode(seed.expose()).ok_or_else(|| bad("the stored seed is not base32"))?;
    let seconds = at.unix_seconds();
    let code = hotp(&key, seconds / STEP_SECONDS, DIGITS);
    let remaining = STEP_SECONDS - seconds % STEP_SECONDS;
    Ok((
        format!("{code:0width$}", width = DIGITS as usize),
        remaining,
    ))
}

#[cfg(test)]
mod tests;

//! Holders for secret text and bytes: zeroized on drop, redacted in `Debug`, never `Display`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::Zeroizing;

/// A secret string (API secret, API passphrase, vault passphrase).
///
/// Its memory is wiped when dropped; `Debug` prints a placeholder; there is no `Display`,
/// so a secret reaches output only through an explicit [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Takes ownership of `value`; the caller's `String` moves in without a copy.
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// The secret text. Call sites are the audit points for leaks.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Number of bytes, safe to print.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// Secret bytes (derived keys, the vault key, decrypted payloads).
pub type SecretBytes = Zeroizing<Vec<u8>>;

/// A 256-bit key, wiped on drop.
pub type Key32 = Zeroizing<[u8; 32]>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("FRs+gtq09rR7OFtKj9BGhyOGS3u5".into());
        let shown = format!("{s:?} {:?}", Some(&s));
        assert!(!shown.contains("FRs+"), "{shown}");
        assert_eq!(s.len(), 28);
    }

    #[test]
    fn serde_round_trip_keeps_the_value() {
        let s = Secret::new("abc".into());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"abc\"");
        let back: Secret = serde_json::from_str(&json).unwrap();
        assert_eq!(back.expose(), "abc");
    }
}

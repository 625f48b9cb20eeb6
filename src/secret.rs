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

/// Serialises `value` as JSON into a buffer allocated once at its final size, so that no
/// partial copy of secret text is left in freed memory by a reallocation.
pub fn to_json(value: &impl Serialize, pretty: bool) -> serde_json::Result<SecretBytes> {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let write = |out: &mut dyn std::io::Write| {
        if pretty {
            serde_json::to_writer_pretty(out, value)
        } else {
            serde_json::to_writer(out, value)
        }
    };
    let mut counter = Counter(0);
    write(&mut counter)?;
    let mut buffer = Zeroizing::new(Vec::with_capacity(counter.0));
    write(&mut *buffer)?;
    Ok(buffer)
}

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
    fn json_buffers_are_sized_exactly() {
        let value = vec![Secret::new("abc".into()); 100];
        let json = to_json(&value, true).unwrap();
        assert_eq!(json.len(), json.capacity());
        assert_eq!(json[..], serde_json::to_vec_pretty(&value).unwrap()[..]);
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

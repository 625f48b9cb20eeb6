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

/// Serialises `value` as JSON into a buffer that never reallocates in place: when it is
/// full, the text moves to a buffer twice the size and the old one is wiped, so no partial
/// copy of secret text is left in freed memory. `size_hint` is the expected length; a
/// generous one costs nothing (untouched pages are never mapped) and saves the moves.
pub fn to_json(
    value: &impl Serialize,
    pretty: bool,
    size_hint: usize,
) -> serde_json::Result<SecretBytes> {
    let mut buffer = WipingBuffer(Zeroizing::new(Vec::with_capacity(size_hint.max(4096))));
    if pretty {
        serde_json::to_writer_pretty(&mut buffer, value)?;
    } else {
        serde_json::to_writer(&mut buffer, value)?;
    }
    Ok(buffer.0)
}

struct WipingBuffer(SecretBytes);

impl WipingBuffer {
    #[cold]
    fn grow(&mut self, needed: usize) {
        let mut bigger = Zeroizing::new(Vec::with_capacity(needed.max(2 * self.0.capacity())));
        bigger.extend_from_slice(&self.0);
        // The old buffer is zeroized (its whole capacity) as it drops here.
        self.0 = bigger;
    }
}

impl std::io::Write for WipingBuffer {
    #[inline]
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        let needed = self.0.len() + data.len();
        if needed > self.0.capacity() {
            self.grow(needed);
        }
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads `reader` to its end, or to `limit` + 1 bytes (so that a caller sees it was too
/// long), into a buffer that is wiped on drop. `Read::read_to_end` grows a `Vec` by moving
/// it, which leaves each earlier allocation's bytes in freed memory: here a full buffer is
/// copied into one twice its size and wiped, and reads go straight into the buffer (no
/// buffer on the stack).
pub fn read_wiped(reader: &mut dyn std::io::Read, limit: u64) -> std::io::Result<SecretBytes> {
    let most = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut buffer: SecretBytes = Zeroizing::new(Vec::with_capacity(most.min(1024)));
    loop {
        let filled = buffer.len();
        if filled == most {
            return Ok(buffer);
        }
        if filled == buffer.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(filled.saturating_mul(2).min(most)));
            bigger.extend_from_slice(&buffer);
            // The full one is wiped (its whole capacity) as it drops here.
            buffer = bigger;
        }
        // Zeros up to the capacity (no move), read into, then cut back to what was read.
        let room = buffer.capacity().min(most);
        buffer.resize(room, 0);
        let read = reader.read(&mut buffer[filled..]);
        buffer.truncate(filled + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => return Ok(buffer),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
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
    fn json_buffers_grow_without_losing_text() {
        // 200,000 entries cross the first buffer's size several times.
        let value = vec![Secret::new("abc".into()); 200_000];
        let json = to_json(&value, true, 0).unwrap();
        assert_eq!(json[..], serde_json::to_vec_pretty(&value).unwrap()[..]);
    }

    #[test]
    fn a_wiped_read_reads_everything_up_to_one_past_its_limit() {
        let text: Vec<u8> = (0..10_000u32).map(|n| (n % 251) as u8).collect();
        assert_eq!(read_wiped(&mut &text[..], 20_000).unwrap()[..], text[..]);
        assert_eq!(read_wiped(&mut &text[..], 10_000).unwrap()[..], text[..]);
        assert_eq!(read_wiped(&mut &text[..], 9_999).unwrap()[..], text[..]);
        assert_eq!(read_wiped(&mut &text[..], 100).unwrap()[..], text[..101]);
        assert!(read_wiped(&mut &b""[..], 5).unwrap().is_empty());
        // One byte at a time, as a pipe or a terminal may give them.
        struct Slow<'a>(&'a [u8]);
        impl std::io::Read for Slow<'_> {
            fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(into.len()).min(1);
                into[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        assert_eq!(
            read_wiped(&mut Slow(&text[..3000]), 5000).unwrap()[..],
            text[..3000]
        );
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

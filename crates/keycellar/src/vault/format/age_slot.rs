//! Type 2, the age keyslot (docs/FORMAT.md section 1.2.1): the vault key as a standard age
//! file to one recipient, with a name, the recipient string and a creation date in the
//! clear. Made from the public recipient alone, so a spare token is enrolled without being
//! present; opened by `backup::agefile` with the identities a front end gives.
//!
//! The bounds are checked when the header is parsed, before any identity is tried: the
//! lengths, at most [`MAX_STANZAS`] stanzas, and no `scrypt` stanza (a slot never asks for
//! a passphrase KDF, so a header's only KDF cost stays its passphrase slots').

use super::Cursor;

/// Type byte of an age keyslot.
pub const TYPE_AGE: u8 = 2;
/// Longest slot name, in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Longest recipient string, in bytes (an `ssh-rsa` key of 16384 bits is about 2,800).
pub const MAX_RECIPIENT_LEN: usize = 4096;
/// Longest age file a slot holds.
pub const MAX_AGE_FILE_LEN: usize = 8192;
/// Most recipient stanzas in a slot's age file: age adds a grease stanza, and a plugin may
/// write more than one.
pub const MAX_STANZAS: usize = 8;
/// The name `slot list` gives passphrase slots; no age slot may take it.
pub const PASSPHRASE_NAME: &str = "passphrase";

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// An age keyslot as stored in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgeSlot {
    pub name: String,
    /// The recipient string as given, what `rekey` and `passwd` wrap a new key to.
    pub recipient: String,
    /// When the slot was added, in seconds since the Unix epoch.
    pub created: u64,
    /// A binary age file whose plaintext is the 32-byte vault key.
    pub age_file: Vec<u8>,
}

/// What is wrong with a slot name, or `None` when it may be used.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        Some("a slot name has 1 to 64 bytes")
    } else if name.chars().any(char::is_control) {
        Some("a slot name has no control characters")
    } else if name == PASSPHRASE_NAME {
        Some("the name \"passphrase\" is the passphrase slot's")
    } else {
        None
    }
}

/// What is wrong with the name of a slot being added, or `None`: besides the bounds a
/// header is read with, the label rule, since two names that look the same must not name
/// two slots (no zero-width, bidirectional or other invisible characters).
pub fn new_name_problem(name: &str) -> Option<&'static str> {
    name_problem(name).or_else(|| {
        name.chars()
            .any(crate::untrusted::is_invisible)
            .then_some("a slot name has only visible characters and spaces (no zero-width or bidirectional ones)")
    })
}

impl AgeSlot {
    /// True unless the slot opens with a file: an X25519 or SSH recipient, as parsed
    /// (either case of bech32). A plugin or tag recipient needs its token or program, and
    /// a recipient that does not parse opens with nothing.
    pub fn needs_hardware(&self) -> bool {
        crate::vault::slots::recipient::parse(&self.recipient)
            .map_or(true, |parsed| parsed.needs_hardware())
    }

    /// The slot's body bytes (section 1.2.1).
    pub fn encode_body(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(13 + self.name.len() + self.recipient.len());
        body.push(self.name.len() as u8);
        body.extend_from_slice(self.name.as_bytes());
        body.extend_from_slice(&(self.recipient.len() as u16).to_be_bytes());
        body.extend_from_slice(self.recipient.as_bytes());
        body.extend_from_slice(&self.created.to_be_bytes());
        body.extend_from_slice(&(self.age_file.len() as u16).to_be_bytes());
        body.extend_from_slice(&self.age_file);
        body
    }

    /// Reads a slot body; `None` when it is not one or breaks a bound.
    pub fn decode_body(body: &[u8]) -> Option<Self> {
        let mut cursor = Cursor::new(body);
        let name_len = cursor.u8()? as usize;
        let name = std::str::from_utf8(cursor.take(name_len)?).ok()?.to_string();
        let recipient_len = cursor.u16()? as usize;
        let recipient = cursor.take(recipient_len)?;
        let created = cursor.u64()?;
        let file_len = cursor.u16()? as usize;
        let age_file = cursor.take(file_len)?.to_vec();
        let slot = AgeSlot {
            name,
            recipient: String::from_utf8(recipient.to_vec()).ok()?,
            created,
            age_file,
        };
        (cursor.finished() && slot.within_bounds()).then_some(slot)
    }

    /// The bounds of section 1.2.1, the age file's header included.
    pub fn within_bounds(&self) -> bool {
        name_problem(&self.name).is_none()
            && (1..=MAX_RECIPIENT_LEN).contains(&self.recipient.len())
            && self.recipient.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
            && (1..=MAX_AGE_FILE_LEN).contains(&self.age_file.len())
            && age_header_within_bounds(&self.age_file)
    }
}

/// An age v1 header of at most [`MAX_STANZAS`] stanzas, none of them `scrypt`, ending in
/// its `---` line within the file.
fn age_header_within_bounds(file: &[u8]) -> bool {
    let Some(rest) = file.strip_prefix(AGE_MAGIC) else {
        return false;
    };
    let mut stanzas = 0;
    for line in rest.split(|b| *b == b'\n') {
        if line.starts_with(b"---") {
            return true;
        }
        if let Some(stanza) = line.strip_prefix(b"-> ") {
            stanzas += 1;
            if stanzas > MAX_STANZAS || stanza.split(|b| *b == b' ').next() == Some(b"scrypt") {
                return false;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(recipient: &str, age_file: &[u8]) -> AgeSlot {
        AgeSlot {
            name: "spare".into(),
            recipient: recipient.into(),
            created: 1_764_547_200,
            age_file: age_file.to_vec(),
        }
    }

    const FILE: &[u8] = b"age-encryption.org/v1\n-> X25519 abc\nbody\n--- mac\npayload";

    #[test]
    fn round_trip_and_bounds() {
        let good = slot("age1qqqq", FILE);
        assert_eq!(AgeSlot::decode_body(&good.encode_body()), Some(good));
        let scrypt = b"age-encryption.org/v1\n-> scrypt salt 18\nbody\n--- mac\n";
        assert_eq!(AgeSlot::decode_body(&slot("age1q", scrypt).encode_body()), None);
        let many = format!("age-encryption.org/v1\n{}--- mac\n", "-> x\nb\n".repeat(9));
        assert_eq!(AgeSlot::decode_body(&slot("age1q", many.as_bytes()).encode_body()), None);
        let unended = b"age-encryption.org/v1\n-> X25519 abc\nbody\n";
        assert_eq!(AgeSlot::decode_body(&slot("age1q", unended).encode_body()), None);
        let mut named = slot("age1q", FILE);
        named.name = PASSPHRASE_NAME.into();
        assert_eq!(AgeSlot::decode_body(&named.encode_body()), None);
        let mut body = slot("age1q", FILE).encode_body();
        body.push(0);
        assert_eq!(AgeSlot::decode_body(&body), None);
    }

    #[test]
    fn plugin_and_tag_recipients_need_hardware() {
        let x25519 = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
        assert!(!slot(x25519, FILE).needs_hardware());
        assert!(!slot(&x25519.to_ascii_uppercase(), FILE).needs_hardware());
        assert!(slot("age1kctest1pyysjzgfpyysjxveuws", FILE).needs_hardware());
        assert!(slot("age1tag1qwerty", FILE).needs_hardware());
        assert!(slot("ssh-ed25519 AAAA key", FILE).needs_hardware());
    }
}

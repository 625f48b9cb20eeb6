//! The vault file format, version 1: byte layout, integrity checks and their order.
//!
//! `docs/FORMAT.md` is the specification; this module implements it. A file is
//!
//! ```text
//! preamble (32) | header body | header checksum (32) | sealed payload (P) | trailer (32)
//! ```
//!
//! Checks run from the outside in, each with its own error class, so that damage is never
//! reported as a wrong passphrase: magic, preamble check, version, lengths (truncation),
//! header checksum, header structure, KDF bounds, trailer (payload damage). Only then is a
//! passphrase tried. `keyslot` holds the keyslot records of the header, `age_slot` the
//! body of an age keyslot and its bounds.

pub mod age_slot;
pub mod keyslot;

use crate::error::VaultError;
use crate::crypto::{self, NONCE_LEN, TAG_LEN};
use crate::error::Error;
use crate::kdf::{OutOfBounds, check_total_cost};
use keyslot::Keyslot;
use std::path::Path;

/// First eight bytes of every vault: a high byte, "KCV", CR LF, Ctrl-Z, LF (PNG-style, so
/// that text-mode transfers and truncation to 7 bits are recognisable).
pub const MAGIC: [u8; 8] = *b"\x89KCV\r\n\x1a\n";
/// The format version this code writes and reads.
pub const VERSION: u16 = 1;
/// Length of the fixed preamble, identical in every format version.
pub const PREAMBLE_LEN: usize = 32;
/// Length of the header checksum and of the trailer.
pub const CHECKSUM_LEN: usize = 32;
/// Largest header a reader accepts.
pub const MAX_HEADER_LEN: u32 = 64 * 1024;
/// Largest sealed payload a reader accepts (256 MiB).
pub const MAX_PAYLOAD_LEN: u64 = 256 * 1024 * 1024;
/// Most keyslots in one header.
pub const MAX_KEYSLOTS: usize = 32;

/// The parsed header body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Random, fixed when the vault is created; names the vault in backups.
    pub vault_id: [u8; 16],
    /// Save counter, incremented on every save.
    pub generation: u64,
    /// Nonce of the payload encryption, fresh on every save.
    pub payload_nonce: [u8; NONCE_LEN],
    /// Ways to unlock the vault key.
    pub keyslots: Vec<Keyslot>,
}

/// A vault file whose integrity checks passed; the payload is still sealed. It borrows
/// from the file's bytes: a large vault is not copied before it is decrypted.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub header: Header,
    /// The header bytes, preamble through checksum: the payload's associated data.
    pub header_bytes: &'a [u8],
    /// The sealed payload (ciphertext and tag).
    pub sealed_payload: &'a [u8],
}

/// A bounds-checked reader over a byte slice.
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }
    pub fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.array()?))
    }
    pub fn finished(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

/// Serialises the header for a payload of `sealed_len` bytes: preamble, body, checksum.
pub fn encode_header(header: &Header, sealed_len: u64) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&header.vault_id);
    body.extend_from_slice(&header.generation.to_be_bytes());
    body.extend_from_slice(&header.payload_nonce);
    body.push(header.keyslots.len() as u8);
    for slot in &header.keyslots {
        slot.encode(&mut body);
    }
    let header_len = (PREAMBLE_LEN + body.len() + CHECKSUM_LEN) as u32;
    let mut out = Vec::with_capacity(header_len as usize);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&header_len.to_be_bytes());
    out.extend_from_slice(&sealed_len.to_be_bytes());
    let preamble_check = crypto::sha256(&[&out]);
    out.extend_from_slice(&preamble_check[..8]);
    out.extend_from_slice(&body);
    let checksum = crypto::sha256(&[&out]);
    out.extend_from_slice(&checksum);
    out
}

/// Seals `plaintext` under `vault_key` and returns the complete file.
pub fn seal_file(header: &Header, vault_key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    let header_bytes = encode_header(header, (plaintext.len() + TAG_LEN) as u64);
    let header_len = header_bytes.len();
    // One buffer at its final size: the plaintext is copied in and encrypted where it lies.
    let mut file = Vec::with_capacity(header_len + plaintext.len() + TAG_LEN + CHECKSUM_LEN);
    file.extend_from_slice(&header_bytes);
    file.extend_from_slice(plaintext);
    crypto::seal_in_place(
        vault_key,
        &header.payload_nonce,
        &header_bytes,
        &mut file,
        header_len,
    );
    let trailer = crypto::sha256(&[&file]);
    file.extend_from_slice(&trailer);
    file
}

/// Why a vault file was refused before any key was tried; path-free, so the caller that
/// knows the file names it ([`FormatError::at`]).
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug)]
pub enum FormatError {
    NotAVault,
    Truncated { expected: u64, actual: u64 },
    DamagedHeader(&'static str),
    DamagedPayload(String),
    UnsupportedVersion { found: u16 },
    /// The sealed document is of a payload schema this code does not read.
    UnsupportedSchema { found: u32, supported: u32 },
    KdfOutOfBounds(OutOfBounds),
}

impl FormatError {
    /// The library error for this problem in the vault file at `path`.
    pub fn at(self, path: &Path) -> Error {
        let path = path.to_path_buf();
        Error::Vault(match self {
            FormatError::NotAVault => VaultError::NotAVault { path },
            FormatError::Truncated { expected, actual } => VaultError::Truncated {
                path,
                expected,
                actual,
            },
            FormatError::DamagedHeader(what) => VaultError::DamagedHeader {
                path,
                what: what.to_string(),
            },
            FormatError::DamagedPayload(what) => VaultError::DamagedPayload { path, what },
            FormatError::UnsupportedVersion { found } => VaultError::UnsupportedVersion {
                what: "the format of vault",
                path,
                found: found.into(),
                supported: VERSION.into(),
            },
            FormatError::UnsupportedSchema { found, supported } => VaultError::UnsupportedVersion {
                what: "the payload schema of vault",
                path,
                found,
                supported,
            },
            FormatError::KdfOutOfBounds(e) => VaultError::KdfOutOfBounds {
                path,
                param: e.param,
                value: e.value,
                allowed: e.allowed,
            },
        })
    }
}

/// The preamble's fields, read after its magic and check passed.
struct Preamble {
    version: u16,
    header_len: u32,
    sealed_len: u64,
}

/// Runs every check that needs no key and splits the file into its parts, in the order of
/// docs/FORMAT.md section 1.4.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, FormatError> {
    let preamble = check_preamble(bytes)?;
    if preamble.version != VERSION {
        return Err(FormatError::UnsupportedVersion {
            found: preamble.version,
        });
    }
    let (header_len, payload_end) = check_lengths(&preamble, bytes.len() as u64)?;
    let checksum_at = header_len - CHECKSUM_LEN;
    if crypto::sha256(&[&bytes[..checksum_at]])[..] != bytes[checksum_at..header_len] {
        return Err(FormatError::DamagedHeader("checksum does not match"));
    }
    let header = decode_body(&bytes[PREAMBLE_LEN..checksum_at])
        .ok_or(FormatError::DamagedHeader("structure is invalid"))?;
    for slot in &header.keyslots {
        if let Keyslot::Passphrase(slot) = slot {
            slot.params
                .check_bounds(slot.salt.len())
                .map_err(FormatError::KdfOutOfBounds)?;
        }
    }
    let params = header.keyslots.iter().filter_map(|slot| match slot {
        Keyslot::Passphrase(slot) => Some(&slot.params),
        Keyslot::Age(_) | Keyslot::Unknown { .. } => None,
    });
    check_total_cost(params).map_err(FormatError::KdfOutOfBounds)?;
    if crypto::sha256(&[&bytes[..payload_end]])[..] != bytes[payload_end..] {
        return Err(FormatError::DamagedPayload(
            "checksum does not match".into(),
        ));
    }
    Ok(Parsed {
        header,
        header_bytes: &bytes[..header_len],
        sealed_payload: &bytes[header_len..payload_end],
    })
}

/// Magic, length of the preamble, and its check (section 1.1).
fn check_preamble(bytes: &[u8]) -> Result<Preamble, FormatError> {
    if bytes.len() < PREAMBLE_LEN {
        let prefix = &MAGIC[..bytes.len().min(MAGIC.len())];
        if bytes.starts_with(prefix) {
            return Err(FormatError::Truncated {
                expected: PREAMBLE_LEN as u64,
                actual: bytes.len() as u64,
            });
        }
    }
    if !bytes.starts_with(&MAGIC) {
        return Err(FormatError::NotAVault);
    }
    let fields = bytes.get(MAGIC.len()..PREAMBLE_LEN).unwrap_or_default();
    let mut cursor = Cursor::new(fields);
    let (Some(version), Some(_flags), Some(header_len), Some(sealed_len), Some(check)) = (
        cursor.u16(),
        cursor.u16(),
        cursor.u32(),
        cursor.u64(),
        cursor.array::<8>(),
    ) else {
        return Err(FormatError::DamagedHeader("preamble is cut short"));
    };
    if crypto::sha256(&[&bytes[..24]])[..8] != check {
        return Err(FormatError::DamagedHeader(
            "preamble check does not match (bytes 0-31)",
        ));
    }
    Ok(Preamble {
        version,
        header_len,
        sealed_len,
    })
}

/// The header and payload lengths against their bounds and the file's length; returns the
/// header length and where the payload ends.
fn check_lengths(preamble: &Preamble, actual: u64) -> Result<(usize, usize), FormatError> {
    let min_header = (PREAMBLE_LEN + 16 + 8 + NONCE_LEN + 1 + CHECKSUM_LEN) as u32;
    if !(min_header..=MAX_HEADER_LEN).contains(&preamble.header_len) {
        return Err(FormatError::DamagedHeader("length out of range"));
    }
    if !(TAG_LEN as u64..=MAX_PAYLOAD_LEN).contains(&preamble.sealed_len) {
        return Err(FormatError::DamagedHeader("payload length out of range"));
    }
    let header_len = preamble.header_len as usize;
    let expected = header_len as u64 + preamble.sealed_len + CHECKSUM_LEN as u64;
    if actual < expected {
        return Err(FormatError::Truncated { expected, actual });
    }
    if actual > expected {
        return Err(FormatError::DamagedPayload(format!(
            "is followed by {} unexpected bytes",
            actual - expected
        )));
    }
    Ok((header_len, header_len + preamble.sealed_len as usize))
}

/// The largest vault file a reader accepts, checked from the file's metadata before it is
/// read: the largest header, payload and trailer.
pub const MAX_FILE_LEN: u64 = MAX_HEADER_LEN as u64 + MAX_PAYLOAD_LEN + CHECKSUM_LEN as u64;

fn decode_body(body: &[u8]) -> Option<Header> {
    let mut cursor = Cursor::new(body);
    let vault_id = cursor.array::<16>()?;
    let generation = cursor.u64()?;
    let payload_nonce = cursor.array::<NONCE_LEN>()?;
    let count = cursor.u8()? as usize;
    if count == 0 || count > MAX_KEYSLOTS {
        return None;
    }
    let mut keyslots = Vec::with_capacity(count);
    for _ in 0..count {
        keyslots.push(Keyslot::decode(&mut cursor)?);
    }
    cursor.finished().then_some(Header {
        vault_id,
        generation,
        payload_nonce,
        keyslots,
    })
}

#[cfg(test)]
mod tests;

//! XChaCha20-Poly1305 sealing and opening, SHA-256, and the system random source; `sha1`:
//! HMAC-SHA-1, for authenticator codes only.
//!
//! Thin wrappers so that the format code speaks in bytes and never touches cipher traits.

use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use chacha20poly1305::aead::{Aead, AeadInOut, KeyInit, Payload};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

mod sha1;
pub use sha1::hmac_sha1;

/// Length of an XChaCha20-Poly1305 nonce.
pub const NONCE_LEN: usize = 24;
/// Length of a Poly1305 tag.
pub const TAG_LEN: usize = 16;

/// Fills `out` from the operating system's random source.
pub fn random_fill(out: &mut [u8]) -> Result<()> {
    getrandom::fill(out).map_err(|e| Error::Internal(format!("system random source failed: {e}")))
}

/// Returns `N` random bytes.
pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    random_fill(&mut out)?;
    Ok(out)
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key).into())
}

/// Encrypts `plaintext`; the result is ciphertext followed by the 16-byte tag.
pub fn seal(key: &[u8; 32], nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = XNonce::from(*nonce);
    cipher(key)
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers")
}

/// Encrypts `buffer[from..]` in place and appends the 16-byte tag: a large payload is
/// sealed without a second buffer. `buffer` should have room for the tag.
pub fn seal_in_place(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut Vec<u8>,
    from: usize,
) {
    let data: &mut [u8] = &mut buffer[from..];
    let tag = cipher(key)
        .encrypt_inout_detached(&XNonce::from(*nonce), aad, data.into())
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
    buffer.extend_from_slice(&tag);
}

/// Decrypts and authenticates `sealed` (ciphertext then tag). `None` means the tag did not
/// verify: wrong key, or altered data.
pub fn open(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Option<SecretBytes> {
    let body_len = sealed.len().checked_sub(TAG_LEN)?;
    let (body, tag) = sealed.split_at(body_len);
    let tag = Tag::try_from(tag).ok()?;
    // Decrypt in a buffer allocated once at its final size, so no plaintext copy is left
    // behind by a reallocation.
    let mut buffer = Zeroizing::new(body.to_vec());
    cipher(key)
        .decrypt_inout_detached(
            &XNonce::from(*nonce),
            aad,
            buffer.as_mut_slice().into(),
            &tag,
        )
        .ok()?;
    Some(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper_detection() {
        let key = [7u8; 32];
        let nonce = [9u8; NONCE_LEN];
        let sealed = seal(&key, &nonce, b"aad", b"hello");
        assert_eq!(sealed.len(), 5 + TAG_LEN);
        assert_eq!(&open(&key, &nonce, b"aad", &sealed).unwrap()[..], b"hello");
        assert!(open(&key, &nonce, b"aaD", &sealed).is_none());
        assert!(open(&[8u8; 32], &nonce, b"aad", &sealed).is_none());
        let mut flipped = sealed.clone();
        flipped[0] ^= 1;
        assert!(open(&key, &nonce, b"aad", &flipped).is_none());
        assert!(open(&key, &nonce, b"aad", &sealed[..10]).is_none());
    }
}

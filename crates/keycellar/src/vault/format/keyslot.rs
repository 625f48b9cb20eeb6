//! Keyslots: each one holds the vault key wrapped under one way of unlocking the vault.
//!
//! Version 1 defines type 1, a passphrase slot (Argon2id then XChaCha20-Poly1305), and type
//! 2, an age slot (`age_slot`). Unknown types are kept byte for byte and skipped, so later
//! versions can add slots that older readers step over.

use super::Cursor;
use super::age_slot::{AgeSlot, TYPE_AGE};
use crate::crypto::{self, NONCE_LEN, TAG_LEN};
use crate::error::Result;
use crate::secret::Key32;
use crate::kdf::{KdfParams, SALT_LEN};
use zeroize::Zeroizing;

/// Type byte of a passphrase keyslot.
pub const TYPE_PASSPHRASE: u8 = 1;
/// Length of the wrapped vault key: 32 bytes of key and a 16-byte tag.
pub const WRAPPED_LEN: usize = 32 + TAG_LEN;
const WRAP_LABEL: &[u8] = b"keycellar keyslot v1\0";

/// One keyslot as stored in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keyslot {
    /// Vault key wrapped under a passphrase.
    Passphrase(PassphraseSlot),
    /// Vault key as an age file to one recipient.
    Age(AgeSlot),
    /// A slot type this version does not know; preserved, never used.
    Unknown { kind: u8, body: Vec<u8> },
}

/// A passphrase keyslot: Argon2id parameters, salt, nonce and the wrapped vault key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassphraseSlot {
    pub params: KdfParams,
    pub salt: Vec<u8>,
    pub nonce: [u8; NONCE_LEN],
    pub wrapped_key: [u8; WRAPPED_LEN],
}

impl PassphraseSlot {
    /// Wraps `vault_key` under a key derived from `passphrase`, with fresh salt and nonce.
    pub fn create(
        vault_id: &[u8; 16],
        vault_key: &[u8; 32],
        passphrase: &[u8],
        params: KdfParams,
    ) -> Result<Self> {
        let salt = crypto::random_array::<SALT_LEN>()?.to_vec();
        let nonce = crypto::random_array::<NONCE_LEN>()?;
        let kek = params.derive(passphrase, &salt)?;
        Ok(Self::wrap(vault_id, vault_key, &kek, params, salt, nonce))
    }

    /// Deterministic wrapping from explicit inputs (used by `create` and the worked example).
    pub fn wrap(
        vault_id: &[u8; 16],
        vault_key: &[u8; 32],
        kek: &[u8; 32],
        params: KdfParams,
        salt: Vec<u8>,
        nonce: [u8; NONCE_LEN],
    ) -> Self {
        let mut slot = PassphraseSlot {
            params,
            salt,
            nonce,
            wrapped_key: [0u8; WRAPPED_LEN],
        };
        let sealed = crypto::seal(kek, &nonce, &slot.aad(vault_id), vault_key);
        slot.wrapped_key.copy_from_slice(&sealed);
        slot
    }

    /// Derives the key-encryption key from `passphrase` and unwraps the vault key.
    /// `Ok(None)` means the passphrase does not open this slot.
    pub fn unlock(&self, vault_id: &[u8; 16], passphrase: &[u8]) -> Result<Option<Key32>> {
        let kek = self.params.derive(passphrase, &self.salt)?;
        Ok(self.unwrap_with(vault_id, &kek))
    }

    fn unwrap_with(&self, vault_id: &[u8; 16], kek: &[u8; 32]) -> Option<Key32> {
        let opened = crypto::open(kek, &self.nonce, &self.aad(vault_id), &self.wrapped_key)?;
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&opened);
        Some(key)
    }

    /// Associated data binding the wrapped key to this vault and these parameters.
    fn aad(&self, vault_id: &[u8; 16]) -> Vec<u8> {
        let mut aad = WRAP_LABEL.to_vec();
        aad.extend_from_slice(vault_id);
        self.push_params(&mut aad);
        aad
    }

    /// Memory, passes, lanes (u32 BE each), salt length (u8) and salt.
    fn push_params(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.params.memory_kib.to_be_bytes());
        out.extend_from_slice(&self.params.time.to_be_bytes());
        out.extend_from_slice(&self.params.parallelism.to_be_bytes());
        out.push(self.salt.len() as u8);
        out.extend_from_slice(&self.salt);
    }

    fn encode_body(&self) -> Vec<u8> {
        let mut body = Vec::new();
        self.push_params(&mut body);
        body.extend_from_slice(&self.nonce);
        body.extend_from_slice(&self.wrapped_key);
        body
    }

    fn decode_body(body: &[u8]) -> Option<Self> {
        let mut cursor = Cursor::new(body);
        let params = KdfParams {
            memory_kib: cursor.u32()?,
            time: cursor.u32()?,
            parallelism: cursor.u32()?,
        };
        let salt_len = cursor.u8()? as usize;
        let salt = cursor.take(salt_len)?.to_vec();
        let nonce = cursor.array::<NONCE_LEN>()?;
        let wrapped_key = cursor.array::<WRAPPED_LEN>()?;
        cursor.finished().then_some(PassphraseSlot {
            params,
            salt,
            nonce,
            wrapped_key,
        })
    }
}

impl Keyslot {
    /// Appends type (u8), body length (u16 BE) and body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (kind, body) = match self {
            Keyslot::Passphrase(slot) => (TYPE_PASSPHRASE, slot.encode_body()),
            Keyslot::Age(slot) => (TYPE_AGE, slot.encode_body()),
            Keyslot::Unknown { kind, body } => (*kind, body.clone()),
        };
        out.push(kind);
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(&body);
    }

    /// Reads one keyslot; `None` if the bytes do not form one.
    pub fn decode(cursor: &mut Cursor<'_>) -> Option<Self> {
        let kind = cursor.u8()?;
        let len = cursor.u16()? as usize;
        let body = cursor.take(len)?;
        match kind {
            TYPE_PASSPHRASE => PassphraseSlot::decode_body(body).map(Keyslot::Passphrase),
            TYPE_AGE => AgeSlot::decode_body(body).map(Keyslot::Age),
            _ => Some(Keyslot::Unknown {
                kind,
                body: body.to_vec(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        time: 1,
        parallelism: 1,
    };

    #[test]
    fn wrap_unwrap_and_reject_wrong_passphrase_or_vault() {
        let id = [1u8; 16];
        let key = [2u8; 32];
        let slot = PassphraseSlot::create(&id, &key, b"right", FAST).unwrap();
        assert_eq!(*slot.unlock(&id, b"right").unwrap().unwrap(), key);
        assert!(slot.unlock(&id, b"wrong").unwrap().is_none());
        assert!(slot.unlock(&[3u8; 16], b"right").unwrap().is_none());
    }

    #[test]
    fn encode_decode_round_trip_and_unknown_types_survive() {
        let slot = Keyslot::Passphrase(PassphraseSlot::wrap(
            &[0; 16],
            &[0; 32],
            &[1; 32],
            FAST,
            vec![5; 16],
            [6; NONCE_LEN],
        ));
        let unknown = Keyslot::Unknown {
            kind: 200,
            body: vec![1, 2, 3],
        };
        let mut bytes = Vec::new();
        slot.encode(&mut bytes);
        unknown.encode(&mut bytes);
        let mut cursor = Cursor::new(&bytes);
        assert_eq!(Keyslot::decode(&mut cursor).unwrap(), slot);
        assert_eq!(Keyslot::decode(&mut cursor).unwrap(), unknown);
        assert!(cursor.finished());
    }
}

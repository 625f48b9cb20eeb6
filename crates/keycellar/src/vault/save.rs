//! Saving an open vault: sealing the next generation, writing it beside the vault with a
//! read-back check, and putting it in place (`store` holds the file steps).

use super::{LockedVault, Vault, decrypt_payload};
use crate::crypto::{self, NONCE_LEN};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::vault::format::{self, Header};
use crate::vault::store;

/// What a save did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// A new generation was written.
    Written,
    /// The vault holds exactly what it held when it was opened: no file was touched.
    Unchanged,
}

/// A save made ready by [`LockedVault::prepare_save`]; dropping it gives the save up and removes
/// its temp files.
struct PreparedSave {
    staged: store::Staged,
    /// After a passphrase change: the generations re-sealed under the new key.
    generations: Option<store::Generations>,
    header: Header,
    payload_len: usize,
    digest: [u8; 32],
}

impl LockedVault {
    /// Saves atomically under the lock taken by [`Vault::open_for_change`]; the new file is
    /// read back and decrypted with the key in memory before it replaces the old one. When
    /// nothing changed since the vault was opened, nothing is written.
    pub fn save(&mut self) -> Result<Saved> {
        match self.prepare_save()? {
            Some(prepared) => self.commit_save(prepared).map(|()| Saved::Written),
            None => Ok(Saved::Unchanged),
        }
    }

    /// The first half of a save: the next file is sealed, written beside the vault, synced
    /// and read back, while the vault stays as it is. `None` when there is nothing to save.
    fn prepare_save(&self) -> Result<Option<PreparedSave>> {
        let vault = &self.vault;
        let plaintext = vault.document()?;
        let digest = crypto::sha256(&[&plaintext]);
        if self.saved_digest == digest && self.previous_key.is_none() && !self.keyslots_changed {
            return Ok(None);
        }
        let (header, bytes) = vault.seal_next(&plaintext)?;
        let staged = store::stage(&vault.file, &bytes, &self.lock, &|written| {
            vault.check_written(written, &plaintext)
        })?;
        let generations = match &self.previous_key {
            Some(previous) => Some(self.reseal_generations(previous)?),
            None => None,
        };
        Ok(Some(PreparedSave {
            staged,
            generations,
            header,
            payload_len: plaintext.len(),
            digest,
        }))
    }

    /// The second half of a save: puts the prepared file in place.
    fn commit_save(&mut self, prepared: PreparedSave) -> Result<()> {
        let vault = &mut self.vault;
        store::commit(
            &vault.file,
            prepared.staged,
            prepared.generations,
            &self.lock,
        )?;
        vault.header = prepared.header;
        vault.payload_len = prepared.payload_len;
        self.saved_digest = prepared.digest;
        self.previous_key = None;
        self.keyslots_changed = false;
        Ok(())
    }
}

impl Vault {
    /// The payload document of the contents as they are.
    pub(super) fn document(&self) -> Result<SecretBytes> {
        let size_hint = self.payload_len + self.payload_len / 8 + 4096;
        let written = super::payload::Written::of(&self.contents);
        crate::secret::to_json(&written, false, size_hint)
            .map_err(|e| Error::Internal(format!("serialising the vault: {e}")))
    }

    /// Seals `plaintext` as the next generation, with a fresh payload nonce. Returns that
    /// header and the file.
    pub(super) fn seal_next(&self, plaintext: &[u8]) -> Result<(Header, Vec<u8>)> {
        let mut header = self.header.clone();
        header.generation += 1;
        header.payload_nonce = crypto::random_array::<NONCE_LEN>()?;
        let file = format::seal_file(&header, &self.key, plaintext);
        Ok((header, file))
    }

    /// Read-back check: the written bytes parse, and decrypt with our key to exactly the
    /// document we sealed. Comparing bytes, not decoded entries, checks every field.
    pub(super) fn check_written(&self, written: &[u8], plaintext: &[u8]) -> Result<()> {
        let parsed = format::parse(written).map_err(|e| e.at(&self.path))?;
        if decrypt_payload(&self.path, &parsed, &self.key)?[..] == plaintext[..] {
            Ok(())
        } else {
            Err(Error::Internal(
                "the saved vault reads back differently".into(),
            ))
        }
    }
}

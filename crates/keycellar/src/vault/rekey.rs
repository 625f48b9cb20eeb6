//! Changing the passphrase re-keys the vault: a new passphrase gets a new vault key, so a
//! passphrase that leaked opens nothing saved afterwards. The generations beside the vault
//! are re-sealed under the new key in the same save, so the old passphrase opens no file
//! there either. Copies kept elsewhere (a synced folder's history, older exports and
//! sheets) still open with what protected them when they were made; SECURITY.md says so.

use super::format::keyslot::{Keyslot, PassphraseSlot};
use super::format::{self, Header};
use super::kdf::KdfParams;
use super::store;
use super::{LockedVault, decrypt_payload};
use crate::crypto::{self, NONCE_LEN};
use crate::error::{Error, Result};
use crate::secret::{Key32, Secret};
use zeroize::Zeroizing;

impl LockedVault {
    /// Replaces the keyslots with one for `new_passphrase` around a new vault key. `params`
    /// defaults to the parameters of the current first passphrase slot. Keyslots of kinds
    /// this version does not know cannot be re-wrapped, and are dropped.
    pub fn change_passphrase(
        &mut self,
        new_passphrase: &Secret,
        params: Option<KdfParams>,
    ) -> Result<()> {
        let params = params
            .or_else(|| self.kdf_params().first().copied())
            .ok_or_else(|| Error::Internal("no passphrase keyslot".into()))?;
        let new_key: Key32 = Zeroizing::new(crypto::random_array::<32>()?);
        let vault = &mut self.vault;
        let slot = PassphraseSlot::create(
            &vault.header.vault_id,
            &new_key,
            new_passphrase.expose().as_bytes(),
            params,
        )?;
        let old_key = std::mem::replace(&mut vault.key, new_key);
        // The files on disk are sealed with the key the vault was opened with.
        self.previous_key.get_or_insert(old_key);
        vault.header.keyslots = vec![Keyslot::Passphrase(slot)];
        Ok(())
    }

    /// The generations as the save will leave them, re-sealed under the new key: the vault
    /// as it is on disk becomes `.1`, and the old `.1` (or, without one, the old `.2`)
    /// becomes `.2`. A generation that the previous key does not open was not sealed by
    /// this vault; it is rotated as any save rotates it.
    pub(super) fn reseal_generations(&self, previous: &Key32) -> Result<store::Generations> {
        let file = &self.vault.file;
        let current = store::read(file)?;
        let first = self.reseal(&current, previous)?;
        let (older, oldest) = (
            store::generation_path(file, 1),
            store::generation_path(file, 2),
        );
        let resealed = |path: &std::path::Path| {
            std::fs::read(path)
                .ok()
                .and_then(|bytes| self.reseal(&bytes, previous).ok())
                .map(store::Previous::Resealed)
        };
        let second = if older.exists() {
            Some(resealed(&older).unwrap_or(store::Previous::AsItIs(older)))
        } else if oldest.exists() {
            resealed(&oldest)
        } else {
            None
        };
        store::stage_generations(file, first, second, &self.lock)
    }

    /// An earlier file of this vault, sealed again under the current key and keyslots.
    fn reseal(&self, old_file: &[u8], previous: &Key32) -> Result<Vec<u8>> {
        let vault = &self.vault;
        let parsed = format::parse(old_file).map_err(|e| e.at(&vault.path))?;
        let plaintext = decrypt_payload(&vault.path, &parsed, previous)?;
        let header = Header {
            vault_id: parsed.header.vault_id,
            generation: parsed.header.generation,
            payload_nonce: crypto::random_array::<NONCE_LEN>()?,
            keyslots: vault.header.keyslots.clone(),
        };
        Ok(format::seal_file(&header, &vault.key, &plaintext))
    }
}

//! Changing the passphrase re-keys the vault, and so does `rekey`: a new passphrase gets a new vault key, so a
//! passphrase that leaked opens nothing saved afterwards. The generations beside the vault
//! are re-sealed under the new key in the same save, so the old passphrase opens no file
//! there either. Copies kept elsewhere (a synced folder's history, older exports and
//! sheets) still open with what protected them when they were made; SECURITY.md says so.

use super::format::age_slot::AgeSlot;
use super::format::keyslot::{Keyslot, PassphraseSlot};
use super::format::{self, Header};
use super::store;
use super::{LockedVault, decrypt_payload};
use crate::crypto::{self, NONCE_LEN};
use crate::error::{Error, Result};
use crate::kdf::KdfParams;
use crate::passphrase::NewPassphrase;
use crate::passphrase::cost::Kdf;
use crate::secret::{Key32, Secret};
use zeroize::Zeroizing;

impl LockedVault {
    /// Replaces the passphrase keyslots with one for `new_passphrase` around a new vault
    /// key, and wraps that key to each age slot's recipient (same name and date). `old` must
    /// open the current passphrase slot, whatever opened the vault: a token's holder may
    /// not take over the passphrase without knowing it. The new passphrase must clear the
    /// floor at `params` (`NewPassphrase::check`). Keyslots of kinds this version does not
    /// know cannot be re-wrapped, and are dropped.
    pub fn change_passphrase(
        &mut self,
        old: Option<&Secret>,
        new_passphrase: &NewPassphrase,
        params: KdfParams,
    ) -> Result<()> {
        new_passphrase.check(Kdf::from(&params))?;
        self.prove_passphrase(old)?;
        self.replace_key(Some((new_passphrase.secret(), params)))
    }

    /// A new vault key, wrapped to every keyslot again: the passphrase slot from
    /// `passphrase` (which must open the current one; its parameters kept), each age slot
    /// to its recorded recipient (public keys only). After removing the slot of a lost
    /// token, this is what stops that slot's bytes opening later saves.
    pub fn rekey(&mut self, passphrase: Option<&Secret>) -> Result<()> {
        let Some(params) = self.kdf_params().first().copied() else {
            return self.replace_key(None);
        };
        self.prove_passphrase(passphrase)?;
        let passphrase = passphrase.expect("proved above");
        self.replace_key(Some((passphrase, params)))
    }

    /// Checks that `passphrase` opens the current passphrase slot, when the vault has one.
    fn prove_passphrase(&self, passphrase: Option<&Secret>) -> Result<()> {
        if self.kdf_params().is_empty() {
            return Ok(());
        }
        let passphrase = passphrase.ok_or_else(|| {
            Error::Vault(crate::error::VaultError::WrongPassphrase {
                path: self.vault.path.clone(),
            })
        })?;
        let view = super::VaultHeader {
            header: self.vault.header.clone(),
        };
        view.unlock_with_passphrase(&self.vault.path, passphrase)
            .map(drop)
    }

    /// Seals the vault under a new random key: one passphrase slot when `passphrase` is
    /// given, then every age slot re-wrapped. Nothing changes unless every slot is made.
    fn replace_key(&mut self, passphrase: Option<(&Secret, KdfParams)>) -> Result<()> {
        let new_key: Key32 = Zeroizing::new(crypto::random_array::<32>()?);
        let vault_id = self.vault.header.vault_id;
        let mut keyslots = Vec::new();
        if let Some((passphrase, params)) = passphrase {
            let bytes = passphrase.expose().as_bytes();
            let slot = PassphraseSlot::create(&vault_id, &new_key, bytes, params)?;
            keyslots.push(Keyslot::Passphrase(slot));
        }
        for slot in &self.vault.header.keyslots {
            if let Keyslot::Age(slot) = slot {
                keyslots.push(Keyslot::Age(AgeSlot {
                    age_file: super::slots::wrap_to(&slot.recipient, &new_key)?,
                    ..slot.clone()
                }));
            }
        }
        let vault = &mut self.vault;
        let old_key = std::mem::replace(&mut vault.key, new_key);
        // The files on disk are sealed with the key the vault was opened with.
        self.previous_key.get_or_insert(old_key);
        vault.header.keyslots = keyslots;
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

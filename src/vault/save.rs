//! Saving an open vault: sealing the next generation, writing it beside the vault with a
//! read-back check, and putting it in place (`store` holds the file steps). A save can
//! be prepared on a second thread while the command does other work on the same contents.

use super::{Vault, decrypt_payload};
use crate::crypto::{self, NONCE_LEN};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::vault::format::{self, Header};
use crate::vault::store::{self, VaultLock};

/// A save made ready by [`Vault::prepare_save`]; dropping it gives the save up and removes
/// its temp file.
struct PreparedSave {
    staged: store::Staged,
    header: Header,
    payload_len: usize,
}

impl Vault {
    /// Saves atomically under the lock taken by [`Vault::open_for_change`]; the new file is
    /// read back and decrypted with the key in memory before it replaces the old one.
    pub fn save(&mut self) -> Result<()> {
        let prepared = self.prepare_save()?;
        self.commit_save(prepared)
    }

    /// Saves like [`Vault::save`] while `work` runs on the contents as they are (the save
    /// is prepared on a second thread). The new file is put in place only if `work`
    /// succeeds, and `work`'s error is the one returned when both fail. An export uses it
    /// to write the export file while the vault's record of it is prepared.
    pub fn save_alongside<T>(&mut self, work: impl FnOnce(&Vault) -> Result<T>) -> Result<T> {
        let this = &*self;
        let (worked, prepared) = std::thread::scope(|scope| {
            let preparing = scope.spawn(|| this.prepare_save());
            (work(this), preparing.join())
        });
        let value = worked?;
        let prepared =
            prepared.map_err(|_| Error::Internal("the save thread panicked".into()))??;
        self.commit_save(prepared)?;
        Ok(value)
    }

    /// The first half of a save: the next file is sealed, written beside the vault, synced
    /// and read back, while the vault stays as it is.
    fn prepare_save(&self) -> Result<PreparedSave> {
        let lock = self.held_lock()?;
        let (header, bytes, plaintext) = self.seal_next()?;
        let staged = store::stage(&self.path, &bytes, lock, &|written| {
            self.check_written(written, &plaintext)
        })?;
        Ok(PreparedSave {
            staged,
            header,
            payload_len: plaintext.len(),
        })
    }

    /// The second half of a save: puts the prepared file in place.
    fn commit_save(&mut self, prepared: PreparedSave) -> Result<()> {
        store::commit(&self.path, prepared.staged, self.held_lock()?)?;
        self.header = prepared.header;
        self.payload_len = prepared.payload_len;
        Ok(())
    }

    fn held_lock(&self) -> Result<&VaultLock> {
        self.lock
            .as_ref()
            .ok_or_else(|| Error::Internal("save without holding the vault lock".into()))
    }

    /// Seals the contents as the next generation, with a fresh payload nonce. Returns that
    /// header, the file and the payload document it seals.
    pub(super) fn seal_next(&self) -> Result<(Header, Vec<u8>, SecretBytes)> {
        let mut header = self.header.clone();
        header.generation += 1;
        header.payload_nonce = crypto::random_array::<NONCE_LEN>()?;
        let size_hint = self.payload_len + self.payload_len / 8 + 4096;
        let plaintext = crate::secret::to_json(&self.contents, false, size_hint)
            .map_err(|e| Error::Internal(format!("serialising the vault: {e}")))?;
        let file = format::seal_file(&header, &self.key, &plaintext);
        Ok((header, file, plaintext))
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

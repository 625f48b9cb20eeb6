//! Opening a vault through its age keyslots (docs/FORMAT.md section 1.2.1) with identities
//! a front end loaded: an age key, an SSH key or a plugin identity, whose questions (a PIN,
//! a touch) go through the front end's [`super::Prompts`].
//!
//! Only the slots whose recipient an identity answers for are tried (an X25519 identity
//! its own recipient, an SSH key `ssh-` recipients, a plugin identity its plugin's and tag
//! recipients), so a plugin runs at most once per slot of its own, and never for a vault
//! with no such slot.

use super::Identities;
use crate::error::{Error, Result, VaultError};
use crate::secret::Key32;
use crate::vault::{Unlock, VaultHeader, VaultKey};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering;
use zeroize::Zeroizing;

/// Unlocks a vault through the first age keyslot these identities open.
pub struct SlotIdentities<'a>(pub &'a Identities);

impl Unlock for SlotIdentities<'_> {
    fn unlock(&mut self, path: &Path, header: &VaultHeader) -> Result<VaultKey> {
        let identities = self.0;
        let mut failure = None;
        for (slot, keyslot) in header.age_slots() {
            if !identities
                .fits
                .iter()
                .any(|fit| fit.answers(&slot.recipient))
            {
                continue;
            }
            match open_slot(&slot.age_file, &slot.recipient, identities) {
                Ok(Some(key)) => {
                    return VaultKey::from_parts(key, &keyslot)
                        .ok_or_else(|| Error::Internal("a keyslot did not encode".into()));
                }
                Ok(None) => {}
                Err(cancelled @ Error::Vault(VaultError::PluginCancelled { .. })) => {
                    return Err(cancelled);
                }
                Err(other) => failure = failure.or(Some(other)),
            }
        }
        Err(failure.unwrap_or_else(|| {
            Error::Vault(VaultError::NoSlotForIdentity {
                path: path.to_path_buf(),
            })
        }))
    }
}

/// The vault key in one slot's age file; `None` when no identity opens it.
fn open_slot(age_file: &[u8], recipient: &str, identities: &Identities) -> Result<Option<Key32>> {
    let declined = &identities.prompts.1;
    declined.store(false, Ordering::SeqCst);
    let plugin_failed = |why: String| {
        let binary = crate::vault::plugin_binary(recipient);
        match declined.load(Ordering::SeqCst) {
            true => Error::Vault(VaultError::PluginCancelled { binary }),
            false => Error::Vault(VaultError::PluginFailed { binary, why }),
        }
    };
    // The header's parse already bounded the age file (size, stanzas, no scrypt).
    let decryptor = match age::Decryptor::new_buffered(age_file) {
        Ok(decryptor) if !decryptor.is_scrypt() => decryptor,
        _ => return Ok(None),
    };
    let chosen = identities.loaded.iter().map(|b| b.as_ref());
    let mut reader = match decryptor.decrypt(chosen) {
        Ok(reader) => reader,
        Err(age::DecryptError::Plugin(errors)) => {
            let messages = errors.iter().map(ToString::to_string);
            return Err(plugin_failed(crate::vault::plugin_messages(messages)));
        }
        Err(age::DecryptError::Io(e)) if recipient_is_plugin(recipient) => {
            return Err(plugin_failed(crate::untrusted::quoted(&e.to_string())));
        }
        Err(_) if declined.load(Ordering::SeqCst) => return Err(plugin_failed(String::new())),
        Err(_) => return Ok(None),
    };
    let mut plaintext = Zeroizing::new(Vec::with_capacity(33));
    // A slot that holds anything but 32 bytes opens nothing: its key would not be whole.
    let read = (&mut reader).take(33).read_to_end(&mut plaintext);
    if read.is_err() || plaintext.len() != 32 {
        return Ok(None);
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&plaintext);
    Ok(Some(key))
}

fn recipient_is_plugin(recipient: &str) -> bool {
    matches!(
        crate::vault::recipient_kind(recipient),
        crate::vault::SlotKind::Plugin(_) | crate::vault::SlotKind::Tag
    )
}

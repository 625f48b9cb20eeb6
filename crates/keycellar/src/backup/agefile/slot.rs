//! Opening a vault through its age keyslots (docs/FORMAT.md section 1.2.1) with identities
//! a front end loaded: an age key, an SSH key or a plugin identity, whose questions (a PIN,
//! a touch, an SSH key's passphrase) go through the front end's [`super::Prompts`].
//!
//! A slot is tried only with an identity whose key it is wrapped to, compared in canonical
//! form ([`super::slot_keys`]): an X25519 or SSH key its own recipient (an encrypted SSH key
//! is decrypted once, and only when a slot is its), a plugin identity its plugin's
//! recipients and the tag recipients its file names. The slots are the header's, and so
//! whoever wrote the file's: a plugin runs at most [`MAX_PLUGIN_RUNS`] times per open, and
//! the first plugin failure ends the search.

use super::Identities;
use super::slot_keys::{SlotKey, plugin_identity};
use crate::error::{Error, Result, VaultError};
use crate::secret::Key32;
use crate::vault::{Unlock, VaultHeader, VaultKey, recipient};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering;
use zeroize::Zeroizing;

/// Most plugin runs (each maybe a PIN or a touch) one open makes, over every slot.
pub const MAX_PLUGIN_RUNS: usize = 3;

/// Unlocks a vault through the first age keyslot these identities open.
pub struct SlotIdentities<'a>(pub &'a Identities);

impl Unlock for SlotIdentities<'_> {
    fn unlock(&mut self, path: &Path, header: &VaultHeader) -> Result<VaultKey> {
        let keys = &self.0.slot_keys;
        let mut search = Search {
            identities: self.0,
            decrypted: (0..keys.len()).map(|_| None).collect(),
            plugin_runs: 0,
        };
        for (slot, keyslot) in header.age_slots() {
            let Ok(parsed) = recipient::parse(&slot.recipient) else {
                continue;
            };
            for (index, key) in keys.iter().enumerate() {
                if !key.answers(&parsed) {
                    continue;
                }
                if let Some(key) = search.try_slot(index, key, &slot.age_file)? {
                    return VaultKey::from_parts(key, &keyslot)
                        .ok_or_else(|| Error::Internal("a keyslot did not encode".into()));
                }
            }
        }
        Err(Error::Vault(VaultError::NoSlotForIdentity {
            path: path.to_path_buf(),
        }))
    }
}

/// One open's search: SSH keys decrypted so far, and the plugin runs made.
struct Search<'a> {
    identities: &'a Identities,
    decrypted: Vec<Option<age::ssh::Identity>>,
    plugin_runs: usize,
}

impl Search<'_> {
    /// The vault key in `age_file` if identity `index` opens it.
    fn try_slot(&mut self, index: usize, key: &SlotKey, age_file: &[u8]) -> Result<Option<Key32>> {
        match key {
            SlotKey::X25519 { identity, .. } => Ok(open_slot(age_file, identity).ok().flatten()),
            SlotKey::Ssh { name, key, .. } => {
                if self.decrypted[index].is_none() {
                    self.decrypted[index] = Some(self.unencrypted(key, name)?);
                }
                let unencrypted = self.decrypted[index].as_ref().expect("just decrypted");
                Ok(open_slot(age_file, unencrypted).ok().flatten())
            }
            SlotKey::Plugin {
                plugin, identity, ..
            } => {
                if self.plugin_runs >= MAX_PLUGIN_RUNS {
                    return Ok(None);
                }
                self.plugin_runs += 1;
                let prompts = &self.identities.prompts;
                let binary = format!("age-plugin-{plugin}");
                let Some(runnable) = plugin_identity(plugin, identity, prompts) else {
                    return Err(Error::Vault(VaultError::PluginNotInstalled { binary }));
                };
                prompts.1.store(false, Ordering::SeqCst);
                let opened = open_slot(age_file, &runnable);
                // A question that got no answer makes the plugin fail or find nothing.
                match (opened, prompts.1.load(Ordering::SeqCst)) {
                    (Ok(Some(key)), _) => Ok(Some(key)),
                    (_, true) => Err(Error::Vault(VaultError::PluginCancelled { binary })),
                    (Ok(None), false) => Ok(None),
                    (Err(why), false) => Err(Error::Vault(VaultError::PluginFailed {
                        binary,
                        why: why.unwrap_or_else(|| "it gave no reason".into()),
                    })),
                }
            }
        }
    }

    /// The SSH key unencrypted: as it is, or decrypted with its passphrase, asked once.
    fn unencrypted(&self, key: &age::ssh::Identity, name: &str) -> Result<age::ssh::Identity> {
        let age::ssh::Identity::Encrypted(encrypted) = key else {
            return Ok(key.clone());
        };
        let name = name.to_string();
        let question = format!(
            "Passphrase for the SSH key {}",
            crate::untrusted::quoted(&name)
        );
        let Some(passphrase) = self.identities.prompts.0.secret_value(&question) else {
            return Err(Error::Vault(VaultError::SshPassphraseUnanswered { name }));
        };
        let passphrase = age::secrecy::SecretString::from(passphrase.expose().to_string());
        match encrypted.decrypt(passphrase) {
            Ok(unencrypted) => Ok(age::ssh::Identity::Unencrypted(unencrypted)),
            Err(_) => Err(Error::Vault(VaultError::WrongSshPassphrase { name })),
        }
    }
}

/// The vault key in one slot's age file; `Ok(None)` when the identity does not open it,
/// `Err` with what a plugin said when the identity's plugin failed (`None`: it said
/// nothing).
fn open_slot(
    age_file: &[u8],
    identity: &dyn age::Identity,
) -> Result<Option<Key32>, Option<String>> {
    // The header's parse already bounded the age file (size, stanzas, no scrypt).
    let decryptor = match age::Decryptor::new_buffered(age_file) {
        Ok(decryptor) if !decryptor.is_scrypt() => decryptor,
        _ => return Ok(None),
    };
    let mut reader = match decryptor.decrypt(std::iter::once(identity)) {
        Ok(reader) => reader,
        Err(age::DecryptError::Plugin(errors)) => {
            let messages = errors.iter().map(ToString::to_string);
            return Err(Some(crate::vault::plugin_messages(messages)));
        }
        Err(age::DecryptError::Io(e)) => {
            return Err(Some(crate::untrusted::quoted(&e.to_string())));
        }
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

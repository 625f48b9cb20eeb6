//! age encryption of backup files: parsing recipients and identities, encrypting to them or
//! to a passphrase (scrypt), decrypting, and sorting age's errors into keycellar's classes.
//!
//! Files are standard age v1 (age-encryption.org/v1), so the stock `age` tool opens them.

use crate::error::{Error, Result};
use crate::secret::{Secret, SecretBytes};
use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// What age plugins and encrypted SSH keys may ask of a person. The command line answers on
/// the terminal; another front end answers its own way, and [`NoPrompts`] declines.
pub trait Prompts: Send + Sync {
    /// Shows a message (e.g. "touch your hardware key").
    fn message(&self, text: &str);
    /// Asks a yes/no question; `None` when it cannot be asked.
    fn confirm(&self, question: &str, yes: &str, no: Option<&str>) -> Option<bool>;
    /// Asks for a value that is not secret.
    fn public_value(&self, description: &str) -> Option<String>;
    /// Asks for a secret (a key's passphrase or PIN).
    fn secret_value(&self, description: &str) -> Option<Secret>;
}

/// Declines every question: for identities that never ask (a paper sheet's own key).
pub struct NoPrompts;

impl Prompts for NoPrompts {
    fn message(&self, _text: &str) {}
    fn confirm(&self, _question: &str, _yes: &str, _no: Option<&str>) -> Option<bool> {
        None
    }
    fn public_value(&self, _description: &str) -> Option<String> {
        None
    }
    fn secret_value(&self, _description: &str) -> Option<Secret> {
        None
    }
}

/// age wants its callbacks by value and cloneable; this carries shared [`Prompts`].
#[derive(Clone)]
struct Callbacks(Arc<dyn Prompts>);

impl age::Callbacks for Callbacks {
    fn display_message(&self, message: &str) {
        self.0.message(message);
    }

    fn confirm(&self, message: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        self.0.confirm(message, yes, no)
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        self.0.public_value(description)
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        self.0
            .secret_value(description)
            .map(|s| SecretString::from(s.expose().to_string()))
    }
}

/// scrypt work factor (log2 N) keycellar writes: the age CLI's default, about 1 s on a
/// desktop. Fixed, because the age crate's own calibration picks machine-dependent values.
pub const SCRYPT_WORK_FACTOR: u8 = 18;
/// Highest scrypt work factor keycellar accepts when decrypting (age's CLI default is 22 too).
pub const SCRYPT_MAX_WORK_FACTOR: u8 = 22;

/// How a backup is encrypted.
pub enum Encryption {
    /// To these recipients (one age file any of them can open).
    Recipients(Recipients),
    /// To a passphrase, with age's scrypt recipient.
    Passphrase(Secret),
}

/// Parsed recipients, with the strings they came from (for the vault's record).
pub struct Recipients {
    native: Vec<Box<dyn age::Recipient + Send>>,
    plugins: Vec<age::plugin::Recipient>,
    /// The recipients as given, e.g. `age1...` or `ssh-ed25519 AAAA... comment`.
    pub described: Vec<String>,
    prompts: Callbacks,
}

impl Default for Recipients {
    fn default() -> Self {
        Recipients::with_prompts(Arc::new(NoPrompts))
    }
}

/// How a recipient that does not parse is named in an error: as given, unless it is a
/// secret key pasted by mistake, which is never repeated.
fn shown_recipient(text: &str) -> String {
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("AGE-SECRET-KEY-") || upper.starts_with("AGE-PLUGIN-") {
        "(an age identity, which is a secret key; give its public age1... recipient instead)".into()
    } else if text.contains("PRIVATE KEY") {
        "(a private key; give the public key instead)".into()
    } else {
        format!("{text:?}")
    }
}

impl Recipients {
    /// No recipients yet; plugins ask their questions through `prompts`.
    pub fn with_prompts(prompts: Arc<dyn Prompts>) -> Self {
        Recipients {
            native: Vec::new(),
            plugins: Vec::new(),
            described: Vec::new(),
            prompts: Callbacks(prompts),
        }
    }

    /// Parses one recipient string, naming it in the error if it does not parse (a secret
    /// key given by mistake is never named).
    pub fn add(&mut self, text: &str) -> Result<()> {
        let text = text.trim();
        let bad = |why: &str| Error::BadRecipient {
            shown: shown_recipient(text),
            why: why.to_string(),
        };
        if text.starts_with("ssh-") {
            let r = text
                .parse::<age::ssh::Recipient>()
                .map_err(|e| bad(&format!("{e:?}")))?;
            self.native.push(Box::new(r));
        } else if text.starts_with("age1tagpq1") {
            self.native.push(Box::new(
                text.parse::<age::tagpq::Recipient>().map_err(bad)?,
            ));
        } else if text.starts_with("age1tag1") {
            self.native
                .push(Box::new(text.parse::<age::tag::Recipient>().map_err(bad)?));
        } else if let Ok(r) = text.parse::<age::x25519::Recipient>() {
            self.native.push(Box::new(r));
        } else if text.starts_with("age1") {
            self.plugins
                .push(text.parse::<age::plugin::Recipient>().map_err(bad)?);
        } else {
            return Err(bad(
                "expected an age1... recipient or an ssh-ed25519 / ssh-rsa public key",
            ));
        }
        self.described.push(text.to_string());
        Ok(())
    }

    /// Reads a recipients file in age's format: one recipient a line, `#` comments and
    /// blank lines ignored.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read recipients file {}", path.display()), e))?;
        let mut found = 0;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            self.add(line).map_err(|e| Error::RecipientsFileLine {
                path: path.to_path_buf(),
                line: number + 1,
                inner: Box::new(e),
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(Error::NoRecipients {
                path: path.to_path_buf(),
            });
        }
        Ok(())
    }

    /// True when no recipient was given.
    pub fn is_empty(&self) -> bool {
        self.described.is_empty()
    }
}

/// Encrypts `plaintext` into an age file, armored (PEM-style text) when `armor` is set.
pub fn encrypt(encryption: &Encryption, plaintext: &[u8], armor: bool) -> Result<Vec<u8>> {
    let failed = |e: &dyn std::fmt::Display| Error::AgeEncryption(e.to_string());
    let mut plugin_recipients: Vec<Box<dyn age::Recipient + Send>> = Vec::new();
    let encryptor = match encryption {
        Encryption::Passphrase(passphrase) => {
            let mut recipient =
                age::scrypt::Recipient::new(SecretString::from(passphrase.expose().to_string()));
            recipient.set_work_factor(SCRYPT_WORK_FACTOR);
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| failed(&e))?
        }
        Encryption::Recipients(recipients) => {
            let mut by_plugin: BTreeMap<String, Vec<age::plugin::Recipient>> = BTreeMap::new();
            for r in &recipients.plugins {
                by_plugin
                    .entry(r.plugin().to_string())
                    .or_default()
                    .push(r.clone());
            }
            for (name, list) in by_plugin {
                let plugin = age::plugin::RecipientPluginV1::new(
                    &name,
                    &list,
                    &[],
                    recipients.prompts.clone(),
                )
                .map_err(|e| Error::PluginUnusable {
                    name: name.clone(),
                    why: e.to_string(),
                })?;
                plugin_recipients.push(Box::new(plugin));
            }
            let all = recipients.native.iter().chain(&plugin_recipients);
            age::Encryptor::with_recipients(all.map(|r| r.as_ref() as &dyn age::Recipient))
                .map_err(|e| failed(&e))?
        }
    };
    // Room for the armored size (a third more, plus line ends), so the output never moves.
    let mut out = Vec::with_capacity(plaintext.len() / 2 * 3 + 4096);
    let format = if armor {
        Format::AsciiArmor
    } else {
        Format::Binary
    };
    let io = |e: std::io::Error| failed(&e);
    let armored = ArmoredWriter::wrap_output(&mut out, format).map_err(io)?;
    let mut writer = encryptor.wrap_output(armored).map_err(io)?;
    writer.write_all(plaintext).map_err(io)?;
    writer.finish().and_then(|a| a.finish()).map_err(io)?;
    Ok(out)
}

/// Identities to try when decrypting, loaded from files.
pub struct Identities {
    loaded: Vec<Box<dyn age::Identity>>,
    prompts: Callbacks,
}

impl Default for Identities {
    fn default() -> Self {
        Identities::with_prompts(Arc::new(NoPrompts))
    }
}

impl Identities {
    /// No identities yet; plugins and encrypted SSH keys ask through `prompts`.
    pub fn with_prompts(prompts: Arc<dyn Prompts>) -> Self {
        Identities {
            loaded: Vec::new(),
            prompts: Callbacks(prompts),
        }
    }

    /// Loads an age identity file (as `age-keygen` writes, plugin identities included) or an
    /// SSH private key (an encrypted one asks for its passphrase when it is used).
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let name = path.display().to_string();
        let cannot = |e: std::io::Error| Error::io(format!("cannot read identity file {name}"), e);
        let text = Zeroizing::new(std::fs::read(path).map_err(cannot)?);
        self.add_bytes(&text, &name)
    }

    /// Loads identities from the text of an identity file or SSH private key.
    pub fn add_bytes(&mut self, text: &[u8], name: &str) -> Result<()> {
        let name = name.to_string();
        if let Ok(file) = age::IdentityFile::from_buffer(BufReader::new(text)) {
            let identities = file
                .with_callbacks(self.prompts.clone())
                .into_identities()
                .map_err(|e| Error::BadIdentity {
                    name: name.clone(),
                    why: e.to_string(),
                })?;
            for identity in identities {
                self.loaded.push(identity);
            }
            return Ok(());
        }
        let ssh = age::ssh::Identity::from_buffer(BufReader::new(text), Some(name.clone()))
            .map_err(|_| Error::NotAnIdentity { name: name.clone() })?;
        if let age::ssh::Identity::Unsupported(_) = &ssh {
            return Err(Error::BadIdentity {
                name,
                why: "this SSH key type cannot decrypt age files".into(),
            });
        }
        self.loaded
            .push(Box::new(ssh.with_callbacks(self.prompts.clone())));
        Ok(())
    }

    /// True when no identity was loaded.
    pub fn is_empty(&self) -> bool {
        self.loaded.is_empty()
    }
}

/// Decrypts an age file (armored or binary). A passphrase-encrypted file takes its
/// passphrase from `passphrase`, which is only called for such files.
pub fn decrypt<E: From<Error>>(
    file: &[u8],
    identities: &Identities,
    passphrase: impl FnOnce() -> Result<Secret, E>,
    name: &str,
) -> Result<SecretBytes, E> {
    let damaged = |what: String| Error::DamagedBackup {
        name: name.to_string(),
        what,
    };
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(file))
        .map_err(|e| classify(e, name, false))?;
    let scrypt_identity;
    let chosen: Vec<&dyn age::Identity> = if decryptor.is_scrypt() {
        let secret = passphrase()?;
        let mut identity =
            age::scrypt::Identity::new(SecretString::from(secret.expose().to_string()));
        identity.set_max_work_factor(SCRYPT_MAX_WORK_FACTOR);
        scrypt_identity = identity;
        vec![&scrypt_identity]
    } else {
        if identities.is_empty() {
            return Err(Error::NeedIdentity {
                name: name.to_string(),
            }
            .into());
        }
        identities.loaded.iter().map(|b| b.as_ref()).collect()
    };
    let is_scrypt = decryptor.is_scrypt();
    let mut reader = decryptor
        .decrypt(chosen.into_iter())
        .map_err(|e| classify(e, name, is_scrypt))?;
    let mut plaintext = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plaintext)
        .map_err(|e| damaged(format!("fails to authenticate its encrypted content ({e})")))?;
    Ok(plaintext)
}

/// Maps age's decryption errors to keycellar's classes: no key that fits (exit 3) versus a
/// damaged or foreign file (exit 5).
fn classify(error: age::DecryptError, name: &str, is_scrypt: bool) -> Error {
    use age::DecryptError as E;
    let damaged = |what: &str| Error::DamagedBackup {
        name: name.to_string(),
        what: what.to_string(),
    };
    match error {
        E::NoMatchingKeys => Error::NoMatchingIdentity {
            name: name.to_string(),
        },
        E::DecryptionFailed | E::KeyDecryptionFailed if is_scrypt => Error::WrongBackupPassphrase {
            name: name.to_string(),
        },
        E::DecryptionFailed | E::KeyDecryptionFailed => Error::NoMatchingIdentity {
            name: name.to_string(),
        },
        E::UnknownFormat => damaged("is not an age file of a version keycellar reads"),
        E::InvalidHeader => damaged("has a damaged age header"),
        E::InvalidMac => damaged("has a damaged age header (its MAC does not match)"),
        E::ExcessiveWork { required, target } => damaged(&format!(
            "asks for scrypt work factor {required}, above the allowed {target}"
        )),
        E::Io(e) => damaged(&format!("could not be read as age ({e})")),
        other => Error::AgeDecryption {
            name: name.to_string(),
            why: other.to_string(),
        },
    }
}

/// Makes a new X25519 identity; returns (file text in `age-keygen` format, public recipient).
pub fn keygen(created_at: &str) -> (Zeroizing<String>, String) {
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let text = Zeroizing::new(format!(
        "# created: {created_at}\n# public key: {public}\n{}\n",
        identity.to_string().expose_secret()
    ));
    (text, public)
}

#[cfg(test)]
mod tests;

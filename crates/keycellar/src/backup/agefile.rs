//! age encryption of backup files: parsing recipients and identities, encrypting to them or
//! to a passphrase (scrypt), decrypting, and sorting age's errors into keycellar's classes.
//!
//! Files are standard age v1 (age-encryption.org/v1), so the stock `age` tool opens them.
//! `keys` reads recipients and identities; `prompts` is how plugins and encrypted SSH keys
//! ask their questions; `header` looks at a file's header, bounded, before age parses it;
//! `scrypt` is age's passphrase recipient and identity, with keycellar's own scrypt (whose
//! memory failing is an error, not an abort), run once per stanza and bounded in all;
//! `slot` opens a vault through its age keyslots with the identities loaded here, as
//! `slot_keys` sees them (each with the recipient it answers for, in canonical form).

use crate::error::BackupError;
use crate::error::{Error, Result};
use crate::passphrase::NewPassphrase;
use crate::passphrase::cost::Kdf;
use crate::secret::SecretBytes;
use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::io::Write;
use zeroize::Zeroizing;

mod header;
mod keys;
mod prompts;
mod scrypt;
mod slot;
mod slot_keys;

pub use header::{MAX_HEADER_LEN, MAX_STANZAS, NotAge};
pub use keys::{Identities, MAX_KEY_FILE_LEN, Recipients, recipients_of};
pub use prompts::{NoPrompts, Prompts};
pub use scrypt::MAX_SCRYPT_WORK;
pub use slot::SlotIdentities;

/// scrypt work factor (log2 N) keycellar writes: the age CLI's default, about 1 s on a
/// desktop. Fixed, because the age crate's own calibration picks machine-dependent values.
pub const SCRYPT_WORK_FACTOR: u8 = 18;
/// Highest scrypt work factor a passphrase-encrypted file may ask for unless the caller
/// allows more: 2^20 costs 1 GiB of memory and about 4 s; each step doubles both.
pub const DEFAULT_MAX_WORK_FACTOR: u8 = 20;
/// The most a caller may allow: 2^22 costs 4 GiB.
pub const HIGHEST_WORK_FACTOR: u8 = 22;
/// Tells, before a passphrase is asked for, whether scrypt at `work_factor` could have its
/// memory (1 KiB times N, at age's r = 8) now, by mapping that much address space (not
/// touching it) and unmapping it at once. Only an early answer: the memory may be gone
/// when scrypt asks for it, and then scrypt itself fails with the same error (`scrypt`).
pub fn check_scrypt_memory(work_factor: u8) -> Result<()> {
    use rustix::mm::{MapFlags, ProtFlags, mmap_anonymous, munmap};
    let memory_mib = scrypt::kdf::age_memory_mib(work_factor);
    let len = (memory_mib as usize) << 20;
    let flags = MapFlags::PRIVATE | MapFlags::NORESERVE;
    // SAFETY: a fresh private mapping at an address the kernel chooses, never accessed,
    // and unmapped with the length it was mapped with.
    let mapped = unsafe { mmap_anonymous(std::ptr::null_mut(), len, ProtFlags::empty(), flags) };
    match mapped {
        Ok(at) => {
            // SAFETY: as above; failing to unmap would only leave address space reserved.
            let _ = unsafe { munmap(at, len) };
            Ok(())
        }
        Err(_) => Err(Error::Backup(BackupError::ScryptOutOfMemory { memory_mib })),
    }
}

/// Fails with [`BackupError::NotAnAgeFile`] when `file` is not an age file at all (a PDF, a
/// `.env`, a vault), rather than letting it be called damaged; a damaged age file passes.
pub fn check_is_age(file: &[u8], name: &str) -> Result<()> {
    match header::identify(file) {
        Some(what) => Err(Error::Backup(BackupError::NotAnAgeFile {
            name: name.to_string(),
            what,
        })),
        None => Ok(()),
    }
}

/// How a backup is encrypted.
pub enum Encryption {
    /// To these recipients (one age file any of them can open).
    Recipients(Recipients),
    /// To a passphrase, with age's scrypt recipient; it must clear the floor at
    /// [`SCRYPT_WORK_FACTOR`] (`NewPassphrase::check`).
    Passphrase(NewPassphrase),
}

/// How the vault's record of backups names who can open a passphrase-encrypted backup.
pub const PASSPHRASE_RECIPIENT: &str = "passphrase (age scrypt)";

impl Encryption {
    /// Who can open a backup encrypted so, as the vault's record of backups lists them:
    /// the recipients as given, or the passphrase.
    pub fn described(&self) -> Vec<String> {
        match self {
            Encryption::Recipients(recipients) => recipients.described.clone(),
            Encryption::Passphrase(_) => vec![PASSPHRASE_RECIPIENT.to_string()],
        }
    }
}

/// Encrypts `plaintext` into an age file, armored (PEM-style text) when `armor` is set.
pub fn encrypt(encryption: &Encryption, plaintext: &[u8], armor: bool) -> Result<Vec<u8>> {
    let failed =
        |e: &dyn std::fmt::Display| Error::Backup(BackupError::AgeEncryption(e.to_string()));
    let mut plugin_recipients: Vec<Box<dyn age::Recipient + Send>> = Vec::new();
    let encryptor = match encryption {
        Encryption::Passphrase(passphrase) => {
            passphrase.check(Kdf::Scrypt {
                log_n: SCRYPT_WORK_FACTOR,
            })?;
            let recipient = scrypt::PassphraseRecipient {
                passphrase: passphrase.secret(),
                work_factor: SCRYPT_WORK_FACTOR,
            };
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| match e {
                    age::EncryptError::Io(e) if e.kind() == std::io::ErrorKind::OutOfMemory => {
                        Error::Backup(BackupError::ScryptOutOfMemory {
                            memory_mib: scrypt::kdf::age_memory_mib(SCRYPT_WORK_FACTOR),
                        })
                    }
                    other => failed(&other),
                })?
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
                .map_err(|e| {
                    Error::Backup(BackupError::PluginUnusable {
                        name: name.clone(),
                        why: e.to_string(),
                    })
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

/// Decrypts an age file (armored or binary). A passphrase-encrypted file takes its
/// passphrase from the identities' prompts, which are only asked for such files.
pub fn decrypt(file: &[u8], identities: &Identities, name: &str) -> Result<SecretBytes> {
    let damaged = |what: String| {
        Error::Backup(BackupError::DamagedBackup {
            name: name.to_string(),
            what,
        })
    };
    let header = header::scan(file).map_err(|oversized| {
        Error::Backup(BackupError::AgeHeaderRefused {
            name: name.to_string(),
            why: match oversized {
                header::Oversized::Stanzas(_) => format!(
                    "has more than {MAX_STANZAS} recipient stanzas (a backup has one per recipient)"
                ),
                header::Oversized::Length => format!("is longer than {MAX_HEADER_LEN} bytes"),
            },
        })
    })?;
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(file))
        .map_err(|e| classify(e, name, false))?;
    let (secret, scrypt_identity);
    {
        let mut spent = identities.scrypt.borrow_mut();
        (spent.exhausted, spent.out_of_memory) = (false, None);
    }
    let chosen: Vec<&dyn age::Identity> = if decryptor.is_scrypt() {
        let work_factor = header.and_then(|h| h.scrypt_work_factor);
        if let Some(work_factor) = work_factor.filter(|w| *w <= identities.max_work_factor) {
            check_scrypt_memory(work_factor)?;
        }
        secret = identities.backup_passphrase(name)?;
        scrypt_identity = scrypt::OncePerStanza {
            passphrase: &secret,
            spent: &identities.scrypt,
            max_work_factor: identities.max_work_factor,
        };
        vec![&scrypt_identity]
    } else {
        if identities.is_empty() {
            return Err(Error::Backup(BackupError::NeedIdentity {
                name: name.to_string(),
            }));
        }
        identities.loaded.iter().map(|b| b.as_ref()).collect()
    };
    let is_scrypt = decryptor.is_scrypt();
    let mut reader = decryptor
        .decrypt(chosen.into_iter())
        .map_err(|e| decrypt_failed(e, identities, name, is_scrypt))?;
    // The plaintext holds every secret of the backup: read so that no copy is left behind.
    let plaintext = crate::secret::read_wiped(&mut reader, u64::MAX).map_err(|e| {
        damaged(match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "is cut short: it ends before its age payload does (a partial copy?)".into()
            }
            _ => "fails to authenticate its encrypted content: it was changed or damaged".into(),
        })
    })?;
    Ok(plaintext)
}

/// Why age did not decrypt: a work factor over the limit, the scrypt work bound spent, the
/// memory scrypt needs refused, or [`classify`]'s classes.
fn decrypt_failed(
    error: age::DecryptError,
    identities: &Identities,
    name: &str,
    is_scrypt: bool,
) -> Error {
    let spent = identities.scrypt.borrow();
    match error {
        age::DecryptError::ExcessiveWork { required, .. } => {
            Error::Backup(BackupError::WorkFactorTooHigh {
                name: name.to_string(),
                required,
                allowed: identities.max_work_factor,
            })
        }
        _ if spent.exhausted => Error::Backup(BackupError::ScryptWorkExhausted {
            name: name.to_string(),
        }),
        other => match &spent.out_of_memory {
            Some(refused) => Error::Backup(BackupError::ScryptOutOfMemory {
                memory_mib: refused.memory_mib,
            }),
            None => classify(other, name, is_scrypt),
        },
    }
}

/// Maps age's decryption errors to keycellar's classes: no key that fits (exit 3) versus a
/// damaged or foreign file (exit 5).
fn classify(error: age::DecryptError, name: &str, is_scrypt: bool) -> Error {
    use age::DecryptError as E;
    let damaged = |what: &str| {
        Error::Backup(BackupError::DamagedBackup {
            name: name.to_string(),
            what: what.to_string(),
        })
    };
    match error {
        E::NoMatchingKeys => Error::Backup(BackupError::NoMatchingIdentity {
            name: name.to_string(),
        }),
        E::DecryptionFailed | E::KeyDecryptionFailed if is_scrypt => {
            Error::Backup(BackupError::WrongBackupPassphrase {
                name: name.to_string(),
            })
        }
        E::DecryptionFailed | E::KeyDecryptionFailed => {
            Error::Backup(BackupError::NoMatchingIdentity {
                name: name.to_string(),
            })
        }
        E::UnknownFormat => damaged("is not an age file of a version keycellar reads"),
        E::InvalidHeader => damaged("has a damaged age header"),
        E::InvalidMac => damaged("has a damaged age header (its MAC does not match)"),
        E::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            damaged("is cut short: it ends before its age payload does (a partial copy?)")
        }
        E::Io(_) => damaged("could not be read as an age file: its payload is damaged"),
        other => Error::Backup(BackupError::AgeDecryption {
            name: name.to_string(),
            why: other.to_string(),
        }),
    }
}

/// Makes a new X25519 identity; returns (its `AGE-SECRET-KEY-1...` line, public recipient).
pub fn new_identity() -> (Zeroizing<String>, String) {
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let secret = Zeroizing::new(identity.to_string().expose_secret().to_string());
    (secret, public)
}

/// Makes a new X25519 identity; returns (file text in `age-keygen` format, public recipient).
pub fn keygen(created_at: &str) -> (Zeroizing<String>, String) {
    let (secret, public) = new_identity();
    let text = Zeroizing::new(format!(
        "# created: {created_at}\n# public key: {public}\n{}\n",
        secret.as_str()
    ));
    (text, public)
}

#[cfg(test)]
mod tests;

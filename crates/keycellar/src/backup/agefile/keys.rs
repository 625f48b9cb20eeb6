//! Who can open a backup: recipients to encrypt to, and identities to decrypt with, read
//! from strings and files in age's formats (SSH keys too).

use super::DEFAULT_MAX_WORK_FACTOR;
use super::prompts::{Callbacks, NoPrompts, Prompts};
use super::scrypt::Spent;
use super::slot_keys::{SlotKey, age_file_keys};
use crate::error::{BackupError, VaultError};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::source::read_file_bounded;
use crate::untrusted::quoted;
use std::cell::RefCell;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The largest identity or recipients file keycellar reads (a few hundred bytes each).
pub const MAX_KEY_FILE_LEN: u64 = 1024 * 1024;

fn read_small_file(path: &Path, what: &'static str) -> Result<Vec<u8>> {
    read_file_bounded(path, what, MAX_KEY_FILE_LEN)
}

/// Reads an identity file, which must be a regular file: it is opened without blocking,
/// so a FIFO planted at its path (or a device) is refused, never waited on (`agent start
/// --identity` at boot must not hang).
fn read_identity_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.display().to_string();
    let cannot = |e| Error::io(format!("cannot read the identity file {name}"), e);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    if !metadata.is_file() {
        return Err(Error::Backup(BackupError::BadIdentity {
            name,
            why: "it is not a regular file (a FIFO, a device or a directory)".into(),
        }));
    }
    let too_large = || {
        Error::Input(crate::error::InputError::InputTooLarge {
            what: "identity file",
            source_name: name.clone(),
            limit: MAX_KEY_FILE_LEN,
        })
    };
    if metadata.len() > MAX_KEY_FILE_LEN {
        return Err(too_large());
    }
    let bytes = crate::secret::read_wiped(&mut file, MAX_KEY_FILE_LEN).map_err(cannot)?;
    match bytes.len() as u64 > MAX_KEY_FILE_LEN {
        true => Err(too_large()),
        false => Ok(bytes),
    }
}

/// Parsed recipients, with the strings they came from (for the vault's record).
pub struct Recipients {
    pub(super) native: Vec<Box<dyn age::Recipient + Send>>,
    pub(super) plugins: Vec<age::plugin::Recipient>,
    /// The recipients as given, e.g. `age1...` or `ssh-ed25519 AAAA... comment`.
    pub described: Vec<String>,
    pub(super) prompts: Callbacks,
}

impl Default for Recipients {
    fn default() -> Self {
        Recipients::with_prompts(Arc::new(NoPrompts))
    }
}

/// How a recipient that does not parse is named in an error: quoted as given, unless it
/// is a secret key pasted by mistake, which is never repeated.
fn shown_recipient(text: &str) -> String {
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("AGE-SECRET-KEY-") || upper.starts_with("AGE-PLUGIN-") {
        "(an age identity, which is a secret key; give its public age1... recipient instead)".into()
    } else if text.contains("PRIVATE KEY") {
        "(a private key; give the public key instead)".into()
    } else {
        quoted(text)
    }
}

impl Recipients {
    /// No recipients yet; plugins ask their questions through `prompts`.
    pub fn with_prompts(prompts: Arc<dyn Prompts>) -> Self {
        Recipients {
            native: Vec::new(),
            plugins: Vec::new(),
            described: Vec::new(),
            prompts: Callbacks::new(prompts),
        }
    }

    /// Parses one recipient string, naming it in the error if it does not parse (a secret
    /// key given by mistake is never named).
    pub fn add(&mut self, text: &str) -> Result<()> {
        let text = text.trim();
        let bad = |why: &str| {
            Error::Backup(BackupError::BadRecipient {
                shown: shown_recipient(text),
                why: why.to_string(),
            })
        };
        if text.starts_with("ssh-") {
            let r = text
                .parse::<age::ssh::Recipient>()
                .map_err(|e| bad(&ssh_recipient_problem(e)))?;
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
        let bytes = read_small_file(path, "recipients file")?;
        let text = String::from_utf8_lossy(&bytes);
        let mut found = 0;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            self.add(line).map_err(|e| {
                Error::Backup(BackupError::RecipientsFileLine {
                    path: path.to_path_buf(),
                    line: number + 1,
                    inner: Box::new(e),
                })
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(Error::Backup(BackupError::NoRecipients {
                path: path.to_path_buf(),
            }));
        }
        Ok(())
    }

    /// True when no recipient was given.
    pub fn is_empty(&self) -> bool {
        self.described.is_empty()
    }
}

/// Identities to try when decrypting, loaded from files.
pub struct Identities {
    pub(super) loaded: Vec<Box<dyn age::Identity>>,
    /// The same identities as the keyslots see them, each with what it answers for.
    pub(super) slot_keys: Vec<SlotKey>,
    pub(super) prompts: Callbacks,
    /// Highest scrypt work factor a passphrase-encrypted file may ask for.
    pub(super) max_work_factor: u8,
    /// The scrypt runs made through these identities, shared and bounded (`scrypt`).
    pub(super) scrypt: RefCell<Spent>,
    /// The backup passphrase once it was asked for: the answer, or `None` when there was
    /// none. Kept so that it is asked at most once (`backup_passphrase`).
    backup_passphrase: RefCell<Option<Option<Secret>>>,
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
            slot_keys: Vec::new(),
            prompts: Callbacks::new(prompts),
            max_work_factor: DEFAULT_MAX_WORK_FACTOR,
            scrypt: RefCell::default(),
            backup_passphrase: RefCell::default(),
        }
    }

    /// Identities that open passphrase-encrypted files with `passphrase` and nothing else,
    /// asking nobody, at the default work limit: for parts of a backup (a split's shares)
    /// that must not reach the identities or the limit given for the backup itself.
    pub(crate) fn answering(passphrase: Secret) -> Self {
        let identities = Identities::default();
        *identities.backup_passphrase.borrow_mut() = Some(Some(passphrase));
        identities
    }

    /// The passphrase of the passphrase-encrypted backup `name`, asked through the prompts
    /// the first time one is needed; later files (a sheet key tried from several texts, the
    /// shares of a split) get the same answer, or the same lack of one, without asking. A
    /// front end that wants to ask again (after a wrong answer) makes new identities.
    pub(crate) fn backup_passphrase(&self, name: &str) -> Result<Secret> {
        let mut asked = self.backup_passphrase.borrow_mut();
        let answer = asked.get_or_insert_with(|| self.prompts.0.backup_passphrase(name));
        answer.clone().ok_or_else(|| {
            Error::Backup(BackupError::NoBackupPassphrase {
                name: name.to_string(),
            })
        })
    }

    /// Loads an age identity file (as `age-keygen` writes, plugin identities included) or an
    /// SSH private key (an encrypted one asks for its passphrase when it is used).
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let name = path.display().to_string();
        let text = read_identity_file(path)?;
        self.add_bytes(&text, &name)
    }

    /// Loads identities from the text of an identity file or SSH private key.
    pub fn add_bytes(&mut self, text: &[u8], name: &str) -> Result<()> {
        let name = name.to_string();
        if let Ok(file) = age::IdentityFile::from_buffer(BufReader::new(text)) {
            let identities = file
                .with_callbacks(self.prompts.clone())
                .into_identities()
                .map_err(|e| match e {
                    age::DecryptError::PluginResolve(
                        age::plugin::ResolveError::MissingPlugin { binary_name },
                    ) => Error::Vault(VaultError::PluginNotInstalled {
                        binary: binary_name,
                    }),
                    other => Error::Backup(BackupError::BadIdentity {
                        name: name.clone(),
                        why: other.to_string(),
                    }),
                })?;
            if identities.is_empty() {
                return Err(Error::Backup(BackupError::BadIdentity {
                    name,
                    why: "it holds no identity (only blank lines and comments)".into(),
                }));
            }
            for identity in identities {
                self.loaded.push(identity);
            }
            self.slot_keys
                .extend(age_file_keys(&String::from_utf8_lossy(text)));
            return Ok(());
        }
        let ssh = age::ssh::Identity::from_buffer(BufReader::new(text), Some(name.clone()))
            .map_err(|_| Error::Backup(BackupError::NotAnIdentity { name: name.clone() }))?;
        if let age::ssh::Identity::Unsupported(_) = &ssh {
            return Err(Error::Backup(BackupError::BadIdentity {
                name,
                why: "this SSH key type cannot decrypt age files".into(),
            }));
        }
        self.slot_keys.push(SlotKey::ssh(ssh.clone(), &name));
        self.loaded
            .push(Box::new(ssh.with_callbacks(self.prompts.clone())));
        Ok(())
    }

    /// Lets a passphrase-encrypted file ask for scrypt work up to `work_factor` (log2 N;
    /// each step doubles time and memory).
    pub fn set_max_work_factor(&mut self, work_factor: u8) {
        self.max_work_factor = work_factor;
    }

    /// True when no identity was loaded.
    pub fn is_empty(&self) -> bool {
        self.loaded.is_empty()
    }

    /// True when the last decryption through these identities was refused because the
    /// scrypt work they may do (`MAX_SCRYPT_WORK`) was spent: trying more is pointless.
    pub fn scrypt_work_spent(&self) -> bool {
        self.scrypt.borrow().exhausted
    }
}

/// The recipients of the identities in an age identity file, one a line, as `age-keygen -y`
/// prints them: what exports to it are encrypted to.
pub fn recipients_of(path: &Path) -> Result<String> {
    let name = path.display().to_string();
    let text = read_identity_file(path)?;
    let bad = |why: &str| {
        Error::Backup(BackupError::BadIdentity {
            name: name.clone(),
            why: why.into(),
        })
    };
    if text.windows(11).any(|w| w == b"PRIVATE KEY") {
        return Err(bad(
            "an SSH private key; its recipient is the public key in its .pub file",
        ));
    }
    let file = age::IdentityFile::from_buffer(BufReader::new(&text[..]))
        .map_err(|_| Error::Backup(BackupError::NotAnIdentity { name: name.clone() }))?;
    let mut recipients = Vec::new();
    file.write_recipients_file(&mut recipients)
        .map_err(|e| bad(&e.to_string()))?;
    String::from_utf8(recipients).map_err(|_| bad("its recipients are not text"))
}

/// What is wrong with an SSH public key given as a recipient, in a person's words.
fn ssh_recipient_problem(error: age::ssh::ParseRecipientKeyError) -> String {
    use age::ssh::ParseRecipientKeyError as E;
    match error {
        E::RsaModulusTooLarge => "its RSA key is larger than age supports (16384 bits)".into(),
        E::RsaModulusTooSmall => "its RSA key is shorter than 2048 bits, too weak for age".into(),
        E::Unsupported(kind) => format!(
            "SSH keys of type {} cannot be recipients; use an ssh-ed25519 or ssh-rsa key",
            crate::untrusted::quoted(&kind)
        ),
        // Ignore, Invalid, and whatever a later age adds.
        _ => "it is not a whole SSH public key (copy the entire line of the .pub file: type, \
              key and comment)"
            .into(),
    }
}

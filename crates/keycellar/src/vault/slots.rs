//! The keyslots of an open vault: listing them, adding an age slot from a public recipient,
//! removing one. Adding and removing keep the vault key, so no save ever needs a token;
//! `rekey` (in `rekey.rs`) makes a new key and re-wraps it to every slot's recipient.
//!
//! A vault always keeps a slot that opens without hardware (a passphrase, an X25519 or an
//! SSH slot): tokens get lost, and a TPM's secret breaks with a firmware update. `wrap`
//! makes a slot's age file from the public recipient; `recipient` parses a recipient into
//! its kind and canonical form (lower-case bech32), which slots record and compare.

use super::format::age_slot::{self, AgeSlot, PASSPHRASE_NAME};
use super::format::keyslot::Keyslot;
use super::format::{self, Header};
use super::{LockedVault, Vault};
use crate::clock::Timestamp;
use crate::error::{Error, Result, VaultError};
use crate::untrusted::quoted;

pub(crate) mod recipient;
mod wrap;

pub(crate) use wrap::plugin_messages;
pub(super) use wrap::wrap_to;

/// What kind of key opens a keyslot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotKind {
    Passphrase,
    /// An age X25519 key (`age1...`).
    X25519,
    /// An SSH key (`ssh-ed25519`, `ssh-rsa`).
    Ssh,
    /// A tag recipient (`age1tag1...`, `age1tagpq1...`), e.g. a TPM's.
    Tag,
    /// An age plugin's recipient (`age1NAME1...`), with the plugin's name.
    Plugin(String),
    /// A keyslot type this version does not know, with its type byte.
    Unknown(u8),
}

impl std::fmt::Display for SlotKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SlotKind::Passphrase => f.write_str("passphrase"),
            SlotKind::X25519 => f.write_str("x25519"),
            SlotKind::Ssh => f.write_str("ssh"),
            SlotKind::Tag => f.write_str("tag"),
            SlotKind::Plugin(name) => write!(f, "plugin {name}"),
            SlotKind::Unknown(kind) => write!(f, "unknown type {kind}"),
        }
    }
}

/// One keyslot as `slot list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    /// `passphrase` (`passphrase-2`, ... for more), an age slot's own name, or
    /// `unknown-N` for a slot of a type this version does not know.
    pub name: String,
    pub kind: SlotKind,
    /// The age recipient the slot is wrapped to.
    pub recipient: Option<String>,
    /// When an age slot was added.
    pub created: Option<Timestamp>,
    /// True when only a hardware token or a plugin opens it.
    pub needs_hardware: bool,
}

/// The kind of an age recipient string, from its parse; a recipient that does not parse
/// (a header written elsewhere) is of no kind this version opens.
pub fn recipient_kind(recipient: &str) -> SlotKind {
    match recipient::parse(recipient) {
        Ok(parsed) => parsed.kind(),
        Err(_) => SlotKind::Unknown(age_slot::TYPE_AGE),
    }
}

/// Every keyslot of `header`, in header order, as `slot list` names them.
pub(super) fn list(header: &Header) -> Vec<SlotInfo> {
    let mut passphrases = 0;
    let mut unknown = 0;
    let numbered = |base: &str, count: usize| match count {
        1 => base.to_string(),
        n => format!("{base}-{n}"),
    };
    header
        .keyslots
        .iter()
        .map(|slot| match slot {
            Keyslot::Passphrase(_) => {
                passphrases += 1;
                SlotInfo {
                    name: numbered(PASSPHRASE_NAME, passphrases),
                    kind: SlotKind::Passphrase,
                    recipient: None,
                    created: None,
                    needs_hardware: false,
                }
            }
            Keyslot::Age(slot) => SlotInfo {
                name: slot.name.clone(),
                kind: recipient_kind(&slot.recipient),
                recipient: Some(slot.recipient.clone()),
                created: Timestamp::from_unix_seconds(slot.created),
                needs_hardware: slot.needs_hardware(),
            },
            Keyslot::Unknown { kind, .. } => {
                unknown += 1;
                SlotInfo {
                    name: numbered("unknown", unknown),
                    kind: SlotKind::Unknown(*kind),
                    recipient: None,
                    created: None,
                    needs_hardware: true,
                }
            }
        })
        .collect()
}

impl Vault {
    /// The vault's keyslots, in header order.
    pub fn keyslots(&self) -> Vec<SlotInfo> {
        list(&self.header)
    }
}

impl LockedVault {
    /// Adds an age keyslot wrapping the vault key to `recipient` (public key only: a
    /// plugin recipient runs its plugin's encryption side, which needs no token). `name`
    /// defaults to the recipient's kind and a number. The vault key stays the same.
    pub fn add_age_slot(&mut self, name: Option<&str>, recipient: &str) -> Result<SlotInfo> {
        let path = self.vault.path.clone();
        let existing = list(&self.vault.header);
        // The recipient is checked (and wrapped to) first: a default name is made from it.
        let age_file = wrap_to(recipient, &self.vault.key)?;
        // Recorded in canonical form, so that every comparison and count sees one key.
        let recipient = &recipient::parse(recipient)
            .map_err(|_| Error::Internal("a recipient wrapped to did not parse".into()))?
            .recorded(recipient);
        let name = match name {
            Some(name) => name.to_string(),
            None => default_name(&existing, recipient),
        };
        if let Some(why) = age_slot::new_name_problem(&name) {
            return Err(Error::Vault(VaultError::BadSlotName { name, why }));
        }
        if existing.iter().any(|slot| slot.name == name) {
            return Err(Error::Vault(VaultError::SlotExists { path, name }));
        }
        if existing.len() >= format::MAX_KEYSLOTS {
            let why = format!("a vault has at most {} keyslots", format::MAX_KEYSLOTS);
            return Err(Error::Vault(VaultError::SlotsFull { path, why }));
        }
        let slot = AgeSlot {
            name,
            recipient: recipient.to_string(),
            created: Timestamp::now().unix_seconds(),
            age_file,
        };
        if !slot.within_bounds() {
            return Err(Error::Vault(VaultError::BadSlotRecipient {
                shown: quoted(recipient),
                why: "its age file is larger than a keyslot holds (docs/FORMAT.md 1.2.1)".into(),
            }));
        }
        let mut header = self.vault.header.clone();
        header.keyslots.push(Keyslot::Age(slot));
        if format::encode_header(&header, 0).len() > format::MAX_HEADER_LEN as usize {
            let why = format!("a header has at most {} bytes", format::MAX_HEADER_LEN);
            return Err(Error::Vault(VaultError::SlotsFull { path, why }));
        }
        self.vault.header = header;
        self.keyslots_changed = true;
        Ok(list(&self.vault.header).pop().expect("the slot just added"))
    }

    /// Removes the keyslot `name` (as [`Vault::keyslots`] names it), unless it is the last
    /// one that opens without hardware. The vault key stays the same: a removed slot's
    /// identity still opens copies made before, and, until `rekey`, any copy of the
    /// removed slot's bytes.
    pub fn remove_slot(&mut self, name: &str) -> Result<SlotInfo> {
        let path = self.vault.path.clone();
        let slots = list(&self.vault.header);
        let Some(index) = slots.iter().position(|slot| slot.name == name) else {
            let name = name.to_string();
            return Err(Error::Vault(VaultError::SlotNotFound { path, name }));
        };
        let remaining_soft = slots
            .iter()
            .enumerate()
            .filter(|(i, slot)| *i != index && !slot.needs_hardware)
            .count();
        if !slots[index].needs_hardware && remaining_soft == 0 {
            let name = name.to_string();
            return Err(Error::Vault(VaultError::LastSlotWithoutHardware {
                path,
                name,
            }));
        }
        self.vault.header.keyslots.remove(index);
        self.keyslots_changed = true;
        Ok(slots[index].clone())
    }
}

/// `x25519`, `ssh`, `tag` or the plugin's name, then the first number not taken.
fn default_name(existing: &[SlotInfo], recipient: &str) -> String {
    let base = match recipient_kind(recipient) {
        SlotKind::Plugin(plugin) => plugin,
        other => other.to_string(),
    };
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| existing.iter().all(|slot| &slot.name != name))
        .expect("an unbounded range has a free number")
}

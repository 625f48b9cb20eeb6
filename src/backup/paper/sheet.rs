//! What a paper sheet holds, and getting entries back from it.
//!
//! A sheet has its own random age X25519 key. The sheet key (an identity file in
//! `age-keygen` format) is encrypted once, to the passphrase (age scrypt) or to recipients:
//! that is item `K`. Each entry is a one-entry export document (docs/FORMAT.md section 7)
//! encrypted to the sheet key: items `E001`, `E002`, ... So any one entry can be restored
//! without the others, and the passphrase's slow KDF runs once per sheet, not per entry.

use super::codes::{self, Code, Item};
use crate::backup::agefile::{self, Encryption, Identities, Recipients};
use crate::backup::export;
use crate::clock::Timestamp;
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::vault::Vault;

/// How the key item's first comment names the number of entries on the sheet.
const ENTRIES_PREFIX: &str = "entries: ";

/// Length of a code's header, `KC1 XXXXXXXX E001 01/02 XXXXXXXX `.
pub const HEADER_LEN: usize = 33;

/// One entry as printed: the non-secret index fields and its encrypted item.
pub struct SheetEntry {
    pub item: Item,
    pub label: String,
    pub exchange: String,
    pub masked_key: String,
    pub permissions: String,
    pub fingerprint: Fingerprint,
    pub base32: String,
}

/// Everything that goes on paper.
pub struct Sheet {
    /// 8 hex digits naming this sheet.
    pub id: String,
    pub created_at: Timestamp,
    pub vault_fingerprint: Fingerprint,
    /// `None` for a passphrase sheet, else the recipients the sheet key is encrypted to.
    pub recipients: Option<Vec<String>>,
    pub key_base32: String,
    pub entries: Vec<SheetEntry>,
}

fn base32(bytes: &[u8]) -> String {
    base32::encode(base32::Alphabet::Rfc4648 { padding: true }, bytes)
}

impl Sheet {
    /// Encrypts the chosen entries for paper.
    pub fn build(vault: &Vault, entries: Vec<&Entry>, encryption: &Encryption) -> Result<Sheet> {
        let id: String = crate::crypto::random_array::<4>()?
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        let created_at = Timestamp::now();
        let (key_text, public) = agefile::keygen(&created_at.to_string());
        // The entry count travels inside the encrypted key item, so a restore can tell an
        // entry whose codes were all missed from one that never existed.
        let key_text = zeroize::Zeroizing::new(format!(
            "# keycellar sheet {id}, {ENTRIES_PREFIX}{}\n{}",
            entries.len(),
            key_text.as_str()
        ));
        let key_file = agefile::encrypt(encryption, key_text.as_bytes(), false)?;
        let mut to_sheet = Recipients::default();
        to_sheet.add(&public)?;
        let to_sheet = Encryption::Recipients(to_sheet);
        let mut printed = Vec::with_capacity(entries.len());
        for (index, entry) in entries.into_iter().enumerate() {
            let document = export::build_single(entry)?;
            let item_file = agefile::encrypt(&to_sheet, &document, false)?;
            printed.push(SheetEntry {
                item: Item::Entry(index as u16 + 1),
                label: entry.label.clone(),
                exchange: entry.exchange.to_string(),
                masked_key: entry.masked_key(),
                permissions: entry.permission_summary(),
                fingerprint: entry.fingerprint,
                base32: base32(&item_file),
            });
        }
        Ok(Sheet {
            id,
            created_at,
            vault_fingerprint: vault.fingerprint(),
            recipients: match encryption {
                Encryption::Passphrase(_) => None,
                Encryption::Recipients(r) => Some(r.described.clone()),
            },
            key_base32: base32(&key_file),
            entries: printed,
        })
    }

    /// Every item with its base32 text, the key first.
    pub fn items(&self) -> Vec<(Item, &str)> {
        std::iter::once((Item::Key, self.key_base32.as_str()))
            .chain(self.entries.iter().map(|e| (e.item, e.base32.as_str())))
            .collect()
    }

    /// The QR codes of an item.
    pub fn codes(&self, item: Item, base32: &str) -> Vec<Code> {
        codes::split(
            &self.id,
            item,
            base32,
            super::qr::max_data_chars(HEADER_LEN),
        )
    }
}

/// Decrypts items read from paper. The key item is opened with `identities` or the
/// passphrase; then every complete entry item with the sheet key. With `labels`, only those
/// entries are returned, and items that could not be read only matter if a label is missing.
pub fn restore<E: From<Error>>(
    items: &super::ReadItems,
    identities: &Identities,
    passphrase: impl FnOnce() -> Result<Secret, E>,
    labels: &[String],
    name: &str,
) -> Result<Vec<Entry>, E> {
    let (sheet_identity, declared) = open_sheet_key(items, identities, passphrase, name)?;
    let mut unreadable = missing_items(items, declared);
    let mut restored = Vec::new();
    for (item, text) in items {
        if *item == Item::Key {
            continue;
        }
        match text {
            Ok(text) => restored.extend(
                decrypt_item(*item, text, &sheet_identity, name)?
                    .into_iter()
                    .filter(|e| labels.is_empty() || labels.contains(&e.label)),
            ),
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    let missing: Vec<&String> = labels
        .iter()
        .filter(|l| !restored.iter().any(|e| &e.label == *l))
        .collect();
    if (labels.is_empty() && !unreadable.is_empty()) || !missing.is_empty() {
        let mut problems = unreadable;
        if !missing.is_empty() {
            let missing: Vec<String> = missing
                .iter()
                .map(|l| crate::untrusted::quoted(l))
                .collect();
            problems.push(format!("not found: {}", missing.join(", ")));
        }
        return Err(Error::PaperIncomplete {
            name: name.to_string(),
            problems,
        }
        .into());
    }
    Ok(restored)
}

/// Decrypts the key item with `identities` or the passphrase; returns the sheet's own
/// identity and the number of entries the key item declares.
fn open_sheet_key<E: From<Error>>(
    items: &super::ReadItems,
    identities: &Identities,
    passphrase: impl FnOnce() -> Result<Secret, E>,
    name: &str,
) -> Result<(Identities, u16), E> {
    let key_text = match items.get(&Item::Key) {
        Some(Ok(text)) => text,
        Some(Err(e)) => {
            return Err(Error::PaperUnreadable {
                problem: format!("the sheet key cannot be read: {e}"),
            }
            .into());
        }
        None => {
            return Err(Error::PaperUnreadable {
                problem: "no code of the sheet key (K) was read; scan the page that has it".into(),
            }
            .into());
        }
    };
    let key_file = decode_base32(key_text, "K", name)?;
    let key = agefile::decrypt(&key_file, identities, passphrase, name)?;
    let mut sheet_identity = Identities::default();
    sheet_identity.add_bytes(&key, "the sheet key")?;
    let declared = std::str::from_utf8(&key)
        .ok()
        .and_then(|text| text.lines().next())
        .and_then(|line| line.split(ENTRIES_PREFIX).nth(1))
        .and_then(|n| n.trim().parse::<u16>().ok())
        .ok_or_else(|| Error::DamagedBackup {
            name: name.to_string(),
            what: "has a sheet key without its entry count".into(),
        })?;
    Ok((sheet_identity, declared))
}

/// The entries the sheet declares of which no code was read at all.
fn missing_items(items: &super::ReadItems, declared: u16) -> Vec<String> {
    (1..=declared)
        .filter(|n| !items.contains_key(&Item::Entry(*n)))
        .map(|n| {
            format!(
                "no code of {} was read (the sheet has {declared} entries)",
                Item::Entry(n).tag()
            )
        })
        .collect()
}

/// Decrypts one entry item with the sheet's identity and reads its export document.
fn decrypt_item(
    item: Item,
    text: &str,
    sheet_identity: &Identities,
    name: &str,
) -> Result<Vec<Entry>> {
    let file = decode_base32(text, &item.tag(), name)?;
    let no_passphrase = || {
        Err(Error::Internal(
            "an entry item asked for a passphrase".into(),
        ))
    };
    let plain = agefile::decrypt(&file, sheet_identity, no_passphrase, name)?;
    let named = format!("{name} {}", item.tag());
    Ok(export::parse(&plain).map_err(|e| e.at(&named))?.entries)
}

fn decode_base32(text: &str, item: &str, name: &str) -> Result<Vec<u8>> {
    base32::decode(base32::Alphabet::Rfc4648 { padding: true }, text).ok_or_else(|| {
        Error::DamagedBackup {
            name: name.to_string(),
            what: format!("holds item {item} whose text is not valid base32"),
        }
    })
}

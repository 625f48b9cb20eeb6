//! What a paper sheet holds. A sheet has its own random age X25519 key. The sheet key (an
//! identity file in `age-keygen` format) is encrypted once, to the passphrase (age scrypt)
//! or to recipients: that is item `K`. Each entry's credential is encrypted to the sheet
//! key on its own (items `E001`, `E002`, ...), and the details of every entry together
//! (item `M`). So any one entry can be restored without the others, and the passphrase's
//! slow KDF runs once per sheet, not per entry. A split sheet (`print --split K-of-N`) has
//! no `K`: its key is split into N shares printed apart (`shares`), and the sheet carries
//! the split record as item `T`. `restore` gets entries back. What the vault's record of
//! backups says of a sheet ([`SheetKey::described`]) and where a split's shares are written
//! ([`share_paths`]) are decided here, for every front end.

mod restore;

pub use restore::{Restored, restore};

use super::blocks;
use super::codes::{self, Code, Item};
use super::shares::{self, Share, Threshold};
use crate::backup::agefile::{self, Encryption, Recipients};
use crate::clock::Timestamp;
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::{Error, PaperError, Result};
use crate::vault::store;
use std::path::{Path, PathBuf};

/// How the key item's first comment names the number of entries on the sheet.
const ENTRIES_PREFIX: &str = "entries: ";

/// Length of a code's header, `KC2 XXXXXXXX E001 01/02 `.
pub const HEADER_LEN: usize = 24;

/// Most times an item is encrypted in search of a small one: the age crate adds a random
/// "grease" stanza of 13 to about 200 bytes to every file it encrypts to recipients, and
/// cannot be told not to (FORMAT.md section 8 has what it costs).
const GREASE_TRIES: usize = 96;

/// Bytes an age file to one X25519 recipient adds to its plaintext besides the grease
/// stanza: version line 22, X25519 stanza 98, MAC line 48, nonce 16, tag 16.
const FRAMING: usize = 200;

/// The smallest grease stanza, and one that about 1 in 25 tries is no larger than.
const LEAST_GREASE: usize = 13;
const SMALL_GREASE: usize = 30;

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

/// What an item of `len` bytes costs on paper: its QR codes and its typed lines.
fn paper_cost(len: usize) -> (usize, usize) {
    let chars = (len * 8).div_ceil(5);
    let per_code = super::qr::max_data_chars(HEADER_LEN);
    (
        chars.div_ceil(per_code),
        chars.div_ceil(super::text::LINE_CHARS),
    )
}

/// Encrypts `plain` to the sheet key until the file takes as few QR codes as the smallest
/// grease allows and as few typed lines as a [`SMALL_GREASE`] does (or [`GREASE_TRIES`] runs
/// out), and keeps the smallest.
fn smallest_encryption(to: &Encryption, plain: &[u8]) -> Result<Vec<u8>> {
    let fewest_codes = paper_cost(plain.len() + FRAMING + LEAST_GREASE).0;
    let few_lines = paper_cost(plain.len() + FRAMING + SMALL_GREASE).1;
    let good_enough = |len: usize| {
        let (codes, lines) = paper_cost(len);
        codes <= fewest_codes && lines <= few_lines
    };
    let mut best = agefile::encrypt(to, plain, false)?;
    for _ in 1..GREASE_TRIES {
        if good_enough(best.len()) {
            break;
        }
        let file = agefile::encrypt(to, plain, false)?;
        if file.len() < best.len() {
            best = file;
        }
    }
    Ok(best)
}

/// Who can open the sheet key: an encryption, or any K of N shares (each also encrypted,
/// with `--share-passphrase`).
pub enum SheetKey<'a> {
    To(&'a Encryption),
    Split {
        k: u8,
        n: u8,
        shares_to: Option<&'a Encryption>,
    },
}

impl SheetKey<'_> {
    /// Who can open a sheet printed so, as the vault's record of backups lists them: the
    /// recipients or the passphrase of the sheet key, or its split.
    pub fn described(&self) -> Vec<String> {
        match self {
            SheetKey::To(encryption) => encryption.described(),
            SheetKey::Split { k, n, .. } => vec![format!("split {k}-of-{n}")],
        }
    }
}

/// A split sheet key: the record on the data sheet and the shares printed apart.
pub struct Split {
    pub threshold: Threshold,
    pub threshold_base32: String,
    /// Each share with its base32 text.
    pub shares: Vec<(Share, String)>,
    /// True when each share is also encrypted to a passphrase.
    pub encrypted: bool,
}

/// Splits the key item's plaintext `key_text` of the sheet whose id is `id` into `n` shares,
/// any `k` of which give it back; each share is encrypted to `shares_to` when given.
fn split_key(
    id: [u8; 4],
    key_text: &str,
    (k, n): (u8, u8),
    shares_to: Option<&Encryption>,
) -> Result<Split> {
    let (threshold, shares) = shares::split(key_text.as_bytes(), id, k, n)?;
    let shares = shares
        .into_iter()
        .map(|share| {
            let record = share.to_bytes();
            let text = match shares_to {
                Some(encryption) => base32(&agefile::encrypt(encryption, &record, false)?),
                None => base32(&record),
            };
            Ok((share, text))
        })
        .collect::<Result<_>>()?;
    Ok(Split {
        threshold,
        threshold_base32: base32(&threshold.to_bytes()),
        shares,
        encrypted: shares_to.is_some(),
    })
}

/// Everything that goes on paper.
pub struct Sheet {
    /// 8 hex digits naming this sheet.
    pub id: String,
    pub created_at: Timestamp,
    pub vault_fingerprint: Fingerprint,
    /// `None` for a passphrase sheet, else the recipients the sheet key is encrypted to.
    pub recipients: Option<Vec<String>>,
    /// Who can open it, as the vault's record of backups lists them
    /// ([`SheetKey::described`]).
    pub readers: Vec<String>,
    /// How the sheet key is kept: item `K`, or split into shares.
    pub key: KeyItem,
    pub entries: Vec<SheetEntry>,
    /// Item `M`: the details of every entry.
    pub details_base32: String,
}

/// How a sheet's key is kept: encrypted on the sheet, or split into shares printed apart
/// (the sheet then carries the split record, item `T`, and no `K`).
pub enum KeyItem {
    /// Item `K`'s base32 text.
    Encrypted(String),
    Split(Split),
}

fn base32(bytes: &[u8]) -> String {
    base32::encode(base32::Alphabet::Rfc4648 { padding: true }, bytes)
}

impl Sheet {
    /// Encrypts the chosen entries of the vault whose fingerprint is `vault_fingerprint`
    /// for paper.
    pub fn build(
        vault_fingerprint: Fingerprint,
        entries: Vec<&Entry>,
        key: SheetKey,
    ) -> Result<Sheet> {
        let raw_id = crate::crypto::random_array::<4>()?;
        let id: String = raw_id.iter().map(|b| format!("{b:02X}")).collect();
        let created_at = Timestamp::now();
        let (secret_key, public) = agefile::new_identity();
        // The entry count travels inside the encrypted key item, so a restore can tell an
        // entry whose codes were all missed from one that never existed. Nothing else goes
        // with the key line, so the item fits one code.
        let key_text = zeroize::Zeroizing::new(format!(
            "# keycellar sheet {id}, {ENTRIES_PREFIX}{}\n{}\n",
            entries.len(),
            secret_key.as_str()
        ));
        let readers = key.described();
        let key_item = match key {
            SheetKey::To(encryption) => KeyItem::Encrypted(base32(&agefile::encrypt(
                encryption,
                key_text.as_bytes(),
                false,
            )?)),
            SheetKey::Split { k, n, shares_to } => {
                KeyItem::Split(split_key(raw_id, &key_text, (k, n), shares_to)?)
            }
        };
        // Each thread parses its own recipient: the age crate's recipients are not `Sync`.
        let to_sheet = || -> Result<Encryption> {
            let mut recipients = Recipients::default();
            recipients.add(&public)?;
            Ok(Encryption::Recipients(recipients))
        };
        let files = crate::parallel::map(&entries, 1, "encrypting entries", |entry| {
            smallest_encryption(&to_sheet()?, &blocks::entry_text(entry))
        })?;
        let mut printed = Vec::with_capacity(entries.len());
        let mut details = Vec::with_capacity(entries.len());
        for (index, (entry, item_file)) in entries.into_iter().zip(files).enumerate() {
            let item = Item::Entry(index as u16 + 1);
            details.push((item.tag(), entry));
            printed.push(SheetEntry {
                item,
                label: entry.label.clone(),
                exchange: entry.exchange.to_string(),
                masked_key: entry.masked_key(),
                permissions: entry.permission_summary(),
                fingerprint: entry.fingerprint,
                base32: base32(&item_file),
            });
        }
        let details = blocks::details_block(&details)
            .map_err(|e| Error::Internal(format!("packing the details: {e}")))?;
        let details_file = smallest_encryption(&to_sheet()?, &details)?;
        Ok(Sheet {
            readers,
            id,
            created_at,
            vault_fingerprint,
            recipients: match key {
                SheetKey::To(Encryption::Recipients(r)) => Some(r.described.clone()),
                _ => None,
            },
            key: key_item,
            entries: printed,
            details_base32: base32(&details_file),
        })
    }

    /// The split of a split sheet's key.
    pub fn split(&self) -> Option<&Split> {
        match &self.key {
            KeyItem::Split(split) => Some(split),
            KeyItem::Encrypted(_) => None,
        }
    }

    /// Every item of the data sheet with its base32 text: the key (or, split, the split
    /// record) first, the details last. Shares are not among them.
    pub fn items(&self) -> Vec<(Item, &str)> {
        let key = match &self.key {
            KeyItem::Split(split) => (Item::Threshold, split.threshold_base32.as_str()),
            KeyItem::Encrypted(base32) => (Item::Key, base32.as_str()),
        };
        std::iter::once(key)
            .chain(self.entries.iter().map(|e| (e.item, e.base32.as_str())))
            .chain(std::iter::once((
                Item::Details,
                self.details_base32.as_str(),
            )))
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

/// Where the `n` shares of a split sheet written to `sheet` go: `share-X-of-N.pdf` in
/// `share_dir`, or beside the sheet. Each is checked as any output is before work starts
/// (its directory exists, nothing is in the way unless `overwrite`), and none may be the
/// sheet's own file.
pub fn share_paths(
    sheet: &Path,
    share_dir: Option<&Path>,
    n: u8,
    overwrite: bool,
) -> Result<Vec<PathBuf>> {
    let paths = share_files(sheet, share_dir, n);
    for (share, path) in (1..).zip(&paths) {
        store::check_named_output(path, overwrite)?;
        if store::same_file(path, sheet) {
            return Err(Error::Paper(PaperError::ShareOnSheet {
                share,
                path: path.clone(),
            }));
        }
    }
    Ok(paths)
}

/// The names of the `n` shares of the sheet written to `sheet`: `share-X-of-N.pdf` in
/// `share_dir`, or beside the sheet.
pub(crate) fn share_files(sheet: &Path, share_dir: Option<&Path>, n: u8) -> Vec<PathBuf> {
    let directory = match share_dir {
        Some(dir) => dir.to_path_buf(),
        None => sheet
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    (1..=n)
        .map(|x| directory.join(format!("share-{x}-of-{n}.pdf")))
        .collect()
}

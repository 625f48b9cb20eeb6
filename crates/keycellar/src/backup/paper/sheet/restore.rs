//! Getting entries back from a sheet as read (scans or typed text): the key item is opened
//! with identities or the passphrase, then each entry item on its own with the sheet key,
//! so that a damaged or missing entry costs only itself. Where typed lines had corrections
//! that fit their checks, the candidate that authenticates is taken, and its corrections
//! are reported. A split sheet's key comes from its shares instead (`split`). Whether what
//! came back is all of it, or more pages would rebuild the rest, is decided here too
//! ([`Restored::complete`]), and what a comparison with the vault may look at
//! ([`Restored::compared`]), for every front end alike.

mod split;

use super::ENTRIES_PREFIX;
use crate::backup::agefile::{self, Identities};
use crate::backup::export;
use crate::backup::paper::ReadSheet;
use crate::backup::paper::blocks;
use crate::backup::paper::codes::{Format, Item};
use crate::backup::paper::notes::Note;
use crate::backup::paper::parity_pages::NeedMore;
use crate::backup::paper::text::{self, Candidates, Fix};
use crate::credential::details::Details;
use crate::credential::entry::Entry;
use crate::credential::validate;
use crate::error::{BackupError, NotRestored, PaperError, SetAside, Unread, Unreadable};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::vault::merge::Read;
use std::collections::BTreeMap;

/// What a restore got back.
#[derive(Debug, Default)]
pub struct Restored {
    pub entries: Vec<Entry>,
    /// Entries that could not be restored, each with why; only those that matter when
    /// labels were asked for.
    pub problems: Vec<NotRestored>,
    /// Corrections applied to typed lines.
    pub fixes: Vec<Fix>,
    /// Why the details item was not read, when it was not: entries then came back with their
    /// credentials only.
    pub details_missing: Option<Unread>,
    /// Shares of a split sheet key that were read but not used, each with why.
    pub set_aside: Vec<SetAside>,
    /// The sheet's name, as messages give it.
    pub name: String,
    /// How many more pages parity needs to rebuild what is missing, when it does.
    pub need_more: Option<NeedMore>,
}

impl Restored {
    /// Fails when entries did not come back, or the details block did not where more pages
    /// could rebuild it: as needing those pages when parity pages could make up for them
    /// ([`Restored::need_more`]), else as incomplete.
    pub fn complete(&self) -> Result<()> {
        let need_more = self.need_more.as_ref();
        let mut problems = self.problems.clone();
        if let Some(why) = self
            .details_missing
            .as_ref()
            .filter(|_| need_more.is_some())
        {
            problems.push(NotRestored::Details { why: why.clone() });
        }
        if problems.is_empty() {
            return Ok(());
        }
        let name = self.name.clone();
        Err(Error::Paper(match need_more {
            Some(need) => PaperError::PaperNeedsPages {
                name,
                more: need.more,
                missing: need.missing.clone(),
                problems,
            },
            None => PaperError::PaperIncomplete { name, problems },
        }))
    }

    /// What a front end says once the sheet is restored: the typed lines mended, the
    /// shares set aside, the details block not read.
    pub fn notes(&self) -> Vec<Note> {
        let mended = self.fixes.iter().cloned().map(Note::Mended);
        let set_aside = self.set_aside.iter().cloned().map(Note::SetAside);
        let details = self
            .details_missing
            .iter()
            .cloned()
            .map(Note::DetailsMissing);
        mended.chain(set_aside).chain(details).collect()
    }

    /// What a comparison of these entries with the vault may look at: everything, or only
    /// the credentials when the details block was not read (the rest is not on the paper).
    pub fn compared(&self) -> Read {
        match self.details_missing {
            None => Read::Everything,
            Some(_) => Read::Credentials,
        }
    }
}

/// A sheet whose key cannot be read because pages are missing that parity could make up
/// for with more of them (`need_more`) fails as needing those pages; other errors stay.
fn needing_pages(error: Error, name: &str, need_more: Option<&NeedMore>) -> Error {
    match (error, need_more) {
        (Error::Paper(PaperError::PaperUnreadable { why }), Some(need)) => {
            Error::Paper(PaperError::PaperNeedsPages {
                name: name.to_string(),
                more: need.more,
                missing: need.missing.clone(),
                problems: vec![NotRestored::Key { why: *why }],
            })
        }
        (error, _) => error,
    }
}

/// Decrypts what was read of a sheet. Fails only when the sheet key cannot be opened; every
/// other problem is per entry, in [`Restored::problems`]. A sheet printed with a passphrase
/// asks `identities`' prompts for it once.
pub fn restore(
    sheet: &ReadSheet,
    identities: &Identities,
    labels: &[String],
    name: &str,
) -> Result<Restored> {
    let need_more = sheet.parity.need_more.clone();
    let mut restored = Restored {
        name: name.to_string(),
        need_more: need_more.clone(),
        ..Restored::default()
    };
    let (sheet_key, declared) = open_key(sheet, identities, name, &mut restored)
        .map_err(|e| needing_pages(e, name, need_more.as_ref()))?;
    let details = match sheet.format {
        Format::V1 => BTreeMap::new(),
        Format::V2 => read_details(sheet, &sheet_key, &mut restored),
    };
    let mut problems = Vec::new();
    for n in 1..=declared {
        let item = Item::Entry(n);
        match restore_entry(sheet, item, &sheet_key, details.get(&item.tag()), name) {
            Ok((entries, fixes)) => {
                restored.fixes.extend(fixes);
                restored.entries.extend(entries);
            }
            Err(why) => problems.push(NotRestored::Entry {
                tag: item.tag(),
                label: sheet.labels.get(&item).cloned(),
                why,
            }),
        }
    }
    if !labels.is_empty() {
        restored
            .entries
            .retain(|e| labels.iter().any(|l| l == e.label()));
        let missing: Vec<String> = labels
            .iter()
            .filter(|l| !restored.entries.iter().any(|e| e.label() == l.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            problems.clear();
        } else {
            problems.insert(0, NotRestored::Labels(missing));
        }
    }
    restored.problems = problems;
    Ok(restored)
}

/// The texts an item may be, or why it was not read.
pub(super) fn candidates(
    sheet: &ReadSheet,
    item: Item,
) -> std::result::Result<&Candidates, Unread> {
    match sheet.items.get(&item) {
        None => Err(Unread::NotRead { tag: item.tag() }),
        Some(Err(problems)) => Err(Unread::NotAssembled(problems.clone())),
        Some(Ok(candidates)) => Ok(candidates),
    }
}

pub(super) fn decode(text: &str) -> std::result::Result<Vec<u8>, Unread> {
    base32::decode(base32::Alphabet::Rfc4648 { padding: true }, text).ok_or(Unread::NotBase32)
}

/// Opens the key item: the sheet's identity, and how many entries the sheet has. The
/// passphrase is asked at most once, however many candidate texts are tried (`identities`
/// keep the answer).
fn open_key(
    sheet: &ReadSheet,
    identities: &Identities,
    name: &str,
    restored: &mut Restored,
) -> Result<(Identities, u16)> {
    let unreadable = |problem: Unread| {
        let why = Box::new(Unreadable::Key(problem));
        Error::Paper(PaperError::PaperUnreadable { why })
    };
    let split = sheet
        .items
        .keys()
        .any(|item| matches!(item, Item::Threshold | Item::Share(_)));
    if split && !sheet.items.contains_key(&Item::Key) {
        let key = split::key(sheet, identities, restored, name)?;
        return key_identity(&key, name);
    }
    let options = candidates(sheet, Item::Key).map_err(unreadable)?;
    let mut first_error = None;
    for (text, fixes) in &options.0 {
        let file = decode(text).map_err(unreadable)?;
        let opened =
            agefile::decrypt(&file, identities, name).and_then(|key| key_identity(&key, name));
        match opened {
            Ok(opened) => {
                restored.fixes.extend(fixes.iter().cloned());
                return Ok(opened);
            }
            Err(_) if identities.scrypt_work_spent() => {
                return Err(Error::Backup(BackupError::ScryptWorkExhausted {
                    name: name.to_string(),
                }));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        unreadable(Unread::NotRead {
            tag: Item::Key.tag(),
        })
    }))
}

/// The sheet's identity and entry count from the key item's plaintext.
fn key_identity(key: &[u8], name: &str) -> Result<(Identities, u16)> {
    let mut sheet_identity = Identities::default();
    sheet_identity.add_bytes(key, "the sheet key")?;
    let declared = std::str::from_utf8(key)
        .ok()
        .and_then(|text| text.lines().next())
        .and_then(|line| line.split(ENTRIES_PREFIX).nth(1))
        .and_then(|n| n.trim().parse::<u16>().ok())
        .ok_or_else(|| {
            Error::Backup(BackupError::DamagedBackup {
                name: name.to_string(),
                what: "has a sheet key without its entry count".into(),
            })
        })?;
    Ok((sheet_identity, declared))
}

/// The first candidate of `item` that decrypts with the sheet key, with its corrections.
fn decrypt_item(
    sheet: &ReadSheet,
    item: Item,
    sheet_key: &Identities,
) -> std::result::Result<(SecretBytes, Vec<Fix>), Unread> {
    let options = candidates(sheet, item)?;
    let mut why = String::new();
    for (text, fixes) in &options.0 {
        let file = decode(text)?;
        // The sheet key's identities have no prompts: an item never asks for a passphrase.
        match agefile::decrypt(&file, sheet_key, &item.tag()) {
            Ok(plain) => return Ok((plain, fixes.clone())),
            Err(e) if why.is_empty() => why = e.to_string(),
            Err(_) => {}
        }
    }
    let lines = text::corrected_lines(options.0.iter().map(|(_, fixes)| fixes));
    match lines.is_empty() {
        true => Err(Unread::WrongKey { why }),
        false => Err(Unread::NotMended {
            lines,
            tag: item.tag(),
            why,
        }),
    }
}

/// The details of every entry, by item tag; an empty map, and the reason noted, when the
/// details item was not read.
fn read_details(
    sheet: &ReadSheet,
    sheet_key: &Identities,
    restored: &mut Restored,
) -> BTreeMap<String, Details> {
    let read = decrypt_item(sheet, Item::Details, sheet_key).and_then(|(plain, fixes)| {
        let details = blocks::read_details(&plain).map_err(Unread::Damaged)?;
        restored.fixes.extend(fixes);
        Ok(details)
    });
    read.unwrap_or_else(|why| {
        restored.details_missing = Some(why);
        BTreeMap::new()
    })
}

/// One entry item: its entry (or, for format 1, the entries of its document), checked.
fn restore_entry(
    sheet: &ReadSheet,
    item: Item,
    sheet_key: &Identities,
    details: Option<&Details>,
    name: &str,
) -> std::result::Result<(Vec<Entry>, Vec<Fix>), Unread> {
    let (plain, fixes) = decrypt_item(sheet, item, sheet_key)?;
    let entries = match sheet.format {
        Format::V1 => {
            let named = format!("{name} {}", item.tag());
            export::parse(&plain)
                .map_err(|e| Unread::Damaged(e.at(&named).to_string()))?
                .entries
        }
        Format::V2 => {
            let credential = blocks::read_entry(&plain).map_err(Unread::Damaged)?;
            let mut entry = credential.into_entry();
            if let Some(details) = details {
                entry = entry.with_details(details.clone());
            }
            let admitted = validate::admit(entry).map_err(|e| Unread::Damaged(e.to_string()))?;
            if let Some(recorded) = admitted.recorded_differs {
                return Err(Unread::FingerprintDiffers {
                    computed: admitted.entry.fingerprint().to_string(),
                    recorded: recorded.to_string(),
                });
            }
            vec![admitted.entry]
        }
    };
    Ok((entries, fixes))
}

#[cfg(test)]
mod tests;

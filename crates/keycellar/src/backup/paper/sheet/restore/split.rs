//! The sheet key of a split sheet: its shares, read from scans or typed text in any order
//! and mixed with the data sheet's items, each decrypted with the share passphrase when it
//! was printed with one, then combined and checked (`backup::paper::shares`).

use super::{Restored, candidates, decode};
use crate::backup::agefile::{self, Identities};
use crate::backup::paper::ReadSheet;
use crate::backup::paper::codes::Item;
use crate::backup::paper::shares::{self, Combined, Share, Threshold};
use crate::backup::paper::text::Fix;
use crate::error::{BackupError, PaperError, SetAside, ShareProblem, ShareUnread};
use crate::error::{Error, Result};
use crate::error::{Unread, Unreadable};
use zeroize::Zeroizing;

/// An item's bytes as one candidate text decoded, with the corrections that text carries.
type Decoded = (Vec<u8>, Vec<Fix>);

/// The sheet key of a split sheet, combined from the shares read (in any order, mixed with
/// the data sheet) and checked against the split record when it was read.
pub(super) fn key(
    sheet: &ReadSheet,
    identities: &Identities,
    restored: &mut Restored,
    name: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    let parsed = |item: Item| -> std::result::Result<Vec<Decoded>, ShareProblem> {
        let options = candidates(sheet, item).map_err(ShareProblem::Unread)?;
        Ok(options
            .0
            .iter()
            .filter_map(|(text, fixes)| decode(text).ok().map(|b| (b, fixes.clone())))
            .collect())
    };
    let threshold = parsed(Item::Threshold).ok().and_then(|options| {
        options
            .into_iter()
            .find_map(|(bytes, fixes)| Threshold::parse(&bytes).ok().map(|t| (t, fixes)))
    });
    let expected = threshold.as_ref().map(|(t, _)| *t);
    // Shares printed with a passphrase are age files: the passphrase is asked once, before
    // any is opened. They are opened with it alone, at the default work limit: never with
    // the identities given for a sheet key (a hostile share must not make an SSH key or a
    // plugin ask its question), nor at a limit raised for one.
    let shares_read = sheet.items.keys().filter(|i| matches!(i, Item::Share(_)));
    let encrypted = shares_read
        .flat_map(|item| parsed(*item).unwrap_or_default())
        .any(|(bytes, _)| is_encrypted(&bytes));
    let mut opener = Opener {
        identities: match encrypted {
            true => Identities::answering(identities.backup_passphrase(name)?),
            false => Identities::default(),
        },
        wrong_passphrase: None,
        opened_any: false,
    };
    let mut shares = Vec::new();
    let mut unread = Vec::new();
    for item in sheet.items.keys().filter(|i| matches!(i, Item::Share(_))) {
        match read_share(parsed(*item), *item, expected.as_ref(), &mut opener)? {
            Ok((share, fixes)) => {
                restored.fixes.extend(fixes);
                shares.push(share);
            }
            Err(why) => unread.push(ShareUnread {
                tag: item.tag(),
                why,
            }),
        }
    }
    // A wrong passphrase is the answer when it opened no share; a share it does not open
    // beside one it does is a share set aside (a hostile page cannot end the restore).
    if let Some(wrong) = opener.wrong_passphrase.filter(|_| !opener.opened_any) {
        return Err(wrong);
    }
    if let Some((_, fixes)) = threshold {
        restored.fixes.extend(fixes);
    }
    let combined = shares::combine(&shares, expected.as_ref()).map_err(|mut e| {
        // The shares not read are part of why the others give no key.
        if let Error::Paper(PaperError::PaperUnreadable { why }) = &mut e
            && let Unreadable::Shares { unread: none, .. } = &mut **why
        {
            *none = unread;
        }
        e
    })?;
    set_aside(&combined, restored);
    Ok(combined.secret)
}

/// Names the shares read that do not fit the ones the key came from.
fn set_aside(combined: &Combined, restored: &mut Restored) {
    let used = combined.used.clone();
    if combined.certain {
        for &share in &combined.odd {
            restored.set_aside.push(SetAside::Altered {
                share,
                duplicate: combined.used.contains(&share),
                used: used.clone(),
            });
        }
    } else if !combined.odd.is_empty() {
        let odd = combined.odd.clone();
        restored.set_aside.push(SetAside::Unfitting { odd, used });
    }
}

/// Opens shares printed with a passphrase, and remembers what came of it.
struct Opener {
    identities: Identities,
    /// The first share the passphrase did not open, as the error that says so.
    wrong_passphrase: Option<Error>,
    /// Whether the passphrase opened a share.
    opened_any: bool,
}

/// The share `item` from its candidate texts, with the corrections of the text taken, or
/// why none was read. Only spent scrypt work ends the restore.
fn read_share(
    options: std::result::Result<Vec<Decoded>, ShareProblem>,
    item: Item,
    expected: Option<&Threshold>,
    opener: &mut Opener,
) -> Result<std::result::Result<(Share, Vec<Fix>), ShareProblem>> {
    let mut first_problem = None;
    let mut found: Option<(Share, Vec<Fix>)> = None;
    for (bytes, fixes) in options.unwrap_or_else(|why| {
        first_problem = Some(why);
        Vec::new()
    }) {
        let Some(record) = opener.open(&bytes, item)? else {
            first_problem.get_or_insert(ShareProblem::NotDecrypted);
            continue;
        };
        match Share::parse(&record) {
            // A share of this sheet wins over one of another split read with its number.
            Ok(share) if Some(&share.threshold) == expected || found.is_none() => {
                found = Some((share, fixes));
            }
            Ok(_) => {}
            Err(why) => {
                first_problem.get_or_insert(ShareProblem::NotAShare(why));
            }
        }
    }
    // No problem and no share: no candidate text decoded.
    let not_decoded = || ShareProblem::Unread(Unread::NotBase32);
    Ok(found.ok_or_else(|| first_problem.unwrap_or_else(not_decoded)))
}

impl Opener {
    /// A share's record: as read, or decrypted with the share passphrase when the share
    /// was printed with one (an age file); `None` when it does not open.
    fn open(&mut self, bytes: &[u8], item: Item) -> Result<Option<Zeroizing<Vec<u8>>>> {
        if !is_encrypted(bytes) {
            return Ok(Some(Zeroizing::new(bytes.to_vec())));
        }
        match agefile::decrypt(bytes, &self.identities, &item.tag()) {
            Ok(plain) => {
                self.opened_any = true;
                Ok(Some(Zeroizing::new(plain.to_vec())))
            }
            Err(e @ Error::Backup(BackupError::ScryptWorkExhausted { .. })) => Err(e),
            Err(e @ Error::Backup(BackupError::WrongBackupPassphrase { .. })) => {
                self.wrong_passphrase.get_or_insert(e);
                Ok(None)
            }
            Err(_) => Ok(None),
        }
    }
}

fn is_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/")
}

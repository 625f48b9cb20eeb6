//! The sheet key of a split sheet: its shares, read from scans or typed text in any order
//! and mixed with the data sheet's items, each decrypted with the share passphrase when it
//! was printed with one, then combined and checked (`backup::paper::shares`).

use super::{Restored, candidates, decode};
use crate::backup::agefile::{self, Identities};
use crate::backup::paper::ReadSheet;
use crate::backup::paper::codes::Item;
use crate::backup::paper::shares::{self, Combined, Share, Threshold};
use crate::backup::paper::text::Fix;
use crate::error::{BackupError, PaperError};
use crate::error::{Error, Result};
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
    let parsed = |item: Item| -> std::result::Result<Vec<Decoded>, String> {
        let options = candidates(sheet, item)?;
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
    // any is opened, and `identities` keep it (and bound all shares' scrypt work together).
    let shares_read = sheet.items.keys().filter(|i| matches!(i, Item::Share(_)));
    let encrypted = shares_read
        .flat_map(|item| parsed(*item).unwrap_or_default())
        .any(|(bytes, _)| is_encrypted(&bytes));
    if encrypted {
        identities.backup_passphrase(name)?;
    }
    let mut shares = Vec::new();
    let mut unread = Vec::new();
    for item in sheet.items.keys().filter(|i| matches!(i, Item::Share(_))) {
        let mut first_problem = None;
        let mut found: Option<(Share, Vec<Fix>)> = None;
        for (bytes, fixes) in parsed(*item).unwrap_or_else(|why| {
            first_problem = Some(why);
            Vec::new()
        }) {
            let Some(record) = opened(&bytes, identities, *item)? else {
                first_problem.get_or_insert("it does not decrypt with the share passphrase".into());
                continue;
            };
            match Share::parse(&record) {
                // A share of this sheet wins over one of another split read with its number.
                Ok(share) if Some(share.threshold) == expected || found.is_none() => {
                    found = Some((share, fixes));
                }
                Ok(_) => {}
                Err(why) => {
                    first_problem.get_or_insert(why);
                }
            }
        }
        match found {
            Some((share, fixes)) => {
                restored.fixes.extend(fixes);
                shares.push(share);
            }
            None => unread.push(format!(
                "{} was not read ({})",
                item.tag(),
                first_problem.unwrap_or_default()
            )),
        }
    }
    if let Some((_, fixes)) = threshold {
        restored.fixes.extend(fixes);
    }
    let combined = shares::combine(&shares, expected.as_ref()).map_err(|e| match e {
        Error::Paper(PaperError::PaperUnreadable { problem }) if !unread.is_empty() => {
            Error::Paper(PaperError::PaperUnreadable {
                problem: format!("{problem}; {}", unread.join("; ")),
            })
        }
        other => other,
    })?;
    set_aside(&combined, restored);
    Ok(combined.secret)
}

/// Names the shares read that do not fit the ones the key came from.
fn set_aside(combined: &Combined, restored: &mut Restored) {
    let list = |numbers: &[u8]| numbers.iter().map(u8::to_string).collect::<Vec<_>>();
    let used = list(&combined.used).join(", ");
    if combined.certain {
        for x in &combined.odd {
            let which = match combined.used.contains(x) {
                true => format!("a second share numbered {x}"),
                false => format!("share {x}"),
            };
            restored.set_aside.push(format!(
                "{which} was set aside: it does not combine with the other shares to the key \
                 they were made from, so it was altered (the key came from shares {used}); \
                 ask its holder for the printed share, or print a new split"
            ));
        }
    } else if !combined.odd.is_empty() {
        restored.set_aside.push(format!(
            "shares {} do not lie on one polynomial with shares {used}, from which the key \
             came (it matches the split's digest): several shares were altered, and \
             keycellar cannot tell which; print a new split",
            list(&combined.odd).join(", ")
        ));
    }
}

/// A share's record: as read, or decrypted with the share passphrase when the share was
/// printed with one (an age file). A wrong passphrase ends the restore; any other failure
/// is a problem with this candidate text only.
fn opened(bytes: &[u8], identities: &Identities, item: Item) -> Result<Option<Zeroizing<Vec<u8>>>> {
    if !is_encrypted(bytes) {
        return Ok(Some(Zeroizing::new(bytes.to_vec())));
    }
    match agefile::decrypt(bytes, identities, &item.tag()) {
        Ok(plain) => Ok(Some(Zeroizing::new(plain.to_vec()))),
        Err(
            e @ (Error::Backup(BackupError::WrongBackupPassphrase { .. })
            | Error::Backup(BackupError::ScryptWorkExhausted { .. })),
        ) => Err(e),
        Err(_) => Ok(None),
    }
}

fn is_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/")
}

//! Backups read back: [`ExportFile`] (an export file read within its bound, then decrypted
//! and checked), [`read_codes`] then [`restore_paper`] (a sheet's entries from scans or
//! typed lines, every repair told as it is known) and [`compare_backup`] (a backup's entries
//! against the vault's, for `verify`).

use super::reply;
use super::request::VaultRequest;
use super::session::Session;
use super::ui::{Ui, Working, working};
use crate::backup::agefile::{self, Identities};
use crate::backup::export::{self, Imported, MAX_EXPORT_FILE_LEN};
use crate::backup::paper::sheet::{self, Restored};
use crate::backup::paper::text::Fix;
use crate::backup::paper::{self, SheetRead, SheetSource};
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::{BackupError, Error, Result};
use crate::source::read_file_bounded;
use crate::vault::merge::{Comparison, Read};
use std::path::Path;

/// An export file, read within its bound and known to be age, not yet decrypted: what
/// is wrong with the file is said before anything is asked to open it.
pub struct ExportFile {
    bytes: Vec<u8>,
    name: String,
}

impl ExportFile {
    pub fn read(file: &Path) -> Result<ExportFile> {
        let name = file.display().to_string();
        let bytes = read_file_bounded(file, "export", MAX_EXPORT_FILE_LEN)?;
        agefile::check_is_age(&bytes, &name)?;
        Ok(ExportFile { bytes, name })
    }

    /// Decrypts it with `identities` (which ask their front end for a passphrase only when
    /// the file needs one) and checks what it holds.
    pub fn open(&self, identities: &Identities) -> Result<Imported> {
        let plaintext = agefile::decrypt(&self.bytes, identities, &self.name)?;
        export::parse(&plaintext).map_err(|e| e.at(&self.name))
    }
}

/// What reading a paper sheet repaired: the typed lines mended, and the printed pages
/// whose codes and the typed lines the parity pages rebuilt (docs/FORMAT.md 8.8). Empty
/// for any other backup.
#[derive(Debug, Default)]
pub struct Repaired {
    pub mended: Vec<Fix>,
    pub pages: Vec<u16>,
    /// Runs of typed lines, as `E004 03 to E009 01`.
    pub lines: Vec<String>,
}

/// What a sheet gave back, and what reading it repaired.
pub struct PaperRead {
    pub restored: Restored,
    pub repaired: Repaired,
}

/// A sheet's codes, read from `source`: what was set aside or rebuilt is told through
/// `ui` at once, before anything is asked to open it (what is wrong with the scans is said
/// first, and notes come before a passphrase prompt).
pub fn read_codes(source: SheetSource, ui: &dyn Ui) -> Result<SheetRead> {
    let read = working(ui, Working::ReadingCodes, |progress| {
        paper::read_sheet(source, progress)
    })?;
    read.notes().iter().for_each(|note| ui.tell(note));
    Ok(read)
}

/// The entries the sheet `read` gives back (`labels`, or every one), opened with
/// `identities`; what restoring mended is told through `ui`. Entries that did not come
/// back are in the report's `restored.problems`: [`Restored::complete`] says whether that
/// is a failure.
pub fn restore_paper(
    read: SheetRead,
    identities: &Identities,
    labels: &[String],
    ui: &dyn Ui,
) -> Result<PaperRead> {
    let restored = sheet::restore(&read.sheet, identities, labels, &read.name)?;
    restored.notes().iter().for_each(|note| ui.tell(note));
    let repaired = Repaired {
        mended: restored.fixes.clone(),
        pages: read.sheet.parity.pages.iter().copied().collect(),
        lines: read.sheet.parity.lines,
    };
    Ok(PaperRead { restored, repaired })
}

/// A backup's entries compared with the vault's.
pub struct BackupCompared {
    pub comparison: Comparison,
    pub vault_fingerprint: Fingerprint,
    /// The backup, as a failure names it.
    pub name: String,
}

impl BackupCompared {
    /// Fails when the backup and the vault differ.
    pub fn outcome(&self) -> Result<()> {
        match self.comparison.matches() {
            true => Ok(()),
            false => Err(Error::Backup(BackupError::BackupDiffers {
                name: self.name.clone(),
                summary: self.comparison.summary(),
            })),
        }
    }
}

/// How `entries` of the backup `name` differ from the vault's, comparing what `read` says
/// the backup carries.
pub fn compare_backup<S: Session>(
    session: &S,
    entries: Vec<Entry>,
    read: Read,
    name: &str,
) -> std::result::Result<BackupCompared, S::Error> {
    let reply::Compare {
        comparison,
        vault_fingerprint,
    } = session.run(VaultRequest::Compare { entries, read })?;
    Ok(BackupCompared {
        comparison: *comparison,
        vault_fingerprint,
        name: name.to_string(),
    })
}

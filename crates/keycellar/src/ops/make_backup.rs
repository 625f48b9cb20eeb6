//! Backups made, each in one call: [`export`] (one age file) and [`print`] (a sheet, whole
//! or with its key split into shares). Each takes its entries from the vault through a
//! [`Session`], writes every document (or sends the one document to a stream the front end
//! holds), never over the vault or a file kept beside it, and only then records the backup
//! in the vault.

use super::outgoing::Outgoing;
use super::reply;
use super::request::VaultRequest;
use super::session::Session;
use super::ui::{Ui, Working, working};
use super::{ChangeRequest, ExportDocument};
use crate::backup::agefile::Encryption;
use crate::backup::paper::layout::{self, Printed};
use crate::backup::paper::pdf::Paper;
use crate::backup::paper::sheet::{Sheet, SheetKey};
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::vault::store;
use std::path::{Path, PathBuf};

/// Where a backup goes.
pub enum Destination<'a> {
    /// Its files, each written atomically and privately; one already there is replaced only
    /// when `overwrite`.
    Files { overwrite: bool },
    /// Its one document, given to `send` (standard output), named `name` in an error. A
    /// split sheet, which has several documents, cannot go there.
    Stream {
        name: &'a str,
        send: &'a mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    },
}

/// An export to make.
pub struct ExportPlan<'a> {
    /// The entries it holds; every entry when empty.
    pub labels: Vec<String>,
    pub encryption: &'a Encryption,
    /// ASCII armor instead of binary age.
    pub armor: bool,
    pub output: &'a Path,
}

/// What an export holds.
pub struct ExportReport {
    /// The vault's fingerprint as exported.
    pub vault_fingerprint: Fingerprint,
    pub labels: Vec<String>,
}

/// Makes the export `plan` describes, sends it to `destination`, and records it.
pub fn export<S: Session>(
    session: &S,
    plan: ExportPlan,
    destination: Destination,
    ui: &dyn Ui,
) -> Result<ExportReport, S::Error> {
    let labels = plan.labels;
    let reply::Export { export } = session.run(VaultRequest::Export { labels })?;
    let ExportDocument {
        vault_fingerprint,
        labels,
        ..
    } = &*export;
    let outgoing = Outgoing::export(&export, plan.encryption, plan.armor, plan.output)?;
    write_and_record(session, outgoing, destination, ui)?;
    Ok(ExportReport {
        vault_fingerprint: *vault_fingerprint,
        labels: labels.clone(),
    })
}

/// A sheet to print.
pub struct PrintPlan<'a> {
    /// The entries it holds; every entry when empty.
    pub labels: Vec<String>,
    /// Who opens it: recipients or a passphrase, or a key split into shares.
    pub key: SheetKey<'a>,
    pub paper: Paper,
    /// How many parity pages to add; `None` for the default.
    pub parity_pages: Option<usize>,
    pub output: &'a Path,
    /// Where a split's shares go; beside the sheet when `None`.
    pub share_dir: Option<&'a Path>,
}

/// What was printed.
pub struct PrintReport {
    pub sheet: Sheet,
    pub printed: Printed,
    /// A split's share files, in order.
    pub shares: Vec<PathBuf>,
    /// The vault's fingerprint once the sheet is recorded.
    pub vault_fingerprint: Fingerprint,
}

/// Prints the sheet `plan` describes (and its shares), sends it to `destination`, and
/// records it.
pub fn print<S: Session>(
    session: &S,
    plan: PrintPlan,
    destination: Destination,
    ui: &dyn Ui,
) -> Result<PrintReport, S::Error> {
    let labels = plan.labels;
    let reply::PrintEntries {
        entries,
        vault_fingerprint,
    } = session.run(VaultRequest::PrintEntries { labels })?;
    let entries: Vec<&Entry> = entries.iter().collect();
    let step = match plan.key {
        SheetKey::To(_) => Working::EncryptingSheet,
        SheetKey::Split { .. } => Working::SplittingSheet,
    };
    let sheet = working(ui, step, |_| {
        Sheet::build(vault_fingerprint, entries, plan.key)
    })?;
    let printed = working(ui, Working::DrawingCodes, |_| {
        layout::render_with_parity(&sheet, plan.paper, plan.parity_pages)
    })?;
    let outgoing = Outgoing::sheet(&sheet, &printed, plan.paper, plan.output, plan.share_dir)?;
    let mut shares: Vec<PathBuf> = outgoing.paths().map(Path::to_path_buf).collect();
    shares.pop();
    let vault_fingerprint = write_and_record(session, outgoing, destination, ui)?;
    Ok(PrintReport {
        sheet,
        printed,
        shares,
        vault_fingerprint,
    })
}

/// Writes a backup's documents (none over the session's vault or the files beside it) or
/// sends its one document, and only then records it; the vault's fingerprint after that.
/// Documents written and not recorded are told through `ui`.
fn write_and_record<S: Session>(
    session: &S,
    outgoing: Outgoing,
    destination: Destination,
    ui: &dyn Ui,
) -> Result<Fingerprint, S::Error> {
    let written: Vec<PathBuf> = outgoing.paths().map(Path::to_path_buf).collect();
    let record: ChangeRequest = match destination {
        Destination::Files { overwrite } => {
            for path in outgoing.paths() {
                store::check_not_vault(path, session.vault())?;
            }
            outgoing.write(overwrite)?
        }
        Destination::Stream { name, send } => outgoing.send(name, send)?,
    };
    match session.change(record) {
        Ok(reply::Changed {
            vault_fingerprint, ..
        }) => Ok(vault_fingerprint),
        Err(why) => {
            ui.not_recorded(&written);
            Err(why)
        }
    }
}

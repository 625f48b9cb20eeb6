//! Runs `print`, `restore` and `verify --paper`.

use super::args::{BackupUnlockArgs, PrintArgs, RestoreArgs};
use super::backup::{compare, write_and_record};
use super::context::Context;
use super::encryption::{self, identities};
use super::import_into;
use super::new_passphrase::{Purpose, Request};
use super::output;
use super::prompt;
use super::report::{Failure, Result};
use super::ui;
use keycellar::Error;
use keycellar::backup::export::Imported;
use keycellar::backup::paper::notes::Note;
use keycellar::backup::paper::sheet::{self, Restored, SheetKey};
use keycellar::backup::paper::{self, SheetSource};
use keycellar::credential::entry::Entry;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::error::BackupError;
use keycellar::ops::{Outgoing, VaultRequest, reply};
use keycellar::vault::backup_log::BackupKind;
use keycellar::vault::store;
use std::path::PathBuf;

pub fn print(ctx: &Context, args: &PrintArgs) -> Result<()> {
    output::check_backup_destination(&args.output, args.force, &ctx.vault)?;
    if let Some((k, n)) = args.split {
        return print_split(ctx, args, k, n);
    }
    let request = Request {
        source: args.backup_passphrase_file.as_ref(),
        args: &args.new_passphrase,
        purpose: Purpose::Sheet,
        flag: "--backup-passphrase-file",
    };
    let encryption = encryption::choose(&args.recipients, &args.recipients_files, request)?;
    let (entries, vault_fingerprint) = print_entries(ctx, &args.labels)?;
    let entries: Vec<&Entry> = entries.iter().collect();
    let sheet = ui::with_spinner("Encrypting the sheet, one item per entry", || {
        sheet::Sheet::build(vault_fingerprint, entries, SheetKey::To(&encryption))
    })?;
    let printed = ui::with_spinner("Drawing and checking every QR code", || {
        paper::layout::render_with_parity(&sheet, args.paper, args.parity_pages.map(usize::from))
    })?;
    let outgoing = Outgoing::sheet(&sheet, &printed, args.paper, &args.output, None)?;
    let fingerprint = write_and_record(ctx, outgoing, args.force)?;
    output::printed(fingerprint, &args.output, &sheet, &printed, &[], ctx.json)
}

/// The entries a sheet holds (`labels`, or every entry), from the vault or its agent, and
/// the vault's fingerprint.
fn print_entries(ctx: &Context, labels: &[String]) -> Result<(Vec<Entry>, Fingerprint)> {
    let labels = labels.to_vec();
    let reply::PrintEntries {
        entries,
        vault_fingerprint,
    } = ctx.run(VaultRequest::PrintEntries { labels })?;
    Ok((entries, vault_fingerprint))
}

/// `print --split K-of-N`: the data sheet without its key, and N share PDFs beside it (or in
/// --share-dir). Every destination is checked before anything is written.
fn print_split(ctx: &Context, args: &PrintArgs, k: u8, n: u8) -> Result<()> {
    if output::is_stdout(&args.output) {
        return Err(Failure::Usage("--split writes files, not `-o -`".into()));
    }
    let passphrase_given = args.new_passphrase.given() || args.backup_passphrase_file.is_some();
    if passphrase_given && !args.share_passphrase {
        return Err(Failure::Usage(
            "a split sheet has no passphrase unless --share-passphrase asks for one".into(),
        ));
    }
    let share_paths = sheet::share_paths(&args.output, args.share_dir.as_deref(), n, args.force)?;
    for path in &share_paths {
        store::check_not_vault(path, &ctx.vault)?;
    }
    let shares_to = match args.share_passphrase {
        true => {
            let request = Request {
                source: args.backup_passphrase_file.as_ref(),
                args: &args.new_passphrase,
                purpose: Purpose::Shares,
                flag: "--backup-passphrase-file",
            };
            Some(encryption::choose(&[], &[], request)?)
        }
        false => None,
    };
    let (entries, vault_fingerprint) = print_entries(ctx, &args.labels)?;
    let entries: Vec<&Entry> = entries.iter().collect();
    let key = SheetKey::Split {
        k,
        n,
        shares_to: shares_to.as_ref(),
    };
    let sheet = ui::with_spinner("Encrypting the sheet and splitting its key", || {
        sheet::Sheet::build(vault_fingerprint, entries, key)
    })?;
    let printed = ui::with_spinner("Drawing and checking every QR code", || {
        paper::layout::render_with_parity(&sheet, args.paper, args.parity_pages.map(usize::from))
    })?;
    let share_dir = args.share_dir.as_deref();
    let outgoing = Outgoing::sheet(&sheet, &printed, args.paper, &args.output, share_dir)?;
    let fingerprint = write_and_record(ctx, outgoing, args.force)?;
    output::printed(
        fingerprint,
        &args.output,
        &sheet,
        &printed,
        &share_paths,
        ctx.json,
    )
}

/// What a sheet gave back (its entries, its name, how many more pages parity needs), and
/// what reading it repaired.
struct SheetRestored {
    restored: Restored,
    repaired: output::Repaired,
}

/// Says each of `notes`: warnings always, what parity rebuilt only without `--json` (the
/// document carries it).
fn tell(notes: &[Note], json: bool) {
    for note in notes {
        match note.is_warning() {
            true => ui::warn(&note.to_string()),
            false if !json => ui::info(&note.to_string()),
            false => {}
        }
    }
}

/// The entries a sheet gives back, read from scans or (when given) typed text, with every
/// correction of a typed line and every page rebuilt from parity said (in the document
/// under `--json`, on stderr else).
fn restore_sheet(
    images: &[PathBuf],
    typed: &[PathBuf],
    unlock: &BackupUnlockArgs,
    labels: &[String],
    json: bool,
) -> Result<SheetRestored> {
    let source = match typed.is_empty() {
        true => SheetSource::Scans(images),
        false => SheetSource::Typed(typed),
    };
    let read = ui::with_progress("Reading the codes", |progress| {
        paper::read_sheet(source, progress)
    })?;
    tell(&read.notes(), json);
    let identities = identities(unlock)?;
    let restored = sheet::restore(&read.sheet, &identities, labels, &read.name)
        .map_err(|e| prompt::unless_unanswered(e.into()))?;
    tell(&restored.notes(), json);
    let repaired = output::Repaired {
        mended: restored.fixes.clone(),
        pages: read.sheet.parity.pages.iter().copied().collect(),
        lines: read.sheet.parity.lines,
    };
    Ok(SheetRestored { restored, repaired })
}

fn no_source() -> Imported {
    Imported {
        entries: Vec::new(),
        created_at: None,
        keycellar_version: None,
        vault_id: None,
        vault_fingerprint: None,
    }
}

/// Restores what the sheet gives back, even when some entries did not come back; those
/// are named, and the exit code says that something is missing.
pub fn restore(ctx: &Context, args: &RestoreArgs) -> Result<()> {
    import_into::check_args(ctx, &args.merge)?;
    let read = restore_sheet(
        &args.image,
        &args.text,
        &args.unlock,
        &args.labels,
        ctx.json,
    )?;
    let restored = &read.restored;
    if restored.entries.is_empty() {
        restored.complete()?;
    }
    import_into::merge(
        ctx,
        restored.entries.clone(),
        &args.merge,
        &no_source(),
        &read.repaired,
        BackupKind::Print,
        None,
    )?;
    Ok(restored.complete()?)
}

pub fn verify_paper(
    ctx: &Context,
    scans: &[PathBuf],
    typed: &[PathBuf],
    unlock: &BackupUnlockArgs,
) -> Result<()> {
    if scans.is_empty() && typed.is_empty() {
        return Err(Failure::Usage(
            "verify --paper needs the scans of the sheet, or --text and a typed copy".into(),
        ));
    }
    let read = restore_sheet(scans, typed, unlock, &[], ctx.json)?;
    read.restored.complete()?;
    // Without the details block, entries came back with their credentials only: the
    // rest is not on what was read, so it is not compared (and the output says so).
    let compared = read.restored.compared();
    let (comparison, vault_fingerprint) = compare(ctx, read.restored.entries, compared)?;
    let source = no_source();
    output::backup_comparison(
        vault_fingerprint,
        &source,
        &comparison,
        &read.repaired,
        ctx.json,
    )?;
    if comparison.matches() {
        Ok(())
    } else {
        Err(Error::Backup(BackupError::BackupDiffers {
            name: "the paper".into(),
            summary: comparison.summary(),
        })
        .into())
    }
}

//! Runs `print`, `restore` and `verify --paper`.

use super::args::{BackupUnlockArgs, PrintArgs, RestoreArgs};
use super::backup::destination;
use super::context::Context;
use super::encryption::{self, identities};
use super::import_into;
use super::new_passphrase::{Purpose, Request};
use super::output;
use super::prompt;
use super::report::{Failure, Result};
use super::ui;
use keycellar::backup::export::Imported;
use keycellar::backup::paper::SheetSource;
use keycellar::backup::paper::sheet::{self, SheetKey};
use keycellar::ops::{self, PaperRead, PrintPlan};
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
    print_sheet(ctx, args, SheetKey::To(&encryption))
}

/// Prints the sheet `args` ask for, opened by `key`, and says what was printed.
fn print_sheet(ctx: &Context, args: &PrintArgs, key: SheetKey) -> Result<()> {
    let plan = PrintPlan {
        labels: args.labels.clone(),
        key,
        paper: args.paper,
        parity_pages: args.parity_pages.map(usize::from),
        output: &args.output,
        share_dir: args.share_dir.as_deref(),
    };
    let send = &mut output::to_stdout;
    let destination = destination(&args.output, args.force, send);
    let printed = ops::print(ctx, plan, destination, &ui::Terminal)?;
    output::printed(&printed, &args.output, ctx.json)
}

/// `print --split K-of-N`: the data sheet without its key, and N share PDFs beside it (or in
/// --share-dir). Every destination is checked before anything is asked or written.
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
    let shares_to = shares_to.as_ref();
    print_sheet(ctx, args, SheetKey::Split { k, n, shares_to })
}

/// The entries a sheet gives back, read from scans or (when given) typed text, with every
/// correction of a typed line and every page rebuilt from parity said (in the document
/// under `--json`, on stderr else).
fn restore_sheet(
    images: &[PathBuf],
    typed: &[PathBuf],
    unlock: &BackupUnlockArgs,
    labels: &[String],
) -> Result<PaperRead> {
    let source = match typed.is_empty() {
        true => SheetSource::Scans(images),
        false => SheetSource::Typed(typed),
    };
    let read = ops::read_codes(source, &ui::Terminal)?;
    let identities = identities(unlock)?;
    ops::restore_paper(read, &identities, labels, &ui::Terminal)
        .map_err(|e| prompt::unless_unanswered(e.into()))
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
    let read = restore_sheet(&args.image, &args.text, &args.unlock, &args.labels)?;
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
    let read = restore_sheet(scans, typed, unlock, &[])?;
    read.restored.complete()?;
    // Without the details block, entries came back with their credentials only: the
    // rest is not on what was read, so it is not compared (and the output says so).
    let compared = read.restored.compared();
    let entries = read.restored.entries;
    let compared = ops::compare_backup(ctx, entries, compared, "the paper")?;
    output::backup_comparison(&compared, &no_source(), &read.repaired, ctx.json)?;
    Ok(compared.outcome()?)
}

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
use keycellar::backup::paper::sheet::{self, Restored, SheetKey};
use keycellar::backup::paper::{self, ReadSheet, text};
use keycellar::credential::entry::Entry;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::error::BackupError;
use keycellar::ops::{Outgoing, VaultRequest, reply};
use keycellar::source::read_file_bounded;
use keycellar::vault::backup_log::BackupKind;
use keycellar::wording::noun;
use std::path::PathBuf;

pub fn print(ctx: &Context, args: &PrintArgs) -> Result<()> {
    output::check_destination(&args.output, args.force)?;
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

/// A sheet read from scans or typed text, and the name messages give it.
fn read_sheet(images: &[PathBuf], typed: &[PathBuf]) -> Result<(ReadSheet, String)> {
    if !typed.is_empty() {
        // Several files (a data sheet's and its shares') are read as one typed copy.
        let mut content = String::new();
        for path in typed {
            let bytes = read_file_bounded(path, "typed text", text::MAX_TYPED_FILE_LEN)?;
            content.push_str(&String::from_utf8_lossy(&bytes));
            content.push('\n');
        }
        let name = match typed {
            [one] => one.display().to_string(),
            _ => format!("{} typed files", typed.len()),
        };
        let sheet = paper::read_typed(&content, &name)?;
        return Ok((sheet, name));
    }
    let (sheet, refused) = ui::with_progress("Reading the codes", |progress| {
        paper::read_scans(images, progress)
    })?;
    for message in refused {
        ui::warn(&message.to_string());
    }
    let name = match images {
        [one] => one.display().to_string(),
        _ => format!("{} scans", images.len()),
    };
    Ok((sheet, name))
}

/// What a sheet gave back (its entries, its name, how many more pages parity needs), and
/// what reading it repaired.
struct SheetRead {
    restored: Restored,
    repaired: output::Repaired,
}

/// The entries a sheet gives back, with every correction of a typed line and every page
/// rebuilt from parity said (in the document under `--json`, on stderr else).
fn restore_sheet(
    images: &[PathBuf],
    typed: &[PathBuf],
    unlock: &BackupUnlockArgs,
    labels: &[String],
    json: bool,
) -> Result<SheetRead> {
    let (read, name) = read_sheet(images, typed)?;
    let pages: Vec<u16> = read.parity.pages.iter().copied().collect();
    if !pages.is_empty() && !json {
        let numbers: Vec<String> = pages.iter().map(u16::to_string).collect();
        ui::info(&format!(
            "Rebuilt the codes of {} {} from the parity pages",
            noun(pages.len(), "page", "pages"),
            numbers.join(", ")
        ));
    }
    if !read.parity.lines.is_empty() && !json {
        ui::info(&format!(
            "Rebuilt typed lines {} from the parity lines",
            read.parity.lines.join(", ")
        ));
    }
    let identities = identities(unlock)?;
    let restored = sheet::restore(&read, &identities, labels, &name)
        .map_err(|e| prompt::unless_unanswered(e.into()))?;
    for fix in &restored.fixes {
        ui::warn(&format!("mended {}", fix.describe()));
    }
    for why in &restored.set_aside {
        ui::warn(&why.to_string());
    }
    if let Some(why) = &restored.details_missing {
        ui::warn(&format!(
            "the details block M was not read ({why}); entries come back without their \
             permissions, allow-lists, notes, dates and history"
        ));
    }
    let repaired = output::Repaired {
        mended: restored.fixes.clone(),
        pages,
        lines: read.parity.lines,
    };
    Ok(SheetRead { restored, repaired })
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

//! Runs `print`, `restore` and `verify --paper`.

use super::args::{BackupUnlockArgs, PrintArgs, RestoreArgs};
use super::context::Context;
use super::encryption::{self, backup_passphrase, identities};
use super::import_into;
use super::output;
use super::report::Result;
use super::ui;
use keycellar::Error;
use keycellar::backup::export::{self, Imported};
use keycellar::backup::merge;
use keycellar::backup::paper::{self, sheet, text};
use keycellar::credential::entry::Entry;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::source::read_file_bounded;
use keycellar::vault::backup_log::BackupKind;
use std::path::{Path, PathBuf};

pub fn print(ctx: &Context, args: &PrintArgs) -> Result<()> {
    output::check_destination(&args.output, args.force)?;
    let (encryption, described) = encryption::choose(
        &args.recipients,
        &args.recipients_files,
        args.backup_passphrase_file.as_ref(),
    )?;
    let mut vault = ctx.open_for_change()?;
    let entries = export::select(&vault, &args.labels)?;
    let fingerprints: Vec<Fingerprint> = entries.iter().map(|e| e.fingerprint()).collect();
    let sheet = sheet::Sheet::build(&vault, entries, &encryption)?;
    let printed = ui::with_spinner("Drawing and checking every QR code", || {
        paper::render(&sheet, args.paper)
    })?;
    output::write_document(&args.output, &printed.pdf, args.force)?;
    vault.record_backup(BackupKind::Print, fingerprints, described);
    vault.save()?;
    output::printed(&vault, &args.output, &sheet, &printed, ctx.json)
}

/// Items of a sheet from scans or typed text, and what was refused on the way.
fn read_items(images: &[PathBuf], typed: Option<&Path>) -> Result<(paper::ReadItems, String)> {
    if let Some(path) = typed {
        let name = path.display().to_string();
        let bytes = read_file_bounded(path, "typed text", text::MAX_TYPED_FILE_LEN)?;
        let content = String::from_utf8_lossy(&bytes);
        let parsed = text::parse(&content, &name)?;
        let items = parsed.items.into_iter().map(|(i, t)| (i, Ok(t))).collect();
        return Ok((items, name));
    }
    let (items, refused) = ui::with_spinner(
        &format!("Reading the codes in {} image(s)", images.len()),
        || paper::items_from_scans(images),
    )?;
    for message in refused {
        ui::warn(&message);
    }
    let name = match images {
        [one] => one.display().to_string(),
        _ => format!("{} scans", images.len()),
    };
    Ok((items, name))
}

fn restore_entries(
    images: &[PathBuf],
    typed: Option<&Path>,
    unlock: &BackupUnlockArgs,
    labels: &[String],
) -> Result<Vec<Entry>> {
    let (items, name) = read_items(images, typed)?;
    let identities = identities(unlock)?;
    sheet::restore(
        &items,
        &identities,
        || backup_passphrase(unlock),
        labels,
        &name,
    )
}

pub fn restore(ctx: &Context, args: &RestoreArgs) -> Result<()> {
    import_into::check_args(ctx, &args.merge)?;
    let entries = restore_entries(
        &args.image,
        args.text.as_deref(),
        &args.unlock,
        &args.labels,
    )?;
    let source = Imported {
        entries: Vec::new(),
        created_at: None,
        keycellar_version: None,
        vault_id: None,
        vault_fingerprint: None,
    };
    import_into::merge(ctx, entries, &args.merge, &source)
}

pub fn verify_paper(ctx: &Context, scans: &[PathBuf], unlock: &BackupUnlockArgs) -> Result<()> {
    let restored = restore_entries(scans, None, unlock, &[])?;
    let vault = ctx.open()?;
    let comparison = merge::compare(vault.entries(), &restored);
    let source = Imported {
        entries: restored,
        created_at: None,
        keycellar_version: None,
        vault_id: None,
        vault_fingerprint: None,
    };
    output::backup_comparison(&vault, &source, &comparison, ctx.json)?;
    if comparison.matches() {
        Ok(())
    } else {
        Err(Error::BackupDiffers {
            name: "the paper".into(),
            summary: comparison.summary(),
        }
        .into())
    }
}

//! Runs `print`, `restore`, `verify --paper`, and reads Kraken's key QR for `add --qr`.

use super::args::{BackupUnlockArgs, PrintArgs, RestoreArgs};
use super::backup::{backup_passphrase, check_merge_args, encryption, identities, merge_into};
use super::context::{Context, check_single_stdin};
use super::output;
use super::ui;
use keycellar::backup::export::{self, Imported};
use keycellar::backup::merge;
use keycellar::backup::paper::{self, sheet, text};
use keycellar::credential::entry::Entry;
use keycellar::error::{Error, Result};
use keycellar::secret::Secret;
use keycellar::vault::backup_log::{BackupKind, BackupRecord};
use keycellar::vault::now_utc;
use keycellar::vault::store;
use std::path::{Path, PathBuf};

pub fn print(ctx: &Context, args: &PrintArgs) -> Result<()> {
    check_single_stdin(&[
        ctx.passphrase_file.as_ref(),
        args.backup_passphrase_file.as_ref(),
    ])?;
    if !args.force && args.output.exists() {
        return Err(Error::BadInput(format!(
            "{} exists; keycellar does not overwrite it without --force",
            args.output.display()
        )));
    }
    let (encryption, described) = encryption(
        &args.recipients,
        &args.recipients_files,
        args.backup_passphrase_file.as_ref(),
    )?;
    let mut vault = ctx.open_for_change()?;
    let entries = export::select(&vault, &args.labels)?;
    let fingerprints: Vec<String> = entries.iter().map(|e| e.fingerprint.clone()).collect();
    let sheet = sheet::Sheet::build(&vault, entries, &encryption)?;
    let printed = ui::with_spinner("Drawing and checking every QR code", || {
        paper::render(&sheet, args.paper)
    })?;
    store::write_file(&args.output, &printed.pdf, args.force)?;
    vault.contents.backups.push(BackupRecord {
        kind: BackupKind::Print,
        at: now_utc(),
        vault_fingerprint: vault.fingerprint()?,
        entries: fingerprints,
        recipients: described,
    });
    vault.save()?;
    output::printed(&vault, &args.output, &sheet, &printed, ctx.json)
}

/// Items of a sheet from scans or typed text, and what was refused on the way.
fn read_items(images: &[PathBuf], typed: Option<&Path>) -> Result<(paper::ReadItems, String)> {
    if let Some(path) = typed {
        let name = path.display().to_string();
        let content = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
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
    check_single_stdin(&[
        ctx.passphrase_file.as_ref(),
        args.unlock.backup_passphrase_file.as_ref(),
    ])?;
    check_merge_args(ctx, &args.merge)?;
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
    merge_into(ctx, entries, &args.merge, &source)
}

pub fn verify_paper(ctx: &Context, scans: &[PathBuf], unlock: &BackupUnlockArgs) -> Result<()> {
    let restored = restore_entries(scans, None, unlock, &[])?;
    let vault = ctx.open()?;
    let comparison = merge::compare(&vault.contents.entries, &restored);
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
        Err(Error::Mismatch(format!(
            "the paper does not hold the vault's keys: {} missing, {} extra, {} different",
            comparison.missing.len(),
            comparison.extra.len(),
            comparison.different.len()
        )))
    }
}

/// The public key and secret from a screenshot of Kraken's key QR code.
pub fn kraken_qr(image: &Path) -> Result<(String, Secret)> {
    let mut found = paper::qr::read(&paper::qr::load(image)?, 1.0);
    let parsed = match found
        .iter()
        .find(|text| text.starts_with("kraken://apikey?"))
    {
        Some(uri) => keycellar::input::parse_kraken_uri(uri),
        None => Err(Error::BadInput(format!(
            "no Kraken key QR code (kraken://apikey?...) found in {}",
            image.display()
        ))),
    };
    zeroize::Zeroize::zeroize(&mut found);
    parsed
}

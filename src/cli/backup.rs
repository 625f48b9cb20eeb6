//! Runs `export`, `import`, `keygen` and `verify --backup`.

use super::args::{BackupUnlockArgs, ExportArgs, ImportArgs, MergeArgs};
use super::commands::new_vault_settings;
use super::context::{Context, check_single_stdin};
use super::output;
use super::ui;
use keycellar::backup::agefile::{self, Encryption, Identities, Recipients};
use keycellar::backup::export::{self, Imported};
use keycellar::backup::merge;
use keycellar::credential::entry::Entry;
use keycellar::error::{Error, Result};
use keycellar::input;
use keycellar::secret::Secret;
use keycellar::vault::backup_log::{BackupKind, BackupRecord};
use keycellar::vault::store;
use keycellar::vault::{Vault, now_utc};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// How `recipients` in the vault's record describe a passphrase-encrypted export.
const PASSPHRASE_RECIPIENT: &str = "passphrase (age scrypt)";

pub fn export(ctx: &Context, args: &ExportArgs) -> Result<()> {
    check_single_stdin(&[
        ctx.passphrase_file.as_ref(),
        args.backup_passphrase_file.as_ref(),
    ])?;
    let to_stdout = args.output == "-";
    let output_path = Path::new(&args.output);
    if !to_stdout && !args.force && output_path.exists() {
        return Err(Error::BadInput(format!(
            "{} exists; keycellar does not overwrite it without --force",
            args.output
        )));
    }
    if !args.passphrase && args.recipients.is_empty() && args.recipients_files.is_empty() {
        return Err(Error::Usage(
            "say who can open the export: -r RECIPIENT, -R FILE, or --passphrase".into(),
        ));
    }
    let (encryption, described) = encryption(
        &args.recipients,
        &args.recipients_files,
        args.backup_passphrase_file.as_ref(),
    )?;
    let armor = args.armor || (to_stdout && std::io::stdout().is_terminal());

    let mut vault = ctx.open_for_change()?;
    let vault_fingerprint = vault.fingerprint()?;
    let (fingerprints, labels): (Vec<String>, Vec<String>) = export::select(&vault, &args.labels)?
        .into_iter()
        .map(|e| (e.fingerprint.clone(), e.label.clone()))
        .unzip();
    // The record goes in first (the export document does not carry records), so that the
    // vault's save is prepared while the export is encrypted and written; the save is put
    // in place only once the export is written.
    vault.contents.backups.push(BackupRecord {
        kind: BackupKind::Export,
        at: now_utc(),
        vault_fingerprint: vault_fingerprint.clone(),
        entries: fingerprints,
        recipients: described,
    });
    vault.save_alongside(|vault| {
        write_export(vault, args, &encryption, armor, &vault_fingerprint)
    })?;
    output::exported(
        &vault_fingerprint,
        &args.output,
        &labels,
        ctx.json,
        to_stdout,
    )
}

/// Builds the export document, encrypts it and writes it to its file or to stdout.
fn write_export(
    vault: &Vault,
    args: &ExportArgs,
    encryption: &Encryption,
    armor: bool,
    vault_fingerprint: &str,
) -> Result<()> {
    let entries = export::select(vault, &args.labels)?;
    let document = export::build(vault, entries, vault_fingerprint)?;
    let file = agefile::encrypt(encryption, &document, armor)?;
    if args.output == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&file)
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::io("cannot write the export to stdout", e))
    } else {
        store::write_file(Path::new(&args.output), &file, args.force)
    }
}

/// The identities given with `-i`.
pub(super) fn identities(unlock: &BackupUnlockArgs) -> Result<Identities> {
    let mut identities = Identities::default();
    for path in &unlock.identities {
        identities.add_file(path)?;
    }
    Ok(identities)
}

/// The passphrase of a passphrase-encrypted backup (asked only when one is met).
pub(super) fn backup_passphrase(unlock: &BackupUnlockArgs) -> Result<Secret> {
    match &unlock.backup_passphrase_file {
        Some(source) => input::passphrase_from(source),
        None => input::prompt_hidden("Backup passphrase: ", "the backup passphrase"),
    }
}

/// Who can open a new backup: recipients, or a passphrase (asked twice, or from a file).
pub(super) fn encryption(
    recipients: &[String],
    recipients_files: &[PathBuf],
    passphrase_file: Option<&String>,
) -> Result<(Encryption, Vec<String>)> {
    if recipients.is_empty() && recipients_files.is_empty() {
        let passphrase = match passphrase_file {
            Some(source) => input::passphrase_from(source)?,
            None => input::prompt_new_passphrase("backup")?,
        };
        ui::check_strength(&passphrase, "backup");
        return Ok((
            Encryption::Passphrase(passphrase),
            vec![PASSPHRASE_RECIPIENT.to_string()],
        ));
    }
    let mut parsed = Recipients::default();
    for r in recipients {
        parsed.add(r)?;
    }
    for file in recipients_files {
        parsed.add_file(file)?;
    }
    let described = parsed.described.clone();
    Ok((Encryption::Recipients(parsed), described))
}

pub(super) fn decrypt_backup(file: &Path, unlock: &BackupUnlockArgs) -> Result<Imported> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| Error::io(format!("cannot read {name}"), e))?;
    let identities = identities(unlock)?;
    let plaintext = agefile::decrypt(&bytes, &identities, || backup_passphrase(unlock), &name)?;
    export::parse(&plaintext, &name)
}

pub fn import(ctx: &Context, args: &ImportArgs) -> Result<()> {
    check_single_stdin(&[
        ctx.passphrase_file.as_ref(),
        args.unlock.backup_passphrase_file.as_ref(),
    ])?;
    check_merge_args(ctx, &args.merge)?;
    let mut imported = decrypt_backup(&args.file, &args.unlock)?;
    let incoming = std::mem::take(&mut imported.entries);
    merge_into(ctx, incoming, &args.merge, &imported)
}

/// Refuses contradictory merge options before anything is read or asked.
pub(super) fn check_merge_args(ctx: &Context, merge: &MergeArgs) -> Result<()> {
    let kdf = &merge.kdf;
    let kdf_given = kdf.kdf_memory.is_some()
        || kdf.kdf_time.is_some()
        || kdf.kdf_parallelism.is_some()
        || kdf.kdf_target_ms.is_some();
    if kdf_given && !merge.init {
        return Err(Error::Usage(
            "--kdf-* settings apply only to a new vault (--init)".into(),
        ));
    }
    if merge.init && ctx.vault.exists() {
        return Err(Error::VaultExists {
            path: ctx.vault.clone(),
        });
    }
    Ok(())
}

/// Brings checked entries into the vault, or into a new one with `--init`, by the merge
/// rules; `--dry-run` only prints the plan.
pub(super) fn merge_into(
    ctx: &Context,
    incoming: Vec<Entry>,
    merge: &MergeArgs,
    source: &Imported,
) -> Result<()> {
    if merge.init {
        let actions = merge::plan(&[], incoming, merge.on_conflict)?;
        output::import_plan(&actions, merge.dry_run, ctx.json)?;
        if merge.dry_run {
            return Ok(());
        }
        let mut entries = Vec::new();
        merge::apply(&mut entries, actions);
        let (passphrase, params) = new_vault_settings(ctx, &merge.kdf)?;
        let vault = Vault::create(&ctx.vault, &passphrase, params, entries)?;
        return output::imported(&vault, source, ctx.json);
    }
    let mut vault = ctx.open_for_change()?;
    let actions = merge::plan(&vault.contents.entries, incoming, merge.on_conflict)?;
    output::import_plan(&actions, merge.dry_run, ctx.json)?;
    if merge.dry_run {
        return Ok(());
    }
    merge::apply(&mut vault.contents.entries, actions);
    vault.save()?;
    output::imported(&vault, source, ctx.json)
}

pub fn verify_backup(ctx: &Context, file: &Path, unlock: &BackupUnlockArgs) -> Result<()> {
    check_single_stdin(&[
        ctx.passphrase_file.as_ref(),
        unlock.backup_passphrase_file.as_ref(),
    ])?;
    let imported = decrypt_backup(file, unlock)?;
    let vault = ctx.open()?;
    let comparison = merge::compare(&vault.contents.entries, &imported.entries);
    output::backup_comparison(&vault, &imported, &comparison, ctx.json)?;
    if comparison.matches() {
        Ok(())
    } else {
        Err(Error::Mismatch(format!(
            "{} does not hold the vault's keys: {} missing, {} extra, {} different",
            file.display(),
            comparison.missing.len(),
            comparison.extra.len(),
            comparison.different.len()
        )))
    }
}

pub fn keygen(output: &Path, as_json: bool) -> Result<()> {
    let (text, public) = agefile::keygen(&now_utc());
    store::write_file(output, text.as_bytes(), false)?;
    output::keygen(output, &public, as_json)
}

//! Runs `export`, `import`, `keygen` and `verify --backup`.

use super::args::{BackupUnlockArgs, ExportArgs, ImportArgs};
use super::context::Context;
use super::encryption;
use super::import_into;
use super::new_passphrase::{Purpose, Request};
use super::output;
use super::report::{Failure, IdentityFailure, Result};
use keycellar::Error;
use keycellar::backup::agefile::{self, Encryption};
use keycellar::backup::export;
use keycellar::clock::Timestamp;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::error::{BackupError, InputError};
use keycellar::vault::Vault;
use keycellar::vault::backup_log::BackupKind;
use keycellar::vault::merge;
use keycellar::vault::store;
use std::io::IsTerminal;
use std::path::Path;

pub fn export(ctx: &Context, args: &ExportArgs) -> Result<()> {
    let to_stdout = output::is_stdout(&args.output);
    output::check_destination(&args.output, args.force)?;
    if !args.passphrase && args.recipients.is_empty() && args.recipients_files.is_empty() {
        return Err(Failure::Usage(
            "say who can open the export: -r RECIPIENT, -R FILE, or --passphrase".into(),
        ));
    }
    let request = Request {
        source: args.backup_passphrase_file.as_ref(),
        args: &args.new_passphrase,
        purpose: Purpose::Export,
        flag: "--backup-passphrase-file",
    };
    let (encryption, described) =
        encryption::choose(&args.recipients, &args.recipients_files, request)?;
    let armor = args.armor || (to_stdout && std::io::stdout().is_terminal());

    let mut vault = ctx.open_for_change()?;
    let vault_fingerprint = vault.fingerprint();
    let (fingerprints, labels): (Vec<Fingerprint>, Vec<String>) =
        export::select(&vault, &args.labels)?
            .into_iter()
            .map(|e| (e.fingerprint(), e.label().to_string()))
            .unzip();
    // The record goes in first (the export document does not carry records), so that the
    // vault's save is prepared while the export is encrypted and written; the save is put
    // in place only once the export is written.
    vault.record_backup(BackupKind::Export, fingerprints, described);
    vault
        .save_alongside(|vault| write_export(vault, args, &encryption, armor, vault_fingerprint))?;
    output::exported(
        vault_fingerprint,
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
    vault_fingerprint: Fingerprint,
) -> keycellar::Result<()> {
    let entries = export::select(vault, &args.labels)?;
    let document = export::build(vault, entries, vault_fingerprint)?;
    let file = agefile::encrypt(encryption, &document, armor)?;
    output::write_document(&args.output, &file, args.force)
}

pub fn import(ctx: &Context, args: &ImportArgs) -> Result<()> {
    import_into::check_args(ctx, &args.merge)?;
    let mut imported = encryption::open_export(&args.file, &args.unlock)?;
    let incoming = std::mem::take(&mut imported.entries);
    import_into::merge(
        ctx,
        incoming,
        &args.merge,
        &imported,
        &[],
        BackupKind::Export,
    )
}

pub fn verify_backup(ctx: &Context, file: &Path, unlock: &BackupUnlockArgs) -> Result<()> {
    let imported = encryption::open_export(file, unlock)?;
    let vault = ctx.open()?;
    let comparison = merge::compare(vault.entries(), &imported.entries, merge::Read::Everything);
    output::backup_comparison(&vault, &imported, &comparison, ctx.json)?;
    if comparison.matches() {
        Ok(())
    } else {
        Err(Error::Backup(BackupError::BackupDiffers {
            name: file.display().to_string(),
            summary: comparison.summary(),
        })
        .into())
    }
}

pub fn keygen(path: &Path, as_json: bool) -> Result<()> {
    output::check_destination(path, false).map_err(|failure| match failure {
        Failure::Library(Error::Input(InputError::OutputExists { .. })) => {
            IdentityFailure::Exists {
                identity: path.to_path_buf(),
            }
            .into()
        }
        other => other,
    })?;
    let (text, public) = agefile::keygen(&Timestamp::now().to_string());
    if output::is_stdout(path) {
        output::write_document(path, text.as_bytes(), false)?;
        return output::keygen(path, &public, as_json);
    }
    store::create_secret_file(path, text.as_bytes())?;
    // The identity is written; its recipient, the one thing made public, may still fail to
    // reach standard output (a full disk). Say so, and how to print it again.
    output::keygen(path, &public, as_json).map_err(|failure| match failure {
        Failure::Library(Error::Io { source, .. }) => IdentityFailure::RecipientNotPrinted {
            identity: path.to_path_buf(),
            source,
        }
        .into(),
        other => other,
    })
}

/// `keygen -y`: the recipient of an identity file, printed again.
pub fn recipient_of(identity: &Path, as_json: bool) -> Result<()> {
    let recipients = agefile::recipients_of(identity)?;
    output::recipients_of(identity, &recipients, as_json)
}

//! Runs `export`, `import`, `keygen` and `verify --backup`.

use super::args::{BackupUnlockArgs, ExportArgs, ExportFormat, ImportArgs};
use super::context::Context;
use super::encryption;
use super::import_into;
use super::new_passphrase::{Purpose, Request};
use super::output;
use super::report::{Failure, IdentityFailure, Result};
use super::ui;
use keycellar::Error;
use keycellar::backup::agefile;
use keycellar::clock::Timestamp;
use keycellar::error::InputError;
use keycellar::ops::{self, Destination, ExportPlan, Repaired};
use keycellar::vault::backup_log::BackupKind;
use keycellar::vault::merge;
use keycellar::vault::store;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn export(ctx: &Context, args: &ExportArgs) -> Result<()> {
    if args.to.is_some() {
        return super::handoff::to_pass(ctx, args);
    }
    let output = match (args.format, &args.output) {
        (Some(ExportFormat::KeepassXml), _) => return super::handoff::keepass_xml(ctx, args),
        (_, Some(output)) => output.as_path(),
        (_, None) => return Err(Failure::Usage("say where the export goes: -o FILE".into())),
    };
    let to_stdout = output::is_stdout(output);
    output::check_backup_destination(output, args.force, &ctx.vault)?;
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
    let encryption = encryption::choose(&args.recipients, &args.recipients_files, request)?;
    let plan = ExportPlan {
        labels: args.labels.clone(),
        encryption: &encryption,
        armor: args.armor || (to_stdout && std::io::stdout().is_terminal()),
        output,
    };
    let exported = ops::export(
        ctx,
        plan,
        destination(output, args.force, &mut output::to_stdout),
        &ui::Terminal,
    )?;
    output::exported(
        exported.vault_fingerprint,
        output,
        &exported.labels,
        ctx.json,
        to_stdout,
    )
}

/// Where a backup to `output` goes: standard output (through `send`) for `-`, else its
/// files, replacing one already there only with `--force`.
pub fn destination<'a>(
    output: &Path,
    force: bool,
    send: &'a mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> Destination<'a> {
    match output::is_stdout(output) {
        true => Destination::Stream {
            name: output::STDOUT,
            send,
        },
        false => Destination::Files { overwrite: force },
    }
}

pub fn import(ctx: &Context, args: &ImportArgs) -> Result<()> {
    import_into::check_args(ctx, &args.merge)?;
    if let Some(format) = args.from {
        return super::movein::import(ctx, format, args);
    }
    let mut imported = encryption::open_export(&args.file, &args.unlock)?;
    let incoming = std::mem::take(&mut imported.entries);
    import_into::merge(
        ctx,
        incoming,
        &args.merge,
        &imported,
        &Repaired::default(),
        BackupKind::Export,
        None,
    )
}

pub fn verify_backup(ctx: &Context, file: &Path, unlock: &BackupUnlockArgs) -> Result<()> {
    let mut imported = encryption::open_export(file, unlock)?;
    let entries = std::mem::take(&mut imported.entries);
    let name = file.display().to_string();
    let compared = ops::compare_backup(ctx, entries, merge::Read::Everything, &name)?;
    output::backup_comparison(&compared, &imported, &Repaired::default(), ctx.json)?;
    Ok(compared.outcome()?)
}

/// `keygen`: writes a new identity to `output`, or prints the recipient of `identity`.
pub fn keygen_or_recipient(
    output: Option<PathBuf>,
    identity: Option<PathBuf>,
    as_json: bool,
) -> Result<()> {
    match (output, identity) {
        (_, Some(identity)) => recipient_of(&identity, as_json),
        (Some(output), None) => keygen(&output, as_json),
        (None, None) => Err(Failure::Usage("give -o FILE or -y IDENTITY".into())),
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

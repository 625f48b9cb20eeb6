//! How restored entries join a vault (shared by `import` and `restore`): into the open
//! vault by the merge rules, or into a new one with `--init`; `--dry-run` only prints the
//! plan.

use super::args::MergeArgs;
use super::context::Context;
use super::output;
use super::report::{Failure, Result};
use keycellar::Error;
use keycellar::backup::export::Imported;
use keycellar::backup::paper::text::Fix;
use keycellar::credential::entry::Entry;
use keycellar::error::VaultError;
use keycellar::vault::backup_log::BackupKind;
use keycellar::vault::merge;
use keycellar::vault::{Saved, Vault};

/// Refuses contradictory merge options before anything is read or asked.
pub fn check_args(ctx: &Context, merge: &MergeArgs) -> Result<()> {
    if (merge.kdf.kdf_given() || merge.kdf.passphrase.given()) && !merge.init {
        return Err(Failure::Usage(
            "--kdf-* settings and the new passphrase's options apply only to a new vault \
             (--init)"
                .into(),
        ));
    }
    if merge.init && ctx.vault.exists() {
        return Err(Error::Vault(VaultError::VaultExists {
            path: ctx.vault.clone(),
        })
        .into());
    }
    Ok(())
}

/// Brings checked entries into the vault, or into a new one with `--init` (whose record
/// of backups then starts with the one of `kind` it came from).
pub fn merge(
    ctx: &Context,
    incoming: Vec<Entry>,
    merge: &MergeArgs,
    source: &Imported,
    mended: &[Fix],
    kind: BackupKind,
) -> Result<()> {
    if merge.init {
        let actions = merge::plan(&[], incoming, merge.on_conflict)?;
        output::import_plan(&actions, merge.dry_run, ctx.json)?;
        if merge.dry_run {
            return Ok(());
        }
        let mut entries = Vec::new();
        merge::apply(&mut entries, &actions);
        let (passphrase, params) = ctx.new_vault_settings(&merge.kdf)?;
        let vault = Vault::create_from_backup(&ctx.vault, &passphrase, params, entries, kind)?;
        return output::imported(&vault, source, true, mended, ctx.json);
    }
    let mut vault = ctx.open_for_change()?;
    if merge.dry_run {
        let actions = vault.plan_import(incoming, merge.on_conflict)?;
        return output::import_plan(&actions, true, ctx.json);
    }
    let actions = vault.import(incoming, merge.on_conflict)?;
    output::import_plan(&actions, false, ctx.json)?;
    let written = vault.save()? == Saved::Written;
    output::imported(&vault, source, written, mended, ctx.json)
}

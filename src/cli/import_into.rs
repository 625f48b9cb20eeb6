//! How restored entries join a vault (shared by `import` and `restore`): into the open
//! vault by the merge rules, or into a new one with `--init`; `--dry-run` only prints the
//! plan.

use super::args::MergeArgs;
use super::context::Context;
use super::output::{self, Origin};
use super::report::{Failure, Result};
use keycellar::Error;
use keycellar::backup::export::Imported;
use keycellar::credential::entry::Entry;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::error::VaultError;
use keycellar::kdf::KdfParams;
use keycellar::ops::{self, BringIn, BringInPrompts, PlannedAction, Repaired, Target};
use keycellar::passphrase::NewPassphrase;
use keycellar::vault::backup_log::BackupKind;

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

/// What a merge that was not a dry run did.
pub struct Merged {
    pub fingerprint: Fingerprint,
    pub written: bool,
}

/// Brings checked entries into the vault, or into a new one with `--init` (whose record
/// of backups then starts with the one of `kind` it came from). `origin`, for keys moved
/// in from a bot's files, is printed with the plan.
pub fn merge(
    ctx: &Context,
    incoming: Vec<Entry>,
    merge: &MergeArgs,
    source: &Imported,
    repaired: &Repaired,
    kind: BackupKind,
    origin: Option<&Origin>,
) -> Result<()> {
    let Some(merged) = merge_entries(ctx, incoming, merge, Some(kind), origin)? else {
        return Ok(());
    };
    let document = output::imported(
        &ctx.vault,
        merged.fingerprint,
        source,
        merged.written,
        repaired,
    );
    output::print_imported(document, ctx.json)
}

/// Brings checked entries into the vault, or into a new one with `--init`, printing the
/// plan; a new vault made from a backup (`kind`) records it as its first. `None` for a
/// dry run.
pub fn merge_entries(
    ctx: &Context,
    incoming: Vec<Entry>,
    merge: &MergeArgs,
    kind: Option<BackupKind>,
    origin: Option<&Origin>,
) -> Result<Option<Merged>> {
    let target = match merge.init {
        true => Target::NewVault { from: kind },
        false => Target::Vault,
    };
    let plan = BringIn {
        entries: incoming,
        on_conflict: merge.on_conflict,
        target,
        dry_run: merge.dry_run,
    };
    let prompts = MergePrompts { ctx, merge, origin };
    let brought = ops::bring_in(ctx, plan, &prompts)?;
    Ok(brought.map(|b| Merged {
        fingerprint: b.vault_fingerprint,
        written: b.written,
    }))
}

/// Prints the plan, and asks for a new vault's passphrase with the command's options.
struct MergePrompts<'a> {
    ctx: &'a Context,
    merge: &'a MergeArgs,
    origin: Option<&'a Origin<'a>>,
}

impl BringInPrompts for MergePrompts<'_> {
    type Error = Failure;

    fn plan(&self, planned: &[PlannedAction], dry_run: bool) -> Result<()> {
        output::import_plan(planned, dry_run, self.ctx.json, self.origin)
    }

    fn new_vault(&self) -> Result<(NewPassphrase, KdfParams)> {
        self.ctx.new_vault_settings(&self.merge.kdf)
    }
}

//! Entries brought into a vault in one call, [`bring_in`]: a backup's (`restore`,
//! `import`) or keys moved in from a bot's files, merged into the session's vault by the
//! merge rules or made into a new vault at its path. Every entry is admitted again as any
//! entry joining a vault is. The plan is shown before a new vault's passphrase is asked,
//! and for a merge once it is made (it is planned under the vault's lock); a dry run stops
//! at the plan and writes nothing. A new vault is never made where a file (or a link) is.

use super::change::{ChangeRequest, PlannedAction};
use super::new_vault::NewVault;
use super::reply;
use super::session::Session;
use crate::credential::entry::Entry;
use crate::credential::fingerprint::Fingerprint;
use crate::error::{Error, VaultError};
use crate::kdf::KdfParams;
use crate::passphrase::NewPassphrase;
use crate::vault::backup_log::BackupKind;
use crate::vault::merge::OnConflict;

/// Where brought-in entries go.
pub enum Target {
    /// The session's vault, by the merge rules.
    Vault,
    /// A new vault at the session's vault path, whose record of backups starts with the
    /// backup of kind `from` that the entries came from (`None`: moved in from no backup).
    NewVault { from: Option<BackupKind> },
}

/// Entries to bring in.
pub struct BringIn {
    pub entries: Vec<Entry>,
    /// How a label that is already taken is settled.
    pub on_conflict: OnConflict,
    pub target: Target,
    /// Only plan: nothing is asked or written.
    pub dry_run: bool,
}

/// What bringing entries in did (not a dry run).
pub struct BroughtIn {
    /// The vault's fingerprint now.
    pub vault_fingerprint: Fingerprint,
    /// Whether the vault was written (a merge that changed nothing is not).
    pub written: bool,
}

/// What bringing entries in shows and asks its front end.
pub trait BringInPrompts {
    type Error: From<Error>;

    /// Shows the plan (each label, what is done with it and why).
    fn plan(&self, planned: &[PlannedAction], dry_run: bool) -> Result<(), Self::Error>;

    /// The new vault's passphrase and key-derivation settings; the passphrase is checked
    /// against the floor for those settings when the vault is made.
    fn new_vault(&self) -> Result<(NewPassphrase, KdfParams), Self::Error>;
}

/// Brings `plan`'s entries in; `None` for a dry run.
pub fn bring_in<S: Session>(
    session: &S,
    plan: BringIn,
    prompts: &dyn BringInPrompts<Error = S::Error>,
) -> Result<Option<BroughtIn>, S::Error> {
    let BringIn {
        entries,
        on_conflict,
        target,
        dry_run,
    } = plan;
    if let Target::NewVault { from } = target {
        // Refused before anything is shown or asked; the vault's creation refuses it again.
        if std::fs::symlink_metadata(session.vault()).is_ok() {
            let path = session.vault().to_path_buf();
            return Err(Error::Vault(VaultError::VaultExists { path }).into());
        }
        let new_vault = NewVault::plan(entries, on_conflict)?;
        prompts.plan(&new_vault.planned(), dry_run)?;
        if dry_run {
            return Ok(None);
        }
        let (passphrase, params) = prompts.new_vault()?;
        let vault = new_vault.create(session.vault(), &passphrase, params, from)?;
        return Ok(Some(BroughtIn {
            vault_fingerprint: vault.fingerprint(),
            written: true,
        }));
    }
    let reply::Imported {
        plan,
        written,
        vault_fingerprint,
    } = session.change(ChangeRequest::Import {
        entries,
        on_conflict,
        dry_run,
    })?;
    prompts.plan(&plan, dry_run)?;
    Ok((!dry_run).then_some(BroughtIn {
        vault_fingerprint,
        written,
    }))
}

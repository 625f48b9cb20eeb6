//! A new vault made from a backup's entries (`import --init`, `restore --init`): the
//! entries are admitted again as any entry joining a vault is, planned as an import into
//! an empty vault would be (the plan a front end shows, and stops at for a dry run), and
//! only then is the vault created, its record of backups starting with the one it came
//! from.

use super::PlannedAction;
use super::backup::readmit;
use crate::credential::entry::Entry;
use crate::error::Result;
use crate::kdf::KdfParams;
use crate::passphrase::NewPassphrase;
use crate::vault::Vault;
use crate::vault::backup_log::BackupKind;
use crate::vault::merge::{self, Action, OnConflict};
use std::path::Path;

/// The entries a new vault will hold, as planned.
pub struct NewVault {
    actions: Vec<Action>,
}

impl NewVault {
    /// Plans a new vault holding `incoming`; labels that clash are settled by
    /// `on_conflict`, as an import settles them.
    pub fn plan(incoming: Vec<Entry>, on_conflict: OnConflict) -> Result<NewVault> {
        let actions = merge::plan(&[], readmit(incoming)?, on_conflict)?;
        Ok(NewVault { actions })
    }

    /// The plan, as a front end shows it.
    pub fn planned(&self) -> Vec<PlannedAction> {
        self.actions.iter().map(PlannedAction::of).collect()
    }

    /// Creates the vault at `path` with the planned entries, its passphrase checked against
    /// the floor at `params`; made from a backup of `kind` when one is given (moved-in keys
    /// come from no backup).
    pub fn create(
        self,
        path: &Path,
        passphrase: &NewPassphrase,
        params: KdfParams,
        kind: Option<BackupKind>,
    ) -> Result<Vault> {
        let mut entries = Vec::new();
        merge::apply(&mut entries, &self.actions);
        match kind {
            Some(kind) => Vault::create_from_backup(path, passphrase, params, entries, kind),
            None => Vault::create(path, passphrase, params, entries),
        }
    }
}

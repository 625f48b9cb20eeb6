//! `status`: what a vault holds and how well it is backed up, computed here so that every
//! front end reports the same (the command line only prints it).

use crate::clock::{Date, Timestamp};
use crate::credential::entry::{Entry, Status};
use crate::credential::fingerprint::Fingerprint;
use crate::error::Result;
use crate::kdf::KdfParams;
use crate::run;
use crate::vault::backup_log::{BackupKind, BackupRecord};
use crate::vault::runtime_dir::{RuntimeDir, user_base};
use crate::vault::{Vault, run_lock};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The state of a vault, as `status` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub vault: PathBuf,
    pub vault_fingerprint: Fingerprint,
    pub generation: u64,
    /// The vault's state code ([`Vault::state_code`]): any change shows as another code.
    pub state_code: Fingerprint,
    /// How many entries have each status (by its name); statuses no entry has are absent.
    pub entries: BTreeMap<String, usize>,
    pub kdf: Vec<KdfParams>,
    pub last_export: Option<BackupState>,
    pub last_print: Option<BackupState>,
    /// The entries whose key as it is now is in no export or print.
    pub in_no_backup: Vec<EntryState>,
    /// The entries a `keycellar exec` is running with now.
    pub running: Vec<Running>,
    /// When a bot last started and ended with each entry (records kept outside the vault).
    pub runs: Vec<RunRow>,
}

/// One entry's run record, as `status` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRow {
    pub label: String,
    pub last_started: Option<Timestamp>,
    pub last_ended: Option<Timestamp>,
    pub last_exit_code: Option<i32>,
}

/// The last backup of one kind, measured against the vault as it is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupState {
    pub at: Timestamp,
    /// The vault fingerprint when the backup was made.
    pub vault_fingerprint: Fingerprint,
    /// False only when the backup holds every key of the vault as it is now, and no other.
    pub changed_since: bool,
    pub recipients: Vec<String>,
    /// The entries whose key as it is now the backup does not hold.
    pub missing: Vec<EntryState>,
}

/// An entry as `status` names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryState {
    pub label: String,
    pub status: Status,
    pub fingerprint: Fingerprint,
}

/// An entry whose key a `keycellar exec` holds; `pid` when the process is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    pub label: String,
    pub pid: Option<u32>,
}

/// The status of `vault` on `today`, with the runs found in this user's runtime directory
/// (`vault::runtime_dir`: from the uid, as `exec` finds it, whoever asks).
pub fn status(vault: &Vault, today: Date) -> Result<StatusReport> {
    let mut entries = BTreeMap::new();
    for entry in vault.entries() {
        *entries
            .entry(entry.status_on(today).as_str().to_string())
            .or_insert(0) += 1;
    }
    let (running, runs) = match RuntimeDir::open(user_base().as_deref()) {
        Ok(dir) => (running(vault, &dir), runs(vault, &dir)),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let backup = |kind| {
        vault
            .last_backup(kind)
            .map(|record: &BackupRecord| BackupState {
                at: record.at,
                vault_fingerprint: record.vault_fingerprint,
                changed_since: !record.is_current(vault),
                recipients: record.recipients.clone(),
                missing: states(&record.missing(vault), today),
            })
    };
    Ok(StatusReport {
        vault: vault.path().to_path_buf(),
        vault_fingerprint: vault.fingerprint(),
        generation: vault.generation(),
        state_code: vault.state_code()?,
        entries,
        kdf: vault.kdf_params(),
        last_export: backup(BackupKind::Export),
        last_print: backup(BackupKind::Print),
        in_no_backup: states(&vault.entries_in_no_backup(), today),
        running,
        runs,
    })
}

/// The entries whose key a run holds now.
fn running(vault: &Vault, dir: &RuntimeDir) -> Vec<Running> {
    vault
        .entries()
        .iter()
        .filter_map(|e| {
            let pid = run_lock::running(dir, &run_lock::name_for(e))?;
            let label = e.label().to_string();
            Some(Running { label, pid })
        })
        .collect()
}

/// The run records of the vault's entries.
fn runs(vault: &Vault, dir: &RuntimeDir) -> Vec<RunRow> {
    let records = run::read_records(dir.path(), &vault.id_hex());
    vault
        .entries()
        .iter()
        .filter_map(|e| {
            let record = records.get(e.id())?;
            Some(RunRow {
                label: e.label().to_string(),
                last_started: record.last_started,
                last_ended: record.last_ended,
                last_exit_code: record.last_exit_code,
            })
        })
        .collect()
}

fn states(entries: &[&Entry], today: Date) -> Vec<EntryState> {
    entries
        .iter()
        .map(|e| EntryState {
            label: e.label().to_string(),
            status: e.status_on(today),
            fingerprint: e.fingerprint(),
        })
        .collect()
}

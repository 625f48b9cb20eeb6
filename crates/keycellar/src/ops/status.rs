//! `status`: what a vault holds and how well it is backed up, computed here so that every
//! front end reports the same (the command line only prints it).

use crate::clock::{Date, Timestamp};
use crate::credential::entry::{Entry, Status};
use crate::credential::exchange::Exchange;
use crate::credential::expiry::{self, Basis};
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
    /// When an exchange's own rule turns off or deletes each active key it applies to.
    pub key_health: Vec<KeyHealth>,
}

/// When an exchange's rule acts on one key (`credential::expiry`), and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHealth {
    pub label: String,
    pub exchange: Exchange,
    /// The day the exchange acts, or, when its page gives no number, keycellar's warning day.
    pub on: Date,
    /// Whether the exchange states the number of days.
    pub stated: bool,
    /// What the days are counted from, and that day.
    pub counted_from: Basis,
    pub counted_from_date: Date,
    /// The finding in words, as `audit` gives it.
    pub message: String,
    pub source: String,
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
        key_health: key_health(vault, today),
    })
}

/// The day each entry was last used by a bot, by entry id, from the run records in this
/// user's runtime directory (the later of its last start and end).
pub fn last_uses(vault: &Vault) -> super::audit::LastUses {
    run_facts(vault).last_uses
}

/// What the run records in this user's runtime directory say of each entry: the day a bot
/// last used it (the later of its last start and end), and the profile of its last run.
pub fn run_facts(vault: &Vault) -> super::audit::Runs {
    let Ok(dir) = RuntimeDir::open(user_base().as_deref()) else {
        return Default::default();
    };
    let mut runs = super::audit::Runs::default();
    for (id, record) in run::read_records(dir.path(), &vault.id_hex()) {
        if let Some(last) = record.last_started.max(record.last_ended) {
            runs.last_uses.insert(id.clone(), last.date());
        }
        if let Some(profile) = record.last_profile {
            runs.last_profiles.insert(id, profile);
        }
    }
    runs
}

/// The exchange rules that apply to the vault's active keys.
fn key_health(vault: &Vault, today: Date) -> Vec<KeyHealth> {
    let last_uses = last_uses(vault);
    vault
        .entries()
        .iter()
        .filter(|e| e.status_on(today) == Status::Active)
        .filter_map(|e| {
            let p = expiry::predict(e, last_uses.get(e.id()).copied())?;
            Some(KeyHealth {
                label: e.label().to_string(),
                exchange: e.exchange,
                on: p.on,
                stated: p.rule.stated,
                counted_from: p.basis,
                counted_from_date: p.basis_date,
                message: super::audit::expiry_message(&p, today),
                source: p.rule.source.to_string(),
            })
        })
        .collect()
}

/// The entries whose key a run holds now.
fn running(vault: &Vault, dir: &RuntimeDir) -> Vec<Running> {
    vault
        .entries()
        .iter()
        .filter_map(|e| {
            let pid = run_lock::running(dir, e)?;
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

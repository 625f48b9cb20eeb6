//! What `exec` takes from the vault, decided here for every front end: which entries (each
//! current and usable unless asked otherwise, none twice), which variable gets which field
//! (the profile's names or a custom mapping, refusing two keys that would set one variable),
//! and the run lock of each key. Only the chosen entries come back, secrets included: the
//! command hands them to its child (or to the signing service) and masks them in its output.

use crate::clock::Date;
use crate::credential::entry::Entry;
use crate::credential::exec::Field;
use crate::credential::exec::profiles::Profile;
use crate::error::{EntryError, Result};
use crate::untrusted::quoted;
use crate::vault::Vault;
use crate::vault::run_lock::{self, RunLock, Runner};
use crate::vault::runtime_dir::RuntimeDir;
use serde::{Deserialize, Serialize};

/// What `exec` asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecOptions {
    pub labels: Vec<String>,
    pub profile: Profile,
    /// `NAME=FIELD` mappings that replace the profile's variables (one entry only).
    pub custom: Vec<(String, Field)>,
    /// Hand over keys that are not active (expired, disabled, rotated) too.
    pub allow_inactive: bool,
}

/// One variable the child gets: its name, the entry (an index into
/// [`ExecPrepared::entries`]) and the field of that entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    pub entry: usize,
    pub field: Field,
}

/// One run lock to take: its name (one per exchange key, so two labels holding one key
/// share it) and the entry it is taken for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLockName {
    pub name: String,
    pub entry: usize,
}

/// What the command needs to start its child; the entries are only the chosen ones.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExecPrepared {
    /// The vault's id (hex), which names its run records and signing journal.
    pub vault_id: String,
    pub entries: Vec<Entry>,
    pub variables: Vec<Variable>,
    pub locks: Vec<RunLockName>,
}

/// Chooses the entries `options` names in `vault` on `today`, maps them to variables and
/// names their run locks.
pub fn exec_prepare(vault: &Vault, options: &ExecOptions, today: Date) -> Result<ExecPrepared> {
    let refused = |problem: String| EntryError::NotHandedOver { problem };
    if !options.custom.is_empty() && options.labels.len() > 1 {
        let problem = "a custom mapping maps the fields of one key, and several were given";
        return Err(refused(problem.into()).into());
    }
    let mut entries: Vec<&Entry> = Vec::new();
    for label in &options.labels {
        let entry = vault.find_for_use(label)?;
        if !options.allow_inactive {
            entry.check_usable(today)?;
        }
        if entries.iter().any(|e| e.id() == entry.id()) {
            return Err(refused(format!("{} is given twice", quoted(label))).into());
        }
        entries.push(entry);
    }
    let variables = variables(&entries, options.profile, &options.custom)?;
    let mut locks: Vec<RunLockName> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let name = run_lock::name_for(entry);
        if !locks.iter().any(|l| l.name == name) {
            locks.push(RunLockName { name, entry: index });
        }
    }
    Ok(ExecPrepared {
        vault_id: vault.id_hex(),
        entries: entries.into_iter().cloned().collect(),
        variables,
        locks,
    })
}

/// Every variable the child gets, refusing two keys that would set the same one.
fn variables(
    entries: &[&Entry],
    profile: Profile,
    custom: &[(String, Field)],
) -> Result<Vec<Variable>> {
    let mut all: Vec<Variable> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let mapping = match custom.is_empty() {
            true => profile
                .variables(entry)
                .map_err(|problem| EntryError::NotHandedOver { problem })?,
            false => custom.to_vec(),
        };
        for (name, field) in mapping {
            if let Some(first) = all.iter().find(|v| v.name == name) {
                let problem = format!(
                    "{} and {} would both set {name} (profile {profile}); run each with its \
                     own exec, or choose a profile that names them apart (json-fd)",
                    quoted(entries[first.entry].label()),
                    quoted(entry.label())
                );
                return Err(EntryError::NotHandedOver { problem }.into());
            }
            all.push(Variable {
                name,
                entry: index,
                field,
            });
        }
    }
    Ok(all)
}

/// The run lock of each key `prepared` holds, once per key (two labels holding one key share
/// it): a signing service's (`Profile::Sign`) whatever the front end asks (several services
/// may sign with a key, each issuing its nonces, but never beside a bot that holds the
/// secret itself: two nonce sources on one key), else a bot's, shared when `shared` asks.
/// Another start of the key is waited for at most `patience`.
pub fn take_run_locks(
    runtime: &RuntimeDir,
    prepared: &ExecPrepared,
    profile: Profile,
    shared: bool,
    patience: std::time::Duration,
) -> Result<Vec<RunLock>> {
    let runner = match profile {
        Profile::Sign => Runner::Signs,
        _ => Runner::HoldsSecret { shared },
    };
    (prepared.locks.iter())
        .map(|lock| run_lock::acquire(runtime, &prepared.entries[lock.entry], runner, patience))
        .collect()
}

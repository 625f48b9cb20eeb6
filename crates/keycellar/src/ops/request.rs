//! Vault operations as requests: a [`VaultRequest`] names a step that needs the vault key,
//! [`execute`] runs it on an open vault, and the [`VaultReply`] carries only what the
//! command needs (only `show` with `reveal` carries a secret). Both cross a socket as JSON, so an
//! agent that holds the key can serve them (a [`super::Session`] runs them).

use super::audit;
use super::backup;
use super::change::ChangeRequest;
use super::exec::{ExecOptions, exec_prepare};
use super::reply::{self, VaultReply};
use super::status;
use crate::clock::{Date, Timestamp};
use crate::credential::entry::{Entry, Status};
use crate::credential::exchange::Exchange;
use crate::credential::fingerprint::Fingerprint;
use crate::credential::otp::{self, TwoFactor};
use crate::credential::validate;
use crate::error::{EntryError, Error, Result};
use crate::secret::Secret;
use crate::vault::merge::Read;
use crate::vault::{Mismatch, Vault};
use serde::{Deserialize, Serialize};

/// A step that needs the vault key: one that reads the vault, or a [`ChangeRequest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case", deny_unknown_fields)]
pub enum VaultRequest {
    /// The entries the filter shows (active ones by default), without secrets, how many it
    /// left out, and the vault fingerprint.
    List {
        #[serde(default, skip_serializing_if = "super::ListFilter::is_default")]
        filter: super::ListFilter,
    },
    /// One entry; its secret and API passphrase only when `reveal` asks for them.
    Show { label: String, reveal: bool },
    /// Recomputes the fingerprints of one entry (or of every entry) and compares them with
    /// the stored ones, a fingerprint written down, or the public key the exchange shows.
    Verify {
        label: Option<String>,
        fingerprint: Option<Fingerprint>,
        public_key: Option<String>,
    },
    /// The keys a label held, newest first.
    History { label: String },
    /// The code `label`'s authenticator shows at `at` (the caller's clock), for a Kraken
    /// key that needs one.
    Otp { label: String, at: Timestamp },
    /// The fingerprint of one entry, or of the vault.
    Fingerprint { label: Option<String> },
    /// What the vault holds, how well it is backed up, and the bots running with it (looked
    /// for in this user's own runtime directory, found from the uid: never a place the
    /// request names, so an agent asked for a status reads and makes nothing elsewhere).
    Status {},
    /// What in the vault needs attention.
    Audit { max_age_days: i64 },
    /// Whether `label` may be rotated now (its key is in a backup, unless `unbacked`; the
    /// `permissions` are ones its exchange knows), checked before the new key is asked for;
    /// the rotation checks again under the lock.
    Rotatable {
        label: String,
        permissions: Vec<String>,
        unbacked: bool,
    },
    /// The entries `exec` hands to its child, chosen and mapped ([`super::exec_prepare`]):
    /// only those entries come back, with their secrets.
    ExecPrepare { options: ExecOptions },
    /// The export document of the entries `labels` names (every entry when none).
    Export { labels: Vec<String> },
    /// The entries a sheet holds (`labels`, or every entry), secrets included.
    PrintEntries { labels: Vec<String> },
    /// How entries decrypted from a backup differ from the vault's.
    Compare { entries: Vec<Entry>, read: Read },
    /// A change, run on the vault opened for change (waiting up to `lock_timeout_ms` for
    /// its lock) and saved.
    Change {
        change: Box<ChangeRequest>,
        lock_timeout_ms: u64,
    },
}

impl VaultRequest {
    /// A change wrapped as a request, with the time to wait for the vault's lock.
    pub fn change(change: ChangeRequest, lock_timeout: std::time::Duration) -> VaultRequest {
        VaultRequest::Change {
            change: Box::new(change),
            lock_timeout_ms: u64::try_from(lock_timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The request's tag on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            VaultRequest::List { .. } => "list",
            VaultRequest::Show { .. } => "show",
            VaultRequest::Verify { .. } => "verify",
            VaultRequest::History { .. } => "history",
            VaultRequest::Otp { .. } => "otp",
            VaultRequest::Fingerprint { .. } => "fingerprint",
            VaultRequest::Status {} => "status",
            VaultRequest::Audit { .. } => "audit",
            VaultRequest::Rotatable { .. } => "rotatable",
            VaultRequest::ExecPrepare { .. } => "exec_prepare",
            VaultRequest::Export { .. } => "export",
            VaultRequest::PrintEntries { .. } => "print_entries",
            VaultRequest::Compare { .. } => "compare",
            VaultRequest::Change { .. } => "change",
        }
    }
}

/// An entry as a listing shows it: every field but the secret and the API passphrase,
/// with its status and age on the day it was asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: String,
    pub label: String,
    pub exchange: Exchange,
    pub api_key: String,
    pub masked_key: String,
    pub has_api_passphrase: bool,
    /// Kraken: the 2FA the key needs with each request, if any.
    pub two_factor: Option<TwoFactor>,
    pub key_version: Option<String>,
    pub account_ref: Option<String>,
    pub permissions: Vec<String>,
    pub permission_summary: String,
    pub ip_allowlist: Vec<String>,
    pub expires: Option<Date>,
    pub created: Option<Date>,
    pub added_at: Timestamp,
    pub age_days: i64,
    pub status: Status,
    pub notes: Option<String>,
    pub used_by: Vec<String>,
    pub fingerprint: Fingerprint,
    pub lineage: LineageView,
}

/// One entry's fingerprint recomputed: `mismatches` says what did not match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub label: String,
    pub recorded: Fingerprint,
    pub recomputed: Fingerprint,
    pub mismatches: Vec<Mismatch>,
}

/// The outcome of a verification: [`EntryError::VerifyFailed`] naming every entry that did
/// not match, after the results were shown.
pub fn verify_outcome(results: &[Verified]) -> Result<()> {
    let failed: Vec<String> = results
        .iter()
        .filter(|v| !v.mismatches.is_empty())
        .map(|v| v.label.clone())
        .collect();
    match failed.is_empty() {
        true => Ok(()),
        false => Err(EntryError::VerifyFailed { labels: failed }.into()),
    }
}

/// The secret parts of an entry, which only `show` with `reveal` carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Revealed {
    pub secret: Secret,
    pub api_passphrase: Option<Secret>,
    #[serde(default)]
    pub otp_seed: Option<Secret>,
}

/// Where a key sits in its rotation chain; every field present, `None` when not known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageView {
    pub supersedes: Option<String>,
    pub replaced_by: Option<String>,
    pub rotated_at: Option<Timestamp>,
    pub reason: Option<String>,
}

impl EntryView {
    /// `entry` as it stands on `today`.
    pub fn of(entry: &Entry, today: Date) -> EntryView {
        let lineage = entry.lineage();
        EntryView {
            id: entry.id().to_string(),
            label: entry.label().to_string(),
            exchange: entry.exchange(),
            api_key: entry.api_key().to_string(),
            masked_key: entry.masked_key(),
            has_api_passphrase: entry.api_passphrase().is_some(),
            two_factor: entry.two_factor(),
            key_version: entry.key_version().map(str::to_string),
            account_ref: entry.account_ref().map(str::to_string),
            permissions: entry.permissions().to_vec(),
            permission_summary: entry.permission_summary(),
            ip_allowlist: entry.ip_allowlist().to_vec(),
            expires: entry.expires(),
            created: entry.created(),
            added_at: entry.added_at(),
            age_days: entry.age_days(today),
            status: entry.status_on(today),
            notes: entry.notes().map(str::to_string),
            used_by: entry.used_by().to_vec(),
            fingerprint: entry.fingerprint(),
            lineage: LineageView {
                supersedes: lineage.supersedes.clone(),
                replaced_by: lineage.replaced_by.clone(),
                rotated_at: lineage.rotated_at,
                reason: lineage.reason.clone(),
            },
        }
    }
}

/// Every entry (or `label`'s) recomputed and compared.
fn verify(
    vault: &Vault,
    label: Option<&str>,
    fingerprint: Option<Fingerprint>,
    public_key: Option<&str>,
) -> Result<Vec<Verified>> {
    Ok(vault
        .verify(label, fingerprint, public_key)?
        .into_iter()
        .map(|v| Verified {
            label: v.entry.label().to_string(),
            recorded: v.entry.fingerprint(),
            recomputed: v.recomputed,
            mismatches: v.mismatches,
        })
        .collect())
}

/// The code `label`'s authenticator shows at `at`; an entry without a seed is refused,
/// saying which 2FA its key needs instead.
fn otp_code(vault: &Vault, label: &str, at: Timestamp) -> Result<VaultReply> {
    let entry = vault.find(label)?;
    let seed = entry
        .otp_seed()
        .ok_or_else(|| EntryError::NoAuthenticator {
            label: label.to_string(),
            two_factor: entry.two_factor().map(TwoFactor::as_str),
        })?;
    let (code, valid_for) = otp::code_at(seed, at)?;
    Ok(VaultReply::Otp(reply::Otp {
        label: label.to_string(),
        code,
        valid_for,
    }))
}

/// Rotate's rules that need no new key: the label's key is in a backup as it is now (unless
/// `unbacked`), and `permissions` are ones its exchange knows. Its exchange, which says how
/// the new key is read.
pub fn rotatable(
    vault: &Vault,
    label: &str,
    permissions: &[String],
    unbacked: bool,
) -> Result<Exchange> {
    // A rotation disables a key on the exchange: its secret must be in a backup first.
    if !unbacked && !vault.is_backed_up(label)? {
        return Err(EntryError::NotBackedUp {
            label: label.to_string(),
        }
        .into());
    }
    let exchange = vault.find(label)?.exchange();
    validate::check_permission_names(exchange, permissions)?;
    Ok(exchange)
}

/// The entries `filter` shows, and how many it leaves out.
fn list(vault: &Vault, filter: &super::ListFilter, today: Date) -> VaultReply {
    let (shown, hidden): (Vec<&Entry>, Vec<&Entry>) =
        vault.entries().iter().partition(|e| filter.shows(e, today));
    VaultReply::List(reply::List {
        entries: shown.into_iter().map(|e| EntryView::of(e, today)).collect(),
        hidden: hidden.len(),
        vault_fingerprint: vault.fingerprint(),
    })
}

/// Runs a reading `request` on `vault` as it stands on `today` (a change is run by
/// [`super::execute_change`] on a vault opened for change).
pub fn execute(vault: &Vault, request: &VaultRequest, today: Date) -> Result<VaultReply> {
    Ok(match request {
        VaultRequest::List { filter } => list(vault, filter, today),
        VaultRequest::Show { label, reveal } => {
            let entry = vault.find(label)?;
            VaultReply::Show(reply::Show {
                entry: Box::new(EntryView::of(entry, today)),
                revealed: reveal.then(|| Revealed {
                    secret: entry.secret().clone(),
                    api_passphrase: entry.api_passphrase().cloned(),
                    otp_seed: entry.otp_seed().cloned(),
                }),
            })
        }
        VaultRequest::History { label } => VaultReply::History(reply::History {
            chain: vault
                .history(label)?
                .into_iter()
                .map(|e| EntryView::of(e, today))
                .collect(),
        }),
        VaultRequest::Otp { label, at } => otp_code(vault, label, *at)?,
        VaultRequest::Verify {
            label,
            fingerprint,
            public_key,
        } => VaultReply::Verify(reply::Verify {
            results: verify(vault, label.as_deref(), *fingerprint, public_key.as_deref())?,
            vault_fingerprint: vault.fingerprint(),
        }),
        VaultRequest::Fingerprint { label: Some(label) } => {
            VaultReply::Fingerprint(reply::Fingerprint {
                of: label.clone(),
                fingerprint: vault.find(label)?.fingerprint(),
            })
        }
        VaultRequest::Fingerprint { label: None } => VaultReply::Fingerprint(reply::Fingerprint {
            of: "vault".into(),
            fingerprint: vault.fingerprint(),
        }),
        VaultRequest::Status {} => VaultReply::Status(reply::Status {
            report: Box::new(status::status(vault, today)?),
        }),
        VaultRequest::Audit { max_age_days } => VaultReply::Audit(reply::Audit {
            findings: audit::audit(vault, *max_age_days, today, &status::run_facts(vault)),
        }),
        VaultRequest::Rotatable {
            label,
            permissions,
            unbacked,
        } => VaultReply::Rotatable(reply::Rotatable {
            exchange: rotatable(vault, label, permissions, *unbacked)?,
        }),
        VaultRequest::ExecPrepare { options } => VaultReply::ExecPrepared(reply::ExecPrepared {
            prepared: Box::new(exec_prepare(vault, options, today)?),
        }),
        VaultRequest::Export { labels } => VaultReply::Export(reply::Export {
            export: Box::new(backup::export_document(vault, labels)?),
        }),
        VaultRequest::PrintEntries { labels } => VaultReply::PrintEntries(reply::PrintEntries {
            entries: backup::print_entries(vault, labels)?,
            vault_fingerprint: vault.fingerprint(),
        }),
        VaultRequest::Compare { entries, read } => VaultReply::Compare(reply::Compare {
            comparison: Box::new(backup::compare(vault, entries.clone(), *read)?),
            vault_fingerprint: vault.fingerprint(),
        }),
        VaultRequest::Change { .. } => {
            return Err(Error::Internal(
                "a change was asked of a vault opened to read".into(),
            ));
        }
    })
}

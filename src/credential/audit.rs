//! `audit`: what in the vault needs attention, each finding with a severity.
//!
//! Rules: old keys, withdraw permission, trading or withdrawing without an IP allow-list,
//! expired or soon-expiring keys, retired keys still marked as used, a stale or missing
//! backup, one public key in two entries, weak KDF parameters, and stored fingerprints that
//! no longer match their keys.

use crate::credential::entry::{Entry, Exchange, Status};
use crate::credential::fingerprint;
use crate::credential::lifecycle;
use crate::error::Result;
use crate::vault::Vault;
use serde::Serialize;
use std::collections::HashMap;

/// How urgent a finding is. `High` makes `audit` exit non-zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Medium,
    High,
}

/// One finding.
#[derive(Debug, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable rule name, e.g. `withdraw-permission`.
    pub rule: &'static str,
    /// The entry concerned, if any.
    pub label: Option<String>,
    pub message: String,
}

/// Days until `expires` counts as "expiring soon".
pub const EXPIRY_WARNING_DAYS: i64 = 14;

fn days_since(entry: &Entry, today: time::Date) -> Option<i64> {
    let since = match &entry.created {
        Some(d) => d.inner(),
        None => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(entry.added_at.get(..10)?, &format).ok()?
        }
    };
    Some((today - since).whole_days())
}

/// Runs every rule. `today` is a parameter so tests can move the clock.
pub fn audit(vault: &Vault, max_age_days: i64, today: time::Date) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut add = |severity, rule, label: Option<&str>, message: String| {
        findings.push(Finding {
            severity,
            rule,
            label: label.map(str::to_string),
            message,
        });
    };
    let current: Vec<&Entry> = vault
        .contents
        .entries
        .iter()
        .filter(|e| e.status == Status::Active)
        .collect();
    for e in &current {
        let label = Some(e.label.as_str());
        if let Some(days) = days_since(e, today).filter(|d| *d > max_age_days) {
            add(
                Severity::Medium,
                "key-age",
                label,
                format!("the key is {days} days old (limit {max_age_days}); rotate it"),
            );
        }
        let summary = e.permission_summary();
        if summary.contains("WITHDRAW") {
            add(Severity::High, "withdraw-permission", label, "the key can withdraw funds; use a key without withdraw permission unless a bot truly needs it".into());
        }
        if (summary.contains("WITHDRAW") || summary.contains("trade")) && e.ip_allowlist.is_empty()
        {
            add(
                Severity::High,
                "no-ip-allowlist",
                label,
                "the key can trade or withdraw but has no IP allow-list".into(),
            );
        }
        if let Some(expires) = &e.expires {
            let left = (expires.inner() - today).whole_days();
            if left < 0 {
                add(
                    Severity::High,
                    "expired",
                    label,
                    format!("the key expired on {expires}"),
                );
            } else if left <= EXPIRY_WARNING_DAYS {
                add(
                    Severity::Medium,
                    "expiring",
                    label,
                    format!("the key expires on {expires}, in {left} days"),
                );
            }
        }
    }
    for e in &vault.contents.entries {
        if matches!(e.status, Status::Rotated | Status::Revoked) && !e.used_by.is_empty() {
            add(
                Severity::Medium,
                "retired-key-in-use",
                Some(&e.label),
                format!(
                    "a {} key is still listed as used by {}",
                    e.status.as_str(),
                    e.used_by.join(", ")
                ),
            );
        }
        if fingerprint::of_entry(e).ok().as_deref() != Some(e.fingerprint.as_str()) {
            add(
                Severity::High,
                "fingerprint-mismatch",
                Some(&e.label),
                "the stored key no longer gives its recorded fingerprint; restore it from a backup"
                    .into(),
            );
        }
    }
    // Each entry's next twin (a later entry with the same exchange and public key), found
    // in one pass from the end: a large vault must not cost a comparison per pair.
    let mut later: HashMap<(Exchange, &str), &Entry> = HashMap::new();
    let mut next_twin = vec![None; current.len()];
    for (i, e) in current.iter().enumerate().rev() {
        next_twin[i] = later.insert((e.exchange, e.api_key.as_str()), *e);
    }
    for (a, twin) in current.iter().zip(next_twin) {
        if let Some(b) = twin {
            add(
                Severity::Medium,
                "duplicate-key",
                Some(&a.label),
                format!("the same public key is also stored as {:?}", b.label),
            );
        }
    }
    match vault.contents.backups.last() {
        None => add(
            Severity::Medium,
            "no-backup",
            None,
            "the vault was never exported or printed".into(),
        ),
        Some(last) if !lifecycle::backup_is_current(vault)? => add(
            Severity::Medium,
            "stale-backup",
            None,
            format!("the vault changed since the last backup ({})", last.at),
        ),
        Some(_) => {}
    }
    for params in vault.kdf_params() {
        if params.below_recommended() {
            add(
                Severity::High,
                "weak-kdf",
                None,
                format!(
                    "{} is below the recommended 64 MiB; export it and `import --init` it into a vault made with stronger settings",
                    params.describe()
                ),
            );
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Ok(findings)
}

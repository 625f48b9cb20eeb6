//! Printing for `rotate`, `history`, `status`, `audit` and `exec --list-profiles`.

use super::{JSON_SCHEMA, print_json};
use crate::cli::report::Result;
use crate::cli::ui;
use keycellar::credential::entry::Status;
use keycellar::credential::exec::profiles::Profile;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::ops::EntryView;
use keycellar::ops::audit::{Finding, Rule, Severity};
use keycellar::ops::status::{EntryState, StatusReport};
use keycellar::untrusted::escaped as safe;
use keycellar::wording::count;
use serde_json::json;

pub fn rotated(
    old: &EntryView,
    new: &EntryView,
    fingerprint: Fingerprint,
    as_json: bool,
) -> Result<()> {
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "label": new.label,
            "old_fingerprint": old.fingerprint,
            "new_fingerprint": new.fingerprint,
            "vault_fingerprint": fingerprint,
        }))?;
        return Ok(());
    }
    let label = safe(&new.label);
    say!(
        "Rotated {label}: the label now holds key {} (fingerprint {}).",
        new.masked_key,
        new.fingerprint
    );
    say!(
        "The old key {} (fingerprint {}) is kept as rotated.",
        old.masked_key,
        old.fingerprint
    );
    let mut steps = vec![format!(
        "Disable or delete the old key {} on the {} API-key page.",
        old.masked_key, old.exchange
    )];
    for app in &new.used_by {
        steps.push(format!(
            "Give the new key to {} (e.g. keycellar exec {label} -- ...).",
            safe(app)
        ));
    }
    steps.push(format!(
        "Check the new key: keycellar verify {label} --key <public key shown by the exchange>"
    ));
    steps.push("Make a fresh backup: keycellar export ... or keycellar print ...".into());
    say!("Now:");
    for (number, step) in steps.iter().enumerate() {
        say!("  {}. {step}", number + 1);
    }
    say!("Vault fingerprint: {fingerprint}");
    Ok(())
}

pub fn history(chain: &[EntryView], as_json: bool) -> Result<()> {
    if as_json {
        let items: Vec<_> = chain
            .iter()
            .map(|e| {
                json!({
                    "id": e.id, "label": e.label, "masked_key": e.masked_key,
                    "status": e.status, "added_at": e.added_at,
                    "rotated_at": e.lineage.rotated_at, "reason": e.lineage.reason,
                    "fingerprint": e.fingerprint,
                })
            })
            .collect();
        print_json(json!({ "schema": JSON_SCHEMA, "history": items }))?;
        return Ok(());
    }
    for e in chain {
        let rotated = match (&e.lineage.rotated_at, &e.lineage.reason) {
            (Some(at), Some(reason)) => format!("  rotated {at} ({})", safe(reason)),
            (Some(at), None) => format!("  rotated {at}"),
            _ => String::new(),
        };
        say!(
            "{:<8} {}  key {}  added {}  fingerprint {}{rotated}",
            e.status.as_str(),
            safe(&e.label),
            e.masked_key,
            e.added_at,
            e.fingerprint
        );
    }
    Ok(())
}

pub fn status(report: &StatusReport, as_json: bool) -> Result<()> {
    if as_json {
        let mut document = serde_json::to_value(report)
            .map_err(|e| keycellar::Error::Internal(format!("the status report: {e}")))?;
        document["schema"] = json!(JSON_SCHEMA);
        print_json(document)?;
        return Ok(());
    }
    say!("Vault:             {}", report.vault.display());
    say!("Vault fingerprint: {}", report.vault_fingerprint);
    say!(
        "Generation:        {} (state code {})",
        report.generation,
        report.state_code
    );
    let counts: Vec<String> = report
        .entries
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    say!(
        "Entries:           {}",
        if counts.is_empty() {
            "none".into()
        } else {
            counts.join(", ")
        }
    );
    for params in &report.kdf {
        say!("KDF:               {}", params.describe());
    }
    for running in &report.running {
        let process = running
            .pid
            .map(|p| format!(" (process {p})"))
            .unwrap_or_default();
        say!(
            "Running:           {} under exec{process}",
            safe(&running.label)
        );
    }
    for health in &report.key_health {
        say!(
            "Exchange rule:     {}: {}",
            safe(&health.label),
            safe(&health.message)
        );
    }
    last_backups(report)
}

/// The "Last export", "Last print" and "In no backup" lines of `status`.
fn last_backups(report: &StatusReport) -> Result<()> {
    let total: usize = report.entries.values().sum();
    for (name, last) in [
        ("Last export", &report.last_export),
        ("Last print", &report.last_print),
    ] {
        let name = format!("{name}:");
        let Some(b) = last else {
            say!("{name:<18} never");
            continue;
        };
        let missing = b.missing.len();
        let holds = format!(
            "holds {} of {}",
            total - missing,
            count(total, "entry", "entries")
        );
        let state = match (b.vault_fingerprint == report.vault_fingerprint, missing) {
            (true, 0) => "vault unchanged since".to_string(),
            (true, _) => format!("{holds} only"),
            (false, 0) => "VAULT CHANGED SINCE".to_string(),
            (false, _) => format!("VAULT CHANGED SINCE: {holds}"),
        };
        say!(
            "{name:<18} {} (fingerprint {}; {state})",
            b.at,
            b.vault_fingerprint
        );
    }
    let unsaved = &report.in_no_backup;
    if unsaved.is_empty() {
        say!("In no backup:      none");
        return Ok(());
    }
    const SHOWN: usize = 10;
    let mut names: Vec<String> = unsaved.iter().take(SHOWN).map(named).collect();
    if unsaved.len() > SHOWN {
        names.push(format!("and {} more", unsaved.len() - SHOWN));
    }
    say!(
        "In no backup:      {} of {}: {} (keycellar export or print backs them up)",
        unsaved.len(),
        count(total, "entry", "entries"),
        names.join(", ")
    );
    Ok(())
}

/// A label as `status` names it, with the status when the key is not the current one.
fn named(e: &EntryState) -> String {
    match e.status {
        Status::Active => safe(&e.label).into_owned(),
        status => format!("{} ({})", safe(&e.label), status.as_str()),
    }
}

pub fn audit(findings: &[Finding], as_json: bool) -> Result<()> {
    let findings: Vec<Finding> = findings.iter().map(with_command).collect();
    if as_json {
        print_json(json!({ "schema": JSON_SCHEMA, "findings": findings }))?;
        return Ok(());
    }
    if findings.is_empty() {
        say!("No findings.");
    }
    for f in &findings {
        let severity = match f.severity {
            Severity::High => ui::paint(ui::BAD, "HIGH  "),
            Severity::Medium => ui::paint(ui::WARNING, "medium"),
        };
        let label = f
            .label
            .as_deref()
            .map(|l| format!(" {l}:"))
            .unwrap_or_default();
        say!(
            "{severity} {}{} {}",
            f.rule.name(),
            safe(&label),
            safe(&f.message)
        );
    }
    Ok(())
}

/// A finding with the command that acts on it, where a command with flags does (the
/// library's messages name no flags).
fn with_command(finding: &Finding) -> Finding {
    let command = match finding.rule {
        Rule::WeakKdf | Rule::KdfBelowFloor => {
            Some("keycellar passwd --kdf-memory 256 --kdf-time 3")
        }
        Rule::KeyAge
        | Rule::WithdrawPermission
        | Rule::NoIpAllowlist
        | Rule::Expired
        | Rule::Expiring
        | Rule::RetiredKeyInUse
        | Rule::FingerprintMismatch
        | Rule::DuplicateKey
        | Rule::NoBackup
        | Rule::StaleBackup
        | Rule::OnlyHardwareSlots
        | Rule::ExchangeExpiry
        | Rule::ExchangeExpirySoon
        | Rule::Dormant
        | Rule::AuthenticatorNotSent => None,
    };
    let mut finding = finding.clone();
    if let Some(command) = command {
        finding.message = format!("{} with `{command}`", finding.message);
    }
    finding
}

/// `exec --list-profiles`: each profile and what the command gets.
pub fn profiles(as_json: bool) -> Result<()> {
    if as_json {
        let list: Vec<_> = Profile::ALL
            .iter()
            .map(|p| json!({ "name": p.name(), "summary": p.summary() }))
            .collect();
        print_json(json!({ "schema": JSON_SCHEMA, "profiles": list }))?;
        return Ok(());
    }
    for profile in Profile::ALL {
        say!("{:<10} {}", profile.name(), profile.summary());
    }
    Ok(())
}

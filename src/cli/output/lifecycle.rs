//! Printing for `rotate`, `history`, `status`, `audit` and `exec --list-profiles`.

use super::{JSON_SCHEMA, print_json};
use crate::cli::report::Result;
use crate::cli::ui;
use keycellar::clock::Date;
use keycellar::credential::audit::{Finding, Severity};
use keycellar::credential::entry::Entry;
use keycellar::credential::exec::profiles::Profile;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::untrusted::escaped as safe;
use keycellar::vault::backup_log::BackupKind;
use keycellar::vault::{Rotated, Vault, run_lock};
use serde_json::json;

pub fn rotated(vault: &Vault, rotated: &Rotated, as_json: bool) -> Result<()> {
    let new = vault
        .find_id(&rotated.new_id)
        .ok_or_else(|| keycellar::Error::Internal("the new key is missing".into()))?;
    let fingerprint = vault.fingerprint();
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "label": new.label(),
            "old_fingerprint": rotated.old.fingerprint(),
            "new_fingerprint": new.fingerprint(),
            "vault_fingerprint": fingerprint,
        }))?;
        return Ok(());
    }
    let label = safe(new.label());
    say!(
        "Rotated {label}: the label now holds key {} (fingerprint {}).",
        new.masked_key(),
        new.fingerprint()
    );
    say!(
        "The old key {} (fingerprint {}) is kept as rotated.",
        rotated.old.masked_key(),
        rotated.old.fingerprint()
    );
    let mut steps = vec![format!(
        "Disable or delete the old key {} on the {} API-key page.",
        rotated.old.masked_key(),
        rotated.old.exchange()
    )];
    for app in new.used_by() {
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

pub fn history(chain: &[&Entry], as_json: bool) -> Result<()> {
    if as_json {
        let items: Vec<_> = chain
            .iter()
            .map(|e| {
                json!({
                    "id": e.id(), "label": e.label(), "masked_key": e.masked_key(),
                    "status": e.status_on(Date::today()), "added_at": e.added_at(),
                    "rotated_at": e.lineage().rotated_at, "reason": e.lineage().reason,
                    "fingerprint": e.fingerprint(),
                })
            })
            .collect();
        print_json(json!({ "schema": JSON_SCHEMA, "history": items }))?;
        return Ok(());
    }
    for e in chain {
        let rotated = match (&e.lineage().rotated_at, &e.lineage().reason) {
            (Some(at), Some(reason)) => format!("  rotated {at} ({})", safe(reason)),
            (Some(at), None) => format!("  rotated {at}"),
            _ => String::new(),
        };
        say!(
            "{:<8} {}  key {}  added {}  fingerprint {}{rotated}",
            e.status_on(Date::today()).as_str(),
            safe(e.label()),
            e.masked_key(),
            e.added_at(),
            e.fingerprint()
        );
    }
    Ok(())
}

pub fn status(vault: &Vault, as_json: bool) -> Result<()> {
    let fingerprint = vault.fingerprint();
    let mut counts = std::collections::BTreeMap::new();
    for e in vault.entries() {
        *counts
            .entry(e.status_on(Date::today()).as_str())
            .or_insert(0) += 1;
    }
    let backup = |kind| {
        vault.last_backup(kind).map(|b| {
            json!({
                "at": b.at,
                "vault_fingerprint": b.vault_fingerprint,
                "changed_since": b.vault_fingerprint != fingerprint,
                "recipients": b.recipients,
            })
        })
    };
    let state = vault.state_code()?;
    let running: Vec<(&str, Option<u32>)> = vault
        .entries()
        .iter()
        .filter_map(|e| run_lock::running(vault.path(), e.id()).map(|pid| (e.label(), pid)))
        .collect();
    let value = json!({
        "schema": JSON_SCHEMA,
        "vault": vault.path(),
        "vault_fingerprint": fingerprint,
        "generation": vault.generation(),
        "state_code": state,
        "entries": counts,
        "kdf": vault.kdf_params(),
        "last_export": backup(BackupKind::Export),
        "last_print": backup(BackupKind::Print),
        "running": running
            .iter()
            .map(|(label, pid)| json!({ "label": label, "pid": pid }))
            .collect::<Vec<_>>(),
    });
    if as_json {
        print_json(value)?;
        return Ok(());
    }
    say!("Vault:             {}", vault.path().display());
    say!("Vault fingerprint: {fingerprint}");
    say!(
        "Generation:        {} (state code {state})",
        vault.generation()
    );
    let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    say!(
        "Entries:           {}",
        if counts.is_empty() {
            "none".into()
        } else {
            counts.join(", ")
        }
    );
    for params in vault.kdf_params() {
        say!("KDF:               {}", params.describe());
    }
    for (label, pid) in &running {
        let process = pid.map(|p| format!(" (process {p})")).unwrap_or_default();
        say!("Running:           {} under exec{process}", safe(label));
    }
    last_backups(vault, fingerprint)
}

/// The "Last export" and "Last print" lines of `status`.
fn last_backups(vault: &Vault, fingerprint: Fingerprint) -> Result<()> {
    for (name, kind) in [
        ("Last export", BackupKind::Export),
        ("Last print", BackupKind::Print),
    ] {
        let name = format!("{name}:");
        match vault.last_backup(kind) {
            None => say!("{name:<18} never"),
            Some(b) => {
                let changed = if b.vault_fingerprint == fingerprint {
                    "vault unchanged since"
                } else {
                    "VAULT CHANGED SINCE"
                };
                say!(
                    "{name:<18} {} (fingerprint {}; {changed})",
                    b.at,
                    b.vault_fingerprint
                );
            }
        }
    }
    Ok(())
}

pub fn audit(findings: &[Finding], as_json: bool) -> Result<()> {
    if as_json {
        print_json(json!({ "schema": JSON_SCHEMA, "findings": findings }))?;
        return Ok(());
    }
    if findings.is_empty() {
        say!("No findings.");
    }
    for f in findings {
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

//! Printing for `rotate`, `history`, `status`, `audit` and `exec --list-profiles`.

use super::{JSON_SCHEMA, print_json};
use crate::cli::report::Result;
use crate::cli::ui;
use keycellar::clock::Date;
use keycellar::credential::audit::{Finding, Severity};
use keycellar::credential::entry::{Entry, Status};
use keycellar::credential::exec::profiles::Profile;
use keycellar::untrusted::escaped as safe;
use keycellar::vault::backup_log::{BackupKind, BackupRecord};
use keycellar::vault::{Rotated, Vault};
use keycellar::wording::count;
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
    let state = vault.state_code()?;
    let running = crate::cli::exec::running(vault);
    if as_json {
        let backup = |kind| vault.last_backup(kind).map(|b| backup_json(vault, b));
        print_json(json!({
            "schema": JSON_SCHEMA,
            "vault": vault.path(),
            "vault_fingerprint": fingerprint,
            "generation": vault.generation(),
            "state_code": state,
            "entries": counts,
            "kdf": vault.kdf_params(),
            "last_export": backup(BackupKind::Export),
            "last_print": backup(BackupKind::Print),
            "in_no_backup": entries_json(&vault.entries_in_no_backup()),
            "running": running
                .iter()
                .map(|(label, pid)| json!({ "label": label, "pid": pid }))
                .collect::<Vec<_>>(),
            "runs": crate::cli::exec::records(vault)
                .iter()
                .map(|(label, r)| json!({
                    "label": label, "last_started": r.last_started,
                    "last_ended": r.last_ended, "last_exit_code": r.last_exit_code,
                }))
                .collect::<Vec<_>>(),
        }))?;
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
    last_backups(vault)
}

/// A backup record in `status --json`: `changed_since` is true unless it holds the vault's
/// keys exactly as they are now; `missing` names the entries it does not hold.
fn backup_json(vault: &Vault, b: &BackupRecord) -> serde_json::Value {
    json!({
        "at": b.at,
        "vault_fingerprint": b.vault_fingerprint,
        "changed_since": !b.is_current(vault),
        "recipients": b.recipients,
        "missing": entries_json(&b.missing(vault)),
    })
}

fn entries_json(entries: &[&Entry]) -> Vec<serde_json::Value> {
    entries
        .iter()
        .map(|e| {
            json!({
                "label": e.label(),
                "status": e.status_on(Date::today()),
                "fingerprint": e.fingerprint(),
            })
        })
        .collect()
}

/// The "Last export", "Last print" and "In no backup" lines of `status`.
fn last_backups(vault: &Vault) -> Result<()> {
    let total = vault.entries().len();
    for (name, kind) in [
        ("Last export", BackupKind::Export),
        ("Last print", BackupKind::Print),
    ] {
        let name = format!("{name}:");
        let Some(b) = vault.last_backup(kind) else {
            say!("{name:<18} never");
            continue;
        };
        let missing = b.missing(vault).len();
        let holds = format!(
            "holds {} of {}",
            total - missing,
            count(total, "entry", "entries")
        );
        let state = match (b.vault_fingerprint == vault.fingerprint(), missing) {
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
    let unsaved = vault.entries_in_no_backup();
    if unsaved.is_empty() {
        say!("In no backup:      none");
        return Ok(());
    }
    const SHOWN: usize = 10;
    let mut names: Vec<String> = unsaved.iter().take(SHOWN).map(|e| named(e)).collect();
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
fn named(e: &Entry) -> String {
    match e.status_on(Date::today()) {
        Status::Active => safe(e.label()).into_owned(),
        status => format!("{} ({})", safe(e.label()), status.as_str()),
    }
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

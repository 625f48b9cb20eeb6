//! Printing for `rotate`, `history`, `status` and `audit`.

use super::{JSON_SCHEMA, print_json};
use crate::cli::report::Result;
use crate::cli::ui;
use keycellar::credential::audit::{Finding, Severity};
use keycellar::credential::entry::Entry;
use keycellar::vault::backup_log::BackupKind;
use keycellar::vault::{Rotated, Vault};
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
        }));
        return Ok(());
    }
    println!(
        "Rotated {}: the label now holds key {} (fingerprint {}).",
        new.label(),
        new.masked_key(),
        new.fingerprint()
    );
    println!(
        "The old key {} (fingerprint {}) is kept as rotated.",
        rotated.old.masked_key(),
        rotated.old.fingerprint()
    );
    println!("Now:");
    println!(
        "  1. Disable or delete the old key {} on the {} API-key page.",
        rotated.old.masked_key(),
        rotated.old.exchange()
    );
    for app in new.used_by() {
        println!(
            "  2. Give the new key to {app} (e.g. keycellar exec {} -- ...).",
            new.label()
        );
    }
    println!(
        "  3. Check the new key: keycellar verify {} --key <public key shown by the exchange>",
        new.label()
    );
    println!("  4. Make a fresh backup: keycellar export ... or keycellar print ...");
    println!("Vault fingerprint: {fingerprint}");
    Ok(())
}

pub fn history(chain: &[&Entry], as_json: bool) -> Result<()> {
    if as_json {
        let items: Vec<_> = chain
            .iter()
            .map(|e| {
                json!({
                    "id": e.id(), "label": e.label(), "masked_key": e.masked_key(),
                    "status": e.status(), "added_at": e.added_at(),
                    "rotated_at": e.lineage().rotated_at, "reason": e.lineage().reason,
                    "fingerprint": e.fingerprint(),
                })
            })
            .collect();
        print_json(json!({ "schema": JSON_SCHEMA, "history": items }));
        return Ok(());
    }
    for e in chain {
        let rotated = match (&e.lineage().rotated_at, &e.lineage().reason) {
            (Some(at), Some(reason)) => format!("  rotated {at} ({reason})"),
            (Some(at), None) => format!("  rotated {at}"),
            _ => String::new(),
        };
        println!(
            "{:<8} {}  key {}  added {}  fingerprint {}{rotated}",
            e.status().as_str(),
            e.label(),
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
        *counts.entry(e.status().as_str()).or_insert(0) += 1;
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
    });
    if as_json {
        print_json(value);
        return Ok(());
    }
    println!("Vault:             {}", vault.path().display());
    println!("Vault fingerprint: {fingerprint}");
    println!(
        "Generation:        {} (state code {state})",
        vault.generation()
    );
    let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    println!(
        "Entries:           {}",
        if counts.is_empty() {
            "none".into()
        } else {
            counts.join(", ")
        }
    );
    for params in vault.kdf_params() {
        println!("KDF:               {}", params.describe());
    }
    for (name, kind) in [
        ("Last export", BackupKind::Export),
        ("Last print", BackupKind::Print),
    ] {
        match vault.last_backup(kind) {
            None => println!("{name}:       never"),
            Some(b) => {
                let changed = if b.vault_fingerprint == fingerprint {
                    "vault unchanged since"
                } else {
                    "VAULT CHANGED SINCE"
                };
                println!(
                    "{name}:       {} (fingerprint {}; {changed})",
                    b.at, b.vault_fingerprint
                );
            }
        }
    }
    Ok(())
}

pub fn audit(findings: &[Finding], as_json: bool) -> Result<()> {
    if as_json {
        print_json(json!({ "schema": JSON_SCHEMA, "findings": findings }));
        return Ok(());
    }
    if findings.is_empty() {
        println!("No findings.");
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
        anstream::println!("{severity} {}{label} {}", f.rule.name(), f.message);
    }
    Ok(())
}

//! Printing for `export`, `import`, `print`, `restore` and `verify --backup/--paper`.

use super::{JSON_SCHEMA, Origin, print_json};
use crate::cli::report::Result;
use keycellar::backup::export::Imported;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::ops::{BackupCompared, PlannedAction, PrintReport, Repaired};
use keycellar::untrusted::escaped as safe;
use keycellar::wording::count;
use serde_json::{Value, json};
use std::path::Path;

pub fn keygen(file: &Path, public: &str, as_json: bool) -> Result<()> {
    // With `-o -` the identity itself is on stdout; nothing may follow it there.
    if super::is_stdout(file) {
        crate::cli::ui::info(&format!("Public key: {public}"));
        return Ok(());
    }
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "identity_file": file.display().to_string(),
            "public_key": public,
        }))?;
    } else {
        crate::cli::ui::note(&format!(
            "Wrote the identity to {} (keep it secret and backed up).",
            file.display()
        ));
        say!("{public}");
    }
    Ok(())
}

/// `keygen -y`: one recipient a line, or the `keygen` document for the file's one identity.
pub fn recipients_of(identity: &Path, recipients: &str, as_json: bool) -> Result<()> {
    if !as_json {
        super::emit(recipients)?;
        return Ok(());
    }
    let mut lines = recipients.lines();
    let (Some(public), None) = (lines.next(), lines.next()) else {
        return Err(crate::cli::report::Failure::Usage(
            "this identity file holds several identities; without --json each recipient is \
             printed on its own line"
                .into(),
        ));
    };
    print_json(json!({
        "schema": JSON_SCHEMA,
        "identity_file": identity.display().to_string(),
        "public_key": public,
    }))?;
    Ok(())
}

pub fn exported(
    fingerprint: Fingerprint,
    output: &Path,
    labels: &[String],
    as_json: bool,
    to_stdout: bool,
) -> Result<()> {
    if as_json && !to_stdout {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "output": output.display().to_string(),
            "entries": labels,
            "vault_fingerprint": fingerprint,
        }))?;
        return Ok(());
    }
    let message = format!(
        "Exported {} entr{} to {}\nVault fingerprint: {fingerprint}",
        labels.len(),
        if labels.len() == 1 { "y" } else { "ies" },
        output.display()
    );
    // With `-o -` the export itself is on stdout; the summary must not mix into it.
    if to_stdout {
        crate::cli::ui::info(&message);
    } else {
        say!("{message}");
    }
    Ok(())
}

pub fn import_plan(
    actions: &[PlannedAction],
    dry_run: bool,
    as_json: bool,
    origin: Option<&Origin>,
) -> Result<()> {
    if as_json {
        if dry_run {
            let items: Vec<_> = actions
                .iter()
                .map(|a| json!({ "label": a.label, "action": a.action, "detail": a.detail }))
                .collect();
            let mut document = json!({ "schema": JSON_SCHEMA, "dry_run": true, "plan": items });
            if let Some(origin) = origin {
                document["source"] = origin.to_json();
            }
            print_json(document)?;
        }
        return Ok(());
    }
    if let Some(origin) = origin {
        super::movein::source_plan(origin)?;
    }
    for action in actions {
        let (label, what, detail) = (&action.label, &action.action, &action.detail);
        say!("{what:<12} {}  {}", safe(label), safe(detail));
    }
    if dry_run {
        say!("Dry run: nothing was written.");
    }
    Ok(())
}

/// What the parity pages rebuilt, for the documents of `restore` and `verify --paper`.
fn rebuilt(repaired: &Repaired) -> Value {
    json!({ "pages": repaired.pages, "lines": repaired.lines })
}

/// What an import did: the vault, its fingerprint now, where the entries came from.
pub struct ImportedDocument<'a> {
    pub json: Value,
    vault: &'a Path,
    fingerprint: Fingerprint,
    imported: &'a Imported,
    written: bool,
}

pub fn imported<'a>(
    vault: &'a Path,
    fingerprint: Fingerprint,
    imported: &'a Imported,
    written: bool,
    repaired: &Repaired,
) -> ImportedDocument<'a> {
    let json = json!({
        "schema": JSON_SCHEMA,
        "written": written,
        "mended": repaired.mended,
        "rebuilt": rebuilt(repaired),
        "vault": vault,
        "vault_fingerprint": fingerprint,
        "backup_vault_fingerprint": imported.vault_fingerprint,
        "backup_created_at": imported.created_at,
    });
    ImportedDocument {
        json,
        vault,
        fingerprint,
        imported,
        written,
    }
}

pub fn print_imported(document: ImportedDocument, as_json: bool) -> Result<()> {
    if as_json {
        return Ok(print_json(document.json)?);
    }
    let (vault, imported) = (document.vault, document.imported);
    if document.written {
        say!("Imported into {}", vault.display());
    } else {
        say!(
            "Nothing to import: every entry is already in {}; no file was written.",
            vault.display()
        );
    }
    if let Some(created) = &imported.created_at {
        let version = imported.keycellar_version.as_deref().unwrap_or("?");
        say!("Backup made {created} by keycellar {version}");
    }
    if let Some(original) = &imported.vault_fingerprint {
        say!("Vault fingerprint at backup time: {original}");
    }
    say!("Vault fingerprint now: {}", document.fingerprint);
    Ok(())
}

pub fn backup_comparison(
    compared: &BackupCompared,
    imported: &Imported,
    repaired: &Repaired,
    as_json: bool,
) -> Result<()> {
    let (c, vault_fingerprint) = (&compared.comparison, compared.vault_fingerprint);
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "rebuilt": rebuilt(repaired),
            "matches": c.matches(),
            "same": c.same,
            "missing": c.missing,
            "extra": c.extra,
            "different": c.different,
            "changed": c.changed.iter().map(|(label, fields)| json!({
                "label": label,
                "fields": fields,
            })).collect::<Vec<_>>(),
            "details_checked": c.details_checked,
            "vault_fingerprint": vault_fingerprint,
            "backup_created_at": imported.created_at,
        }))?;
        return Ok(());
    }
    let groups = [
        ("same", &c.same),
        ("MISSING from the backup", &c.missing),
        ("EXTRA in the backup", &c.extra),
        ("DIFFERENT key", &c.different),
    ];
    for (what, labels) in groups {
        for label in labels {
            say!("{what:<24} {}", safe(label));
        }
    }
    for (label, fields) in &c.changed {
        say!(
            "{:<24} {} ({})",
            "CHANGED since",
            safe(label),
            fields.join(", ")
        );
    }
    if !c.details_checked {
        say!(
            "Only keys were compared (label, exchange, public key, key version and secret): \
             the details block M was not read, so permissions, allow-lists, notes, dates, \
             status and history were not checked."
        );
    }
    if c.matches() {
        let entries = count(c.same.len(), "entry", "entries");
        match c.details_checked {
            true => say!("The backup holds exactly the vault's {entries}."),
            false => say!("The backup holds exactly the keys of the vault's {entries}."),
        }
    }
    Ok(())
}

pub fn printed(report: &PrintReport, path: &Path, as_json: bool) -> Result<()> {
    let PrintReport {
        sheet,
        printed,
        shares,
        vault_fingerprint: fingerprint,
    } = report;
    let to_stdout = super::is_stdout(path);
    let split = sheet
        .split()
        .map(|s| format!("{}-of-{}", s.threshold.k, s.threshold.n));
    if as_json && !to_stdout {
        print_json(json!({
            "split": split,
            "shares": shares,
            "schema": JSON_SCHEMA,
            "output": path,
            "sheet": sheet.id,
            "entries": sheet.entries.len(),
            "pages": printed.pages,
            "codes": printed.codes,
            "max_qr_version": printed.max_version,
            "pdf_bytes": printed.pdf.len(),
            "parity_pages": printed.parity_pages,
            "vault_fingerprint": fingerprint,
        }))?;
        return Ok(());
    }
    let mut message = format!(
        "Wrote {}: sheet {}, {}, {}, {} (largest version {}), every code read back.\n",
        path.display(),
        sheet.id,
        count(sheet.entries.len(), "entry", "entries"),
        count(printed.pages, "page", "pages"),
        count(printed.codes, "QR code", "QR codes"),
        printed.max_version
    );
    if printed.parity_pages > 0 {
        message.push_str(&format!(
            "With {}: any {} of codes, and as many of typed lines, lost can be rebuilt.\n",
            count(printed.parity_pages, "parity page", "parity pages"),
            count(printed.parity_pages, "page", "pages"),
        ));
    }
    if let (Some(split), false) = (&split, shares.is_empty()) {
        let names: Vec<String> = shares.iter().map(|p| p.display().to_string()).collect();
        message.push_str(&format!(
            "Wrote {} (split {split}): give each share to a different person or place; any \
             {} of them, with the sheet, restore it.\n",
            names.join(", "),
            split.split('-').next().unwrap_or_default()
        ));
    } else if sheet.recipients.is_none() {
        message.push_str(
            "Keep the sheet passphrase apart from the paper, or write it in the box on page 1.\n",
        );
    }
    message.push_str(&format!("Vault fingerprint: {fingerprint}"));
    // With `-o -` the PDF itself is on stdout; the summary must not mix into it.
    if to_stdout {
        crate::cli::ui::info(&message);
    } else {
        say!("{message}");
    }
    Ok(())
}

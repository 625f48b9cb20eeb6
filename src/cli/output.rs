//! Printing: plain tables and lines for people, JSON (`--json`) for scripts.
//!
//! Secrets are printed only by `show --reveal`. JSON documents carry `"schema": 1`.

/// `println!` that returns a failure to write instead of panicking (see [`emit`]).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::output::emit(&format!("{}\n", format_args!($($arg)*)))?
    };
}

mod agent;
mod backup;
mod destination;
mod lifecycle;
mod movein;
mod table;

use super::report::Result;
use super::ui;
pub use agent::{agent_changed, agent_started, agent_status};
pub use backup::{
    ImportedDocument, backup_comparison, exported, import_plan, imported, keygen, print_imported,
    printed, recipients_of,
};
pub use destination::{
    check_backup_destination, check_destination, is_stdout, to_stdout, write_document,
};
use keycellar::Error;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::credential::otp::TwoFactor;
use keycellar::kdf::KdfParams;
use keycellar::ops::{EntryView, Verified, reply};
use keycellar::untrusted::escaped as safe;
use keycellar::vault::{Mismatch, SlotInfo, Vault};
pub use lifecycle::{audit, history, profiles, rotated, status};
pub use movein::{Origin, Stripped, handed_to_pass, stripped};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

/// Schema version of every JSON document keycellar prints.
pub const JSON_SCHEMA: u32 = 1;

/// How a failure to write standard output is named (`report` gives it its own hint).
pub const STDOUT: &str = "cannot write to standard output";

/// Writes text to standard output (colour escapes dropped where stdout shows none). A
/// closed pipe ends the process quietly (SIGPIPE, restored in `main`); any other failure to
/// write, such as a full disk, is an error with a message, never a panic.
pub fn emit(text: &str) -> keycellar::Result<()> {
    let mut out = anstream::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(STDOUT, e))
}

pub(super) fn print_json(value: Value) -> keycellar::Result<()> {
    emit(&format!("{value:#}\n"))
}

/// Non-secret fields of an entry.
fn entry_json(entry: &EntryView) -> Value {
    // Only strings, numbers and dates: it cannot fail.
    serde_json::to_value(entry).unwrap_or_default()
}

pub fn created(vault: &Vault, params: &KdfParams, as_json: bool) -> Result<()> {
    let fingerprint = vault.fingerprint();
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "vault": vault.path(),
            "kdf": params,
            "vault_fingerprint": fingerprint,
        }))?;
    } else {
        say!("Created vault {}", vault.path().display());
        say!("KDF: {}", params.describe());
        say!("Vault fingerprint: {fingerprint}");
    }
    Ok(())
}

pub fn added(entries: &[EntryView], fingerprint: Fingerprint, as_json: bool) -> Result<()> {
    if as_json {
        let added: Vec<Value> = entries.iter().map(entry_json).collect();
        print_json(json!({
            "schema": JSON_SCHEMA,
            "added": added,
            "vault_fingerprint": fingerprint,
        }))?;
        return Ok(());
    }
    for entry in entries {
        say!(
            "Added {} ({}, key {})",
            safe(&entry.label),
            entry.exchange,
            entry.masked_key
        );
        say!(
            "  fingerprint: {}   <- write this down with the key",
            entry.fingerprint
        );
    }
    say!("Vault fingerprint: {fingerprint}");
    Ok(())
}

pub fn changed(fingerprint: Fingerprint, what: &str, as_json: bool) -> Result<()> {
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "done": what,
            "vault_fingerprint": fingerprint,
        }))?;
    } else {
        if what == UNCHANGED {
            say!("Nothing to change; no file was written.");
        } else {
            say!("Done: {what}.");
        }
        say!("Vault fingerprint: {fingerprint}");
    }
    Ok(())
}

/// `slot list`: each keyslot with its kind and name (and an age slot's recipient and date).
pub fn print_slots(slots: &[SlotInfo], as_json: bool) -> Result<()> {
    if as_json {
        let items: Vec<Value> = slots
            .iter()
            .map(|slot| {
                json!({
                    "name": slot.name,
                    "kind": slot.kind.to_string(),
                    "recipient": slot.recipient,
                    "created": slot.created.map(|at| at.to_string()),
                    "needs_hardware": slot.needs_hardware,
                })
            })
            .collect();
        print_json(json!({ "schema": JSON_SCHEMA, "keyslots": items }))?;
        return Ok(());
    }
    for slot in slots {
        let recipient = slot.recipient.as_deref().map(safe).unwrap_or_default();
        let created = slot.created.map(|at| at.to_string()).unwrap_or_default();
        say!(
            "{}  {}  {recipient}  {created}",
            safe(&slot.name),
            slot.kind
        );
    }
    Ok(())
}

/// What `changed` says of a command that changed nothing.
pub const UNCHANGED: &str = "nothing to change";

pub fn list(listed: &reply::List, as_json: bool) -> Result<()> {
    let reply::List {
        entries,
        hidden,
        vault_fingerprint,
    } = listed;
    let hidden = *hidden;
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
            "hidden": hidden,
            "vault_fingerprint": vault_fingerprint,
        }))?;
        return Ok(());
    }
    if entries.is_empty() && hidden == 0 {
        say!("The vault is empty. Add a key with `keycellar add LABEL --exchange EX`.");
        return Ok(());
    }
    let rows: Vec<[Cow<str>; 8]> = entries.iter().map(list_row).collect();
    let header = [
        "LABEL",
        "EXCHANGE",
        "KEY",
        "STATUS",
        "AGE",
        "PERMISSIONS",
        "USED BY",
        "FINGERPRINT",
    ];
    let colour = table::stdout_has_colour();
    let table = table::render(&header, &rows, colour, |column, cell| {
        match (column, cell) {
            (3, "active") => ui::GOOD,
            (3, _) => ui::BAD,
            // A key that can move funds out stands out.
            (5, permissions) if permissions.contains("WITHDRAW") => ui::BAD,
            _ => anstyle::Style::new(),
        }
    });
    if !entries.is_empty() {
        emit(&table)?;
    }
    if hidden > 0 {
        say!(
            "\n{} not shown (rotated, revoked, expired or filtered out): --all shows every entry.",
            keycellar::wording::count(hidden, "entry", "entries")
        );
    }
    say!("\nVault fingerprint: {vault_fingerprint}");
    Ok(())
}

/// One entry's row of `list`.
fn list_row(e: &EntryView) -> [Cow<'_, str>; 8] {
    let used_by = match e.used_by.is_empty() {
        true => Cow::Borrowed("-"),
        false => Cow::Owned(safe(&e.used_by.join(",")).into_owned()),
    };
    [
        safe(&e.label),
        Cow::Borrowed(e.exchange.id()),
        Cow::Borrowed(e.masked_key.as_str()),
        Cow::Borrowed(e.status.as_str()),
        Cow::Owned(format!("{}d", e.age_days)),
        Cow::Borrowed(e.permission_summary.as_str()),
        used_by,
        Cow::Owned(e.fingerprint.to_string()),
    ]
}

/// What `show` says of a Kraken key's 2FA: the password is the API passphrase line; an
/// authenticator's seed is shown only when revealed.
fn two_factor(entry: &EntryView, revealed: Option<&keycellar::ops::Revealed>) -> String {
    match (entry.two_factor, revealed.and_then(|r| r.otp_seed.as_ref())) {
        (None, _) => "-".into(),
        (Some(TwoFactor::Password), _) => "password (the API passphrase)".into(),
        (Some(TwoFactor::Authenticator), Some(seed)) => {
            format!("authenticator, seed {}", seed.expose())
        }
        (Some(TwoFactor::Authenticator), None) => {
            "authenticator (`keycellar otp LABEL` prints its code; the seed with --reveal)".into()
        }
    }
}

pub fn show(shown: &reply::Show, as_json: bool) -> Result<()> {
    let (entry, revealed) = (&*shown.entry, shown.revealed.as_ref());
    if as_json {
        let mut value = entry_json(entry);
        if let Some(revealed) = revealed {
            value["secret"] = json!(revealed.secret.expose());
            value["api_passphrase"] = json!(revealed.api_passphrase.as_ref().map(|p| p.expose()));
            value["otp_seed"] = json!(revealed.otp_seed.as_ref().map(|s| s.expose()));
        }
        value["schema"] = json!(JSON_SCHEMA);
        print_json(value)?;
        return Ok(());
    }
    let optional = |v: &Option<String>| safe(v.as_deref().unwrap_or("-")).into_owned();
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            safe(&v.join(", ")).into_owned()
        }
    };
    let hidden = "(hidden; add --reveal to print it)";
    let secret = revealed.map_or(hidden, |r| r.secret.expose());
    let fields = [
        ("Label", safe(&entry.label).into_owned()),
        ("Exchange", entry.exchange.to_string()),
        ("Public key", entry.api_key.clone()),
        ("Secret", secret.to_string()),
        (
            "API passphrase",
            match (entry.has_api_passphrase, revealed) {
                (false, _) => "-".into(),
                (true, Some(r)) => r.api_passphrase.as_ref().map_or("-", |p| p.expose()).into(),
                (true, None) => hidden.into(),
            },
        ),
        ("2FA", two_factor(entry, revealed)),
        ("Key version", optional(&entry.key_version)),
        ("Account", optional(&entry.account_ref)),
        ("Permissions", list(&entry.permissions)),
        ("IP allow-list", list(&entry.ip_allowlist)),
        (
            "Expires",
            entry.expires.map_or("-".into(), |d| d.to_string()),
        ),
        (
            "Created",
            entry.created.map_or("-".into(), |d| d.to_string()),
        ),
        ("Added", entry.added_at.to_string()),
        ("Status", entry.status.as_str().to_string()),
        ("Used by", list(&entry.used_by)),
        ("Notes", optional(&entry.notes)),
        ("Fingerprint", entry.fingerprint.to_string()),
        ("Entry id", safe(&entry.id).into_owned()),
    ];
    for (name, value) in fields {
        say!("{:<15} {value}", format!("{name}:"));
    }
    if entry.permission_summary.contains("WITHDRAW") {
        say!("\nThis key can WITHDRAW funds: keep every copy of it offline.");
    }
    Ok(())
}

/// The code `label`'s authenticator shows now: alone on standard output (for a script or a
/// paste), how long it stays valid on standard error.
pub fn otp(otp: &reply::Otp, as_json: bool) -> Result<()> {
    let reply::Otp {
        label,
        code,
        valid_for,
    } = otp;
    if as_json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "label": label,
            "code": code,
            "valid_for_seconds": valid_for,
        }))?;
    } else {
        say!("{code}");
        ui::note(&format!(
            "the code of {}'s authenticator, valid for {valid_for} s more",
            safe(label)
        ));
    }
    Ok(())
}

/// The fingerprint of `of` (a label, or `vault`).
pub fn fingerprint(reply: &reply::Fingerprint, as_json: bool) -> Result<()> {
    let reply::Fingerprint { of, fingerprint } = reply;
    if as_json {
        print_json(json!({ "schema": JSON_SCHEMA, "of": of, "fingerprint": fingerprint }))?;
    } else {
        say!("{fingerprint}");
    }
    Ok(())
}

pub fn verified(results: &[Verified], vault_fingerprint: Fingerprint, as_json: bool) -> Result<()> {
    if as_json {
        let items: Vec<Value> = results
            .iter()
            .map(|v| {
                json!({
                    "label": v.label,
                    "recorded": v.recorded,
                    "recomputed": v.recomputed,
                    "ok": v.mismatches.is_empty(),
                    "problems": v.mismatches.iter().map(Mismatch::to_string).collect::<Vec<_>>(),
                })
            })
            .collect();
        print_json(json!({
            "schema": JSON_SCHEMA,
            "results": items,
            "vault_fingerprint": vault_fingerprint,
        }))?;
        return Ok(());
    }
    // One buffer, one write, as in `list`.
    let (good, bad) = (ui::paint(ui::GOOD, "ok"), ui::paint(ui::BAD, "MISMATCH"));
    let mut report = String::with_capacity(results.len() * 48);
    for v in results {
        if v.mismatches.is_empty() {
            let _ = writeln!(report, "{good}        {}  {}", safe(&v.label), v.recomputed);
        } else {
            let _ = writeln!(report, "{bad}  {}", safe(&v.label));
            for mismatch in &v.mismatches {
                let _ = writeln!(report, "          {mismatch}");
            }
        }
    }
    let _ = writeln!(report, "Vault fingerprint: {vault_fingerprint}");
    emit(&report)?;
    Ok(())
}

pub fn hygiene() -> Result<()> {
    print_json(json!({
        "schema": JSON_SCHEMA,
        "dumpable": keycellar::hygiene::is_dumpable(),
        "core_limit": keycellar::hygiene::core_limit(),
    }))?;
    Ok(())
}

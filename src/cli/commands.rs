//! Runs the vault commands: init, add, edit, remove, passwd and verify.

use super::args::{AddArgs, EditArgs, InitArgs};
use super::context::Context;
use super::credentials;
use super::output;
use super::prompt;
use super::report::{Failure, Result};
use super::ui;
use keycellar::Error;
use keycellar::credential::entry::{Exchange, NewEntry};
use keycellar::credential::fingerprint;
use keycellar::source::{InputSource, MAX_DOCUMENT_LEN};
use keycellar::vault::Vault;
use std::io::IsTerminal;

pub fn init(ctx: &Context, args: &InitArgs) -> Result<()> {
    if ctx.vault.exists() {
        return Err(Error::VaultExists {
            path: ctx.vault.clone(),
        }
        .into());
    }
    let (passphrase, params) = ctx.new_vault_settings(args)?;
    let vault = ui::with_spinner("Deriving the vault key (Argon2id)", || {
        Vault::create(&ctx.vault, &passphrase, params, Vec::new())
    })?;
    output::created(&vault, &params, ctx.json)
}

pub fn add(ctx: &Context, args: AddArgs) -> Result<()> {
    let new_entries = match &args.from_json {
        Some(source) => entries_from_json(source)?,
        None => vec![entry_from_args(args)?],
    };
    let mut vault = ctx.open_for_change()?;
    let mut added = Vec::new();
    for new in new_entries {
        let (entry, warnings) = vault.add(new)?;
        for warning in warnings {
            ui::warn(&format!("{}: {warning}", entry.label));
        }
        added.push(entry.id.clone());
    }
    let fingerprint = vault.save_alongside(Vault::fingerprint)?;
    output::added(&vault, &added, &fingerprint, ctx.json)
}

fn entry_from_args(args: AddArgs) -> Result<NewEntry> {
    let label = args
        .label
        .ok_or_else(|| Failure::Usage("give a LABEL for the entry".into()))?;
    let exchange = match (args.exchange, &args.credentials) {
        (Some(exchange), _) => exchange,
        (None, c) if c.qr.is_some() || c.kraken_uri_file.is_some() => Exchange::Kraken,
        (None, _) => return Err(Failure::Usage("--exchange is required".into())),
    };
    let (api_key, secret, api_passphrase) = credentials::read(&args.credentials, exchange)?;
    Ok(NewEntry {
        label,
        exchange,
        api_key,
        secret,
        api_passphrase,
        key_version: args.key_version,
        account_ref: args.account,
        permissions: args.permissions,
        ip_allowlist: args.ips,
        expires: credentials::parse_date(args.expires.as_deref())?,
        created: credentials::parse_date(args.created.as_deref())?,
        notes: args.note,
        used_by: args.used_by,
    })
}

pub fn edit(ctx: &Context, args: EditArgs) -> Result<()> {
    let expires = match args.expires.as_deref() {
        Some("none") => Some(None),
        other => credentials::parse_date(other)?.map(Some),
    };
    let mut vault = ctx.open_for_change()?;
    let warnings = vault.edit(&args.label, |e| {
        if let Some(new) = args.rename {
            e.label = new;
        }
        edit_list(
            &mut e.permissions,
            args.add_permission,
            &args.remove_permission,
        );
        edit_list(&mut e.ip_allowlist, args.add_ip, &args.remove_ip);
        edit_list(&mut e.used_by, args.add_used_by, &args.remove_used_by);
        if let Some(note) = args.note {
            e.notes = Some(note).filter(|n| !n.is_empty());
        }
        if let Some(account) = args.account {
            e.account_ref = Some(account).filter(|a| !a.is_empty());
        }
        if let Some(expires) = expires {
            e.expires = expires;
        }
        if let Some(status) = args.status {
            e.status = status;
        }
        if let Some(version) = args.key_version {
            e.key_version = Some(version);
        }
    })?;
    for warning in warnings {
        ui::warn(&warning);
    }
    vault.save()?;
    output::changed(&vault, "edited", ctx.json)
}

fn edit_list(list: &mut Vec<String>, add: Vec<String>, remove: &[String]) {
    list.retain(|item| !remove.contains(item));
    for item in add {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

pub fn remove(ctx: &Context, label: &str, yes: bool) -> Result<()> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Usage(
                "removing needs --yes when there is no terminal to confirm on".into(),
            ));
        }
        let typed = prompt::visible(
            &format!("Type the label {label:?} to remove it: "),
            "a confirmation",
        )?;
        if typed != label {
            return Err(Failure::NotConfirmed);
        }
    }
    let mut vault = ctx.open_for_change()?;
    vault.remove(label)?;
    vault.save()?;
    output::changed(&vault, "removed", ctx.json)
}

pub fn passwd(ctx: &Context, new_source: Option<InputSource>) -> Result<()> {
    let mut vault = ctx.open_for_change()?;
    let new = match &new_source {
        Some(source) => source.passphrase("new vault passphrase")?,
        None => prompt::new_passphrase("vault")?,
    };
    ui::check_strength(&new, "vault");
    ui::with_spinner("Deriving the new key (Argon2id)", || {
        vault.change_passphrase(&new, None)
    })?;
    vault.save()?;
    output::changed(&vault, "passphrase changed", ctx.json)
}

pub fn verify(
    ctx: &Context,
    label: Option<String>,
    written_down: Option<String>,
    public_key: Option<String>,
) -> Result<()> {
    if let Some(fp) = &written_down
        && fingerprint::parse(fp).is_none()
    {
        return Err(Failure::Usage(format!(
            "{fp:?} is not a fingerprint (16 characters, e.g. 7K2M-9QXD-4TRE-HA0C)"
        )));
    }
    let vault = ctx.open()?;
    let entries: Vec<_> = match &label {
        Some(label) => vec![vault.find(label)?],
        None => vault.contents.entries.iter().collect(),
    };
    let recomputed_all = fingerprint::of_entries(&entries)?;
    let mut results = Vec::with_capacity(entries.len());
    for (entry, recomputed) in entries.into_iter().zip(recomputed_all) {
        let mut problems = Vec::new();
        if recomputed != entry.fingerprint {
            problems.push(format!(
                "recorded fingerprint {} but the stored key now gives {recomputed}",
                entry.fingerprint
            ));
        }
        if let Some(fp) = &written_down
            && !fingerprint::same(fp, &recomputed)
        {
            problems.push(format!(
                "you gave fingerprint {fp} but the stored key gives {recomputed}"
            ));
        }
        if let Some(key) = public_key.as_deref().map(str::trim)
            && key != entry.api_key
        {
            problems.push(format!(
                "you gave public key {} but the stored one is {}",
                keycellar::credential::entry::mask(key),
                entry.masked_key()
            ));
        }
        results.push((entry, recomputed, problems));
    }
    output::verified(&vault, &results, ctx.json)?;
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, _, p)| !p.is_empty())
        .map(|(e, _, _)| e.label.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::VerifyFailed {
            labels: failed.into_iter().map(str::to_string).collect(),
        }
        .into())
    }
}

/// Entries for `add --from-json`: one JSON object, or a list of them.
fn entries_from_json(source: &InputSource) -> Result<Vec<NewEntry>> {
    let text = source.read_text("JSON entries", MAX_DOCUMENT_LEN)?;
    NewEntry::list_from_json(&text).map_err(|problem| {
        Error::BadJson {
            source_name: source.to_string(),
            problem,
        }
        .into()
    })
}

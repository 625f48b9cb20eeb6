//! Runs `rotate`, `history`, `status`, `audit` and `exec`.

use super::args::RotateArgs;
use super::context::Context;
use super::credentials;
use super::output;
use super::report::{Failure, Result};
use super::ui;
use keycellar::Error;
use keycellar::credential::audit::{self, Severity};
use keycellar::credential::entry::NewEntry;
use keycellar::credential::lifecycle;
use std::process::Command;

pub fn rotate(ctx: &Context, args: &RotateArgs) -> Result<()> {
    let mut vault = ctx.open_for_change()?;
    if !args.no_backup_check && !lifecycle::backup_is_current(&vault)? {
        return Err(Error::NotBackedUp {
            label: args.label.clone(),
        }
        .into());
    }
    let old = vault.find(&args.label)?.clone();
    let (api_key, secret, api_passphrase) = credentials::read(&args.credentials, old.exchange)?;
    let or_old = |given: &[String], old: &[String]| {
        if given.is_empty() {
            old.to_vec()
        } else {
            given.to_vec()
        }
    };
    let new = NewEntry {
        label: old.label.clone(),
        exchange: old.exchange,
        api_key,
        secret,
        api_passphrase,
        key_version: old.key_version.clone(),
        account_ref: old.account_ref.clone(),
        permissions: or_old(&args.permissions, &old.permissions),
        ip_allowlist: or_old(&args.ips, &old.ip_allowlist),
        expires: credentials::parse_date(args.expires.as_deref())?,
        created: None,
        notes: args.note.clone().or(old.notes.clone()),
        used_by: or_old(&args.used_by, &old.used_by),
    };
    let rotated = lifecycle::rotate(&mut vault, new, args.reason.clone())?;
    for warning in &rotated.warnings {
        ui::warn(warning);
    }
    vault.save()?;
    output::rotated(&vault, &rotated, ctx.json)
}

pub fn history(ctx: &Context, label: &str) -> Result<()> {
    let vault = ctx.open()?;
    output::history(&lifecycle::history(&vault, label)?, ctx.json)
}

pub fn status(ctx: &Context) -> Result<()> {
    output::status(&ctx.open()?, ctx.json)
}

pub fn audit(ctx: &Context, max_age_days: i64) -> Result<()> {
    let vault = ctx.open()?;
    let today = time::OffsetDateTime::now_utc().date();
    let findings = audit::audit(&vault, max_age_days, today)?;
    output::audit(&findings, ctx.json)?;
    match findings
        .iter()
        .filter(|f| f.severity == Severity::High)
        .count()
    {
        0 => Ok(()),
        high => Err(Failure::AuditHigh(high)),
    }
}

/// Runs `command` with the key in its environment and returns its exit code.
pub fn exec(ctx: &Context, label: &str, env: &[String], command: &[String]) -> Result<i32> {
    let vault = ctx.open()?;
    let entry = vault.find(label)?;
    let prefix = entry.exchange.id().to_ascii_uppercase().replace('-', "_");
    let mut pairs: Vec<(String, String)> = Vec::new();
    if env.is_empty() {
        pairs.push((format!("{prefix}_API_KEY"), "api_key".into()));
        pairs.push((format!("{prefix}_API_SECRET"), "secret".into()));
        if entry.api_passphrase.is_some() {
            pairs.push((format!("{prefix}_API_PASSPHRASE"), "api_passphrase".into()));
        }
    }
    for item in env {
        let (name, field) = item
            .split_once('=')
            .ok_or_else(|| Failure::Usage(format!("--env {item:?} is not NAME=FIELD")))?;
        pairs.push((name.to_string(), field.to_string()));
    }
    let (program, rest) = command
        .split_first()
        .ok_or_else(|| Failure::Usage("give the command to run after --".into()))?;
    let mut child = Command::new(program);
    child.args(rest);
    for (name, field) in &pairs {
        let value = match field.as_str() {
            "api_key" => entry.api_key.as_str(),
            "secret" => entry.secret.expose(),
            "api_passphrase" => entry.api_passphrase.as_ref().map_or("", |p| p.expose()),
            "label" => entry.label.as_str(),
            "account_ref" => entry.account_ref.as_deref().unwrap_or(""),
            other => {
                return Err(Failure::Usage(format!(
                    "unknown field {other:?}; use api_key, secret, api_passphrase, label or account_ref"
                )));
            }
        };
        child.env(name, value);
    }
    let status = child
        .status()
        .map_err(|e| Error::io(format!("cannot run {program:?}"), e))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

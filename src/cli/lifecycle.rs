//! Runs `rotate`, `history`, `status` and `audit`.

use super::args::RotateArgs;
use super::context::{Context, unexpected};
use super::credentials;
use super::output;
use super::report::{Failure, Result};
use super::ui;
use keycellar::Error;
use keycellar::error::EntryError;
use keycellar::ops::audit::Severity;
use keycellar::ops::status::RunPlaces;
use keycellar::ops::{VaultReply, VaultRequest};
use keycellar::vault::Replacement;

pub fn rotate(ctx: &Context, args: &RotateArgs) -> Result<()> {
    let expires = credentials::parse_date(args.expires.as_deref())?;
    let mut vault = ctx.open_for_change()?;
    if !args.no_backup_check && !vault.is_backed_up(&args.label)? {
        return Err(Error::Entry(EntryError::NotBackedUp {
            label: args.label.clone(),
        })
        .into());
    }
    let exchange = vault.find(&args.label)?.exchange();
    credentials::check_permission_names(exchange, &args.permissions)?;
    let mut permissions = args.permissions.clone();
    permissions.extend(args.permissions_other.iter().cloned());
    let (api_key, secret, api_passphrase) = credentials::read(&args.credentials, exchange)?;
    let replacement = Replacement {
        api_key,
        secret,
        api_passphrase,
        permissions,
        ip_allowlist: args.ips.clone(),
        expires,
        notes: args.note.clone(),
        used_by: args.used_by.clone(),
    };
    let rotated = vault.rotate(&args.label, replacement, args.reason.clone())?;
    for warning in &rotated.warnings {
        ui::warn(warning);
    }
    vault.save()?;
    output::rotated(&vault, &rotated, ctx.json)
}

pub fn history(ctx: &Context, label: &str) -> Result<()> {
    let label = label.to_string();
    match ctx.run(VaultRequest::History { label })? {
        VaultReply::History { chain } => output::history(&chain, ctx.json),
        other => Err(unexpected(other)),
    }
}

pub fn status(ctx: &Context) -> Result<()> {
    let places = RunPlaces {
        runtime_dir: super::context::runtime_dir(),
        state_dir: super::exec::state_dir_path(),
    };
    match ctx.run(VaultRequest::Status { places })? {
        VaultReply::Status { report } => output::status(&report, ctx.json),
        other => Err(unexpected(other)),
    }
}

pub fn audit(ctx: &Context, max_age_days: i64) -> Result<()> {
    let findings = match ctx.run(VaultRequest::Audit { max_age_days })? {
        VaultReply::Audit { findings } => findings,
        other => return Err(unexpected(other)),
    };
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

//! Runs `rotate`, `history`, `status` and `audit`.

use super::args::RotateArgs;
use super::context::Context;
use super::credentials;
use super::output;
use super::report::{self, Failure, Result};
use keycellar::ops::audit::Severity;
use keycellar::ops::{ChangeRequest, Session, VaultRequest, reply};
use keycellar::vault::Replacement;

pub fn rotate(ctx: &Context, args: &RotateArgs) -> Result<()> {
    let expires = credentials::parse_date(args.expires.as_deref())?;
    credentials::check_arguments(&args.credentials, None)?;
    credentials::check_details(
        &[
            ("note", args.note.as_ref()),
            ("reason", args.reason.as_ref()),
        ],
        &[
            ("app name", &args.used_by),
            ("permission", &args.permissions_other),
        ],
    )?;
    // The rules that need no new key are checked before it is asked for; the rotation
    // checks them again under the vault's lock.
    let check = VaultRequest::Rotatable {
        label: args.label.clone(),
        permissions: args.permissions.clone(),
        unbacked: args.no_backup_check,
    };
    let reply::Rotatable { exchange } = ctx.run(check)?;
    let credential = credentials::read(&args.credentials, exchange)?;
    let replacement = Replacement {
        api_key: credential.api_key,
        secret: credential.secret,
        api_passphrase: credential.api_passphrase,
        otp_seed: credential.otp_seed,
        permissions: args.permissions.clone(),
        ip_allowlist: args.ips.clone(),
        expires,
        notes: args.note.clone(),
        used_by: args.used_by.clone(),
    };
    let change = ChangeRequest::Rotate {
        label: args.label.clone(),
        replacement,
        permissions_other: args.permissions_other.clone(),
        reason: args.reason.clone(),
        unbacked: args.no_backup_check,
    };
    let reply::Rotated {
        old,
        new,
        warnings,
        vault_fingerprint,
    } = ctx.change(change)?;
    report::warn_all(&warnings);
    output::rotated(&old, &new, vault_fingerprint, ctx.json)
}

pub fn history(ctx: &Context, label: &str) -> Result<()> {
    let label = label.to_string();
    let reply::History { chain } = ctx.run(VaultRequest::History { label })?;
    output::history(&chain, ctx.json)
}

pub fn status(ctx: &Context) -> Result<()> {
    let reply::Status { report } = ctx.run(VaultRequest::Status {})?;
    output::status(&report, ctx.json)
}

pub fn audit(ctx: &Context, max_age_days: i64) -> Result<()> {
    let reply::Audit { findings } = ctx.run(VaultRequest::Audit { max_age_days })?;
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

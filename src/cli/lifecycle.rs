//! Runs `rotate`, `history`, `status` and `audit`.

use super::args::{CredentialArgs, RotateArgs};
use super::context::Context;
use super::credentials;
use super::output;
use super::report::{self, Failure, Result};
use keycellar::credential::exchange::Exchange;
use keycellar::credential::lifecycle::NewKey;
use keycellar::ops::audit::Severity;
use keycellar::ops::{self, RotatePlan, RotatePrompts, Session, VaultRequest, reply};

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
    let plan = RotatePlan {
        label: args.label.clone(),
        permissions: args.permissions.clone(),
        permissions_other: args.permissions_other.clone(),
        ip_allowlist: args.ips.clone(),
        expires,
        notes: args.note.clone(),
        used_by: args.used_by.clone(),
        reason: args.reason.clone(),
        unbacked: args.no_backup_check,
    };
    let reply::Rotated {
        old,
        new,
        warnings,
        vault_fingerprint,
    } = ops::rotate(ctx, plan, &NewKeyFrom(&args.credentials))?;
    report::warn_all(&warnings);
    output::rotated(&old, &new, vault_fingerprint, ctx.json)
}

/// Reads the new key from the command's options, asking for what they leave out.
struct NewKeyFrom<'a>(&'a CredentialArgs);

impl RotatePrompts for NewKeyFrom<'_> {
    type Error = Failure;

    fn new_key(&self, exchange: Exchange) -> Result<NewKey> {
        credentials::read(self.0, exchange)
    }
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

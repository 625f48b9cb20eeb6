//! Runs `rotate`, `history`, `status`, `audit` and `exec`.

use super::args::{ExecArgs, RotateArgs};
use super::context::Context;
use super::credentials;
use super::output;
use super::report::{Failure, Result};
use super::ui;
use keycellar::Error;
use keycellar::clock::Date;
use keycellar::credential::audit::{self, Severity};
use keycellar::credential::exec::{self, Field};
use keycellar::untrusted::quoted;
use keycellar::vault::Replacement;
use std::process::{Command, Stdio};

pub fn rotate(ctx: &Context, args: &RotateArgs) -> Result<()> {
    let expires = credentials::parse_date(args.expires.as_deref())?;
    let mut vault = ctx.open_for_change()?;
    if !args.no_backup_check && !vault.is_backed_up(&args.label)? {
        return Err(Error::NotBackedUp {
            label: args.label.clone(),
        }
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
    let vault = ctx.open()?;
    output::history(&vault.history(label)?, ctx.json)
}

pub fn status(ctx: &Context) -> Result<()> {
    output::status(&ctx.open()?, ctx.json)
}

pub fn audit(ctx: &Context, max_age_days: i64) -> Result<()> {
    let vault = ctx.open()?;
    let findings = audit::audit(&vault, max_age_days, Date::today());
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

/// Runs the command with the key in its environment and returns its exit code.
pub fn exec(ctx: &Context, args: &ExecArgs) -> Result<i32> {
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Failure::Usage("give the command to run after --".into()))?;
    let mut mapping = Vec::with_capacity(args.env.len());
    for item in &args.env {
        let (name, field) = item
            .split_once('=')
            .ok_or_else(|| Failure::Usage(format!("--env {} is not NAME=FIELD", quoted(item))))?;
        mapping.push((
            name.to_string(),
            field.parse::<Field>().map_err(Failure::Usage)?,
        ));
    }
    let vault = ctx.open()?;
    let entry = vault.find_current(&args.label)?;
    if !args.allow_inactive {
        entry.check_usable(Date::today())?;
    }
    if mapping.is_empty() {
        mapping = exec::default_variables(entry);
    }
    let mut child = Command::new(program);
    child.args(rest);
    if keycellar::source::stdin_was_read() {
        // Standard input carried a secret; the child could seek back and read it. It gets
        // the terminal instead when there is one, else nothing.
        child.stdin(match std::fs::File::open("/dev/tty") {
            Ok(tty) => Stdio::from(tty),
            Err(_) => Stdio::null(),
        });
    }
    for (name, field) in &mapping {
        child.env(name, field.value(entry));
    }
    let status = child
        .status()
        .map_err(|e| Error::io(format!("cannot run {program:?}"), e))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

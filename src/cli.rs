//! The `keycellar` command line: it parses arguments, asks on the terminal, calls the
//! library and prints. Nothing here decides what a vault may hold; the library does.
//!
//! - `args`: the argument grammar (clap); `report`: failures, their kinds, exit codes and
//!   hints; `ui`: colour, spinner, notes; `signals`: what signals do (spinner, exec);
//!   `prompt`: asking on the terminal; `output`: what each command prints, as text or
//!   JSON; `shell`: completions and man pages; `examples`: the example command lines
//!   help, man pages and tests share.
//! - Shared steps: `context` (global options, unlocking, new-vault settings),
//!   `credentials` (a key's parts for add and rotate), `encryption` (who can open a
//!   backup), `import_into` (how restored entries join a vault), `new_passphrase`
//!   (choosing a new passphrase: its guessing cost, the floor, generated ones).
//! - Commands: `commands` (init, add, edit, remove, passwd, verify, otp), `backup` (export,
//!   import, keygen, verify --backup), `paper` (print, restore, verify --paper),
//!   `lifecycle` (rotate, history, status, audit), `exec` (running a bot with its keys).
//!
//! Dependencies point one way: [`run`] dispatches to the command modules, which use the
//! shared steps and `output`; no shared step uses a command module.

mod agent;
mod agent_ops;
pub mod args;
mod backup;
mod commands;
mod context;
mod credentials;
mod encryption;
mod examples;
mod exec;
mod handoff;
mod import_into;
mod lifecycle;
mod movein;
mod new_passphrase;
mod output;
mod paper;
mod prompt;
pub mod report;
mod shell;
mod signals;
mod slots;
pub mod ui;
pub mod zero_on_free;

use args::{Cli, Command};
use context::{Context, default_vault_path};
use keycellar::ops::{Session, VaultRequest};
use report::{Result, exit};
use std::time::Duration;

/// Entry point for a parsed command line; returns the exit code (`exec` passes its
/// child's through).
pub fn run(cli: Cli) -> Result<i32> {
    let vault = match cli.vault {
        Some(path) => path,
        None => default_vault_path()?,
    };
    let passphrase_source = cli.passphrase_fd.or(cli.passphrase_file);
    let ctx = Context {
        vault,
        passphrase_source,
        json: cli.json,
        lock_timeout: Duration::from_secs(cli.lock_timeout),
        no_agent: cli.no_agent,
        identity: cli.identity,
        unlocked: Default::default(),
        agent_unreachable: Default::default(),
    };
    let done = match cli.command {
        Command::Exec(args) => return exec::exec(&ctx, &args),
        Command::Init(args) => commands::init(&ctx, &args),
        Command::Add(args) => commands::add(&ctx, *args),
        Command::List(args) => {
            let filter = args.filter(ctx.json);
            output::list(&ctx.run(VaultRequest::List { filter })?, ctx.json)
        }
        Command::Show { label, reveal } => {
            output::show(&ctx.run(VaultRequest::Show { label, reveal })?, ctx.json)
        }
        Command::Otp { label } => output::otp(&ctx.run(commands::otp_request(label)?)?, ctx.json),
        Command::Agent(command) => return agent::run(&ctx, command),
        Command::Lock => agent::stop_or_lock(&ctx, false),
        Command::Edit(args) => commands::edit(&ctx, *args),
        Command::Remove { label, yes } => commands::remove(&ctx, &label, yes),
        Command::Passwd {
            new_passphrase_file,
            settings,
        } => commands::passwd(&ctx, new_passphrase_file, &settings),
        Command::Slot(command) => slots::run(&ctx, command),
        Command::Rekey => slots::rekey(&ctx),
        Command::Fingerprint { label } => {
            output::fingerprint(&ctx.run(VaultRequest::Fingerprint { label })?, ctx.json)
        }
        Command::Verify {
            backup: Some(file),
            unlock,
            ..
        } => backup::verify_backup(&ctx, &file, &unlock),
        Command::Verify {
            paper: Some(scans),
            text,
            unlock,
            ..
        } => paper::verify_paper(&ctx, &scans, &text, &unlock),
        Command::Verify {
            label,
            fingerprint,
            key,
            ..
        } => commands::verify(&ctx, label, fingerprint, key),
        Command::Export(args) => backup::export(&ctx, &args),
        Command::Import(args) => backup::import(&ctx, &args),
        Command::Keygen {
            output,
            recipient_of,
        } => backup::keygen_or_recipient(output, recipient_of, ctx.json),
        Command::Print(args) => paper::print(&ctx, &args),
        Command::Restore(args) => paper::restore(&ctx, &args),
        Command::Rotate(args) => lifecycle::rotate(&ctx, &args),
        Command::History { label, signatures } => match signatures {
            true => exec::history_of_signatures(&ctx, &label),
            false => lifecycle::history(&ctx, &label),
        },
        Command::Status => lifecycle::status(&ctx),
        Command::Audit { max_age_days } => lifecycle::audit(&ctx, max_age_days),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man { output } => shell::man_pages(&output),
        Command::HygieneCheck => output::hygiene(),
    };
    done.map(|()| exit::OK)
}

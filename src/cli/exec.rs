//! Runs `exec`: a command with one or more keys, handed over as its profile says (see
//! `keycellar::credential::exec::profiles`), under each key's run lock, with the secrets
//! masked in its output and the signals keycellar gets passed on to it (`child`). With the
//! `sign` profile the command gets no secret: a signing service (`keycellar::sign`) answers
//! its requests over a socket for as long as it runs (`sign`).

mod child;
mod sign;

pub use sign::history as history_of_signatures;

use super::args::{ExecArgs, Restart};
use super::context::Context;
use super::output;
use super::report::{Failure, Result};
use super::ui;
use keycellar::credential::entry::Entry;
use keycellar::credential::exec::profiles::{self, Profile, SIGN_SOCKET_VARIABLE};
use keycellar::credential::exec::{Field, mask};
use keycellar::ops::{self, ExecOptions, ExecPrepared, Session, VaultRequest, reply};
use keycellar::run;
use keycellar::untrusted::quoted;
use keycellar::vault::run_lock::RunLock;
use keycellar::vault::runtime_dir::RuntimeDir;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Runs the command and returns its exit code (128 + n when a signal n ended it).
pub fn exec(ctx: &Context, args: &ExecArgs) -> Result<i32> {
    if args.list_profiles {
        output::profiles(ctx.json)?;
        return Ok(0);
    }
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Failure::Usage("give the command to run after --".into()))?;
    let custom = custom_mapping(&args.env)?;
    check_options(args, &custom)?;
    refuse_sign_beside_agent(args)?;
    // exec lives as long as its bot: what unlocking and opening freed (a copy of the vault
    // key in a block no one zeroized) must not outlive them in freed memory, where the
    // allocator's next occupant may leave it untouched.
    super::zero_on_free::enable();
    let runtime = runtime_dir()?;
    let options = ExecOptions {
        labels: args.labels.clone(),
        profile: args.profile,
        custom,
        allow_inactive: args.allow_inactive,
    };
    let prepared = prepare(ctx, options)?;
    let entries: Vec<&Entry> = prepared.entries.iter().collect();
    let locks = ops::take_run_locks(
        &runtime,
        &prepared,
        args.profile,
        args.shared,
        ctx.lock_timeout,
    )?;
    let mut command = command(program, rest, &prepared);
    let document = match (args.profile, args.env.is_empty()) {
        (Profile::JsonFd, true) => Some(profiles::document(&entries)),
        _ => None,
    };
    let server = signing_service(args, &prepared, &entries, &runtime, &locks, &mut command)?;
    // From here on keycellar keeps only what it needs while the command runs: the secrets
    // it handed over, to mask them (and the signing service's keys); the vault was never
    // here (an agent answered) or was closed when the entries came back.
    let masked = (!args.no_masking).then(|| mask::of_entries(&entries));
    let labels: Vec<String> = entries.iter().map(|e| e.label().to_string()).collect();
    let ids: Vec<String> = entries.iter().map(|e| e.id().to_string()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    drop(entries);
    let vault_id = prepared.vault_id.clone();
    drop(prepared);
    let run = child::Run {
        program,
        locks,
        masked,
        document,
        restarts: (args.restart == Restart::OnFailure).then_some(args.max_restarts),
        signing: server.as_ref(),
    };
    record_run(&vault_id, &ids, Ended::Started(args.profile));
    let code = child::run(command, run);
    if let Ok(code) = &code {
        record_run(&vault_id, &ids, Ended::With(*code));
    }
    if let Some(server) = server {
        server.stop();
    }
    let code = code?;
    if ui::is_verbose() {
        ui::info(&format!(
            "{} ran with {} (profile {}) and exited with {code}",
            quoted(program),
            labels.join(", "),
            args.profile
        ));
    }
    Ok(code)
}

/// With `--profile sign`, the signing service for the entries, its socket in the command's
/// environment.
fn signing_service(
    args: &ExecArgs,
    prepared: &ExecPrepared,
    entries: &[&Entry],
    runtime: &RuntimeDir,
    locks: &[RunLock],
    command: &mut Command,
) -> Result<Option<keycellar::sign::SignServer>> {
    if args.profile != Profile::Sign {
        return Ok(None);
    }
    let witnesses = locks
        .iter()
        .map(|lock| lock.witness(runtime))
        .collect::<keycellar::Result<Vec<_>>>()?;
    let server = sign::start(&prepared.vault_id, entries, runtime, witnesses, args)?;
    command.env(SIGN_SOCKET_VARIABLE, server.socket_path());
    // The bot is not told where an agent is (it could still look: see
    // refuse_sign_beside_agent).
    command.env_remove(keycellar::agent::SOCKET_VARIABLE);
    Ok(Some(server))
}

/// The chosen entries only, mapped to variables, from the vault (or the agent). The command
/// may run for days: the vault key this process unlocked with is wiped where the context
/// kept it, and so are the frames that unlocking and opening left below this one.
fn prepare(ctx: &Context, options: ExecOptions) -> Result<ExecPrepared> {
    let reply::ExecPrepared { prepared } = ctx.run(VaultRequest::ExecPrepare { options })?;
    let prepared = *prepared;
    ctx.forget_key();
    super::agent_ops::scrub_stack();
    Ok(prepared)
}

/// Refuses options that do not go together (before the vault is opened).
fn check_options(args: &ExecArgs, custom: &[(String, Field)]) -> Result<()> {
    let refuse = |message: &str| Err(Failure::Usage(message.into()));
    if !custom.is_empty() && args.labels.len() > 1 {
        return refuse("--env maps the fields of one key; give one LABEL, or use a profile");
    }
    if args.max_restarts.is_some() && args.restart == Restart::No {
        return refuse("--max-restarts goes with --restart on-failure");
    }
    if args.profile != Profile::Sign
        && (args.policy.is_some() || args.allow_withdraw || args.beside_agent)
    {
        return refuse("--policy, --allow-withdraw and --beside-agent go with --profile sign");
    }
    Ok(())
}

/// A run with `--profile sign` refuses to start beside an unlocked agent unless
/// `--beside-agent` (the library's rule).
fn refuse_sign_beside_agent(args: &ExecArgs) -> Result<()> {
    let explicit = super::context::explicit_socket();
    let user_dir = super::context::runtime_dir();
    Ok(keycellar::agent::refuse_sign_beside_agent(
        args.profile,
        args.beside_agent,
        user_dir.as_deref(),
        explicit.as_deref(),
    )?)
}

/// The command with its arguments and the variables it gets.
fn command(program: &str, rest: &[String], prepared: &ExecPrepared) -> Command {
    let mut command = Command::new(program);
    command.args(rest);
    if keycellar::source::stdin_was_read() {
        // Standard input carried a secret; the child could seek back and read it. It gets
        // the terminal instead when there is one, else nothing.
        command.stdin(match std::fs::File::open("/dev/tty") {
            Ok(tty) => Stdio::from(tty),
            Err(_) => Stdio::null(),
        });
    }
    for variable in &prepared.variables {
        let entry = &prepared.entries[variable.entry];
        command.env(&variable.name, variable.field.value(entry));
    }
    command
}

/// Where the signing journal and nonce stores are: the runtime directory, found from the
/// uid (`~/.local/state/keycellar` with the home the system gives the user), never from
/// the environment, so that two runs of one key with different environments meet on one
/// nonce store (an attacker pass had runs with two `XDG_STATE_HOME`s issue the same
/// nonces).
fn state_dir() -> Result<PathBuf> {
    Ok(runtime_dir()?.path().to_path_buf())
}

/// A run's start (with the profile it hands the keys over by) or its end (with its code).
enum Ended {
    Started(Profile),
    With(i32),
}

/// Records, outside the vault, that a bot started or ended with the entries `ids`. A
/// failure is a warning: the record is informative, the run goes on.
fn record_run(vault_id: &str, ids: &[&str], ended: Ended) {
    let now = keycellar::clock::Timestamp::now();
    let recorded = runtime_dir().and_then(|dir| {
        Ok(run::update_records(
            dir.path(),
            vault_id,
            ids,
            |record| match ended {
                Ended::Started(profile) => {
                    record.last_started = Some(now);
                    record.last_profile = Some(profile.name().to_string());
                }
                Ended::With(code) => {
                    record.last_ended = Some(now);
                    record.last_exit_code = Some(code);
                }
            },
        )?)
    });
    if let Err(failure) = recorded {
        ui::warn(&format!("the run was not recorded: {failure}"));
    }
}

/// The private runtime directory, where the run locks and the signing socket live.
fn runtime_dir() -> Result<RuntimeDir> {
    Ok(RuntimeDir::open(super::context::runtime_dir().as_deref())?)
}

/// `--env NAME=FIELD` items.
fn custom_mapping(items: &[String]) -> Result<Vec<(String, Field)>> {
    items
        .iter()
        .map(|item| {
            let (name, field) = item.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--env {} is not NAME=FIELD", quoted(item)))
            })?;
            Ok((
                name.to_string(),
                field.parse::<Field>().map_err(Failure::Usage)?,
            ))
        })
        .collect()
}

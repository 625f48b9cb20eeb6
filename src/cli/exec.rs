//! Runs `exec`: a command with one or more keys, handed over as its profile says (see
//! `keycellar::credential::exec::profiles`), under each key's run lock, with the secrets
//! masked in its output and the signals keycellar gets passed on to it (`child`). With the
//! `sign` profile the command gets no secret: a signing service (`keycellar::sign`) answers
//! its requests over a socket for as long as it runs (`sign`).

mod child;
mod sign;

pub use sign::history as history_of_signatures;

use super::args::{ExecArgs, Restart};
use super::context::{Context, unexpected};
use super::output;
use super::report::{Failure, Result};
use super::ui;
use keycellar::credential::entry::Entry;
use keycellar::credential::exec::profiles::{self, Profile, SIGN_SOCKET_VARIABLE};
use keycellar::credential::exec::{Field, mask};
use keycellar::ops::{ExecOptions, ExecPrepared, VaultReply, VaultRequest};
use keycellar::run;
use keycellar::untrusted::quoted;
use keycellar::vault::run_lock::{self, RunLock};
use keycellar::vault::runtime_dir::RuntimeDir;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use zeroize::Zeroizing;

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
    let runtime = runtime_dir()?;
    let options = ExecOptions {
        labels: args.labels.clone(),
        profile: args.profile,
        custom,
        allow_inactive: args.allow_inactive,
    };
    let prepared = prepare(ctx, options)?;
    let entries: Vec<&Entry> = prepared.entries.iter().collect();
    // A signing service takes its keys' locks shared: several bots may sign with a key
    // through services that issue its nonces, but no bot holding the secret itself may run
    // beside them (two nonce sources on one key).
    let shared = args.shared || args.profile == Profile::Sign;
    let locks = take_locks(&runtime, &prepared, shared)?;
    let mut command = command(program, rest, &prepared);
    let document = match (args.profile, args.env.is_empty()) {
        (Profile::JsonFd, true) => Some(profiles::document(&entries)),
        _ => None,
    };
    let server = match args.profile {
        Profile::Sign => Some(sign::start(&prepared.vault_id, &entries, &runtime, args)?),
        _ => None,
    };
    if let Some(server) = &server {
        command.env(SIGN_SOCKET_VARIABLE, server.socket_path());
    }
    // From here on keycellar keeps only what it needs while the command runs: the secrets
    // it handed over, to mask them (and the signing service's keys); the vault was never
    // here (an agent answered) or was closed when the entries came back.
    let masked = (!args.no_masking).then(|| masked_forms(&entries));
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
    };
    record_run(&vault_id, &ids, None);
    let code = child::run(command, run);
    if let Ok(code) = &code {
        record_run(&vault_id, &ids, Some(*code));
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

/// The chosen entries only, mapped to variables, from the vault (or the agent). The command
/// may run for days: the vault key this process unlocked with is wiped where the context
/// kept it, and so are the frames that unlocking and opening left below this one.
fn prepare(ctx: &Context, options: ExecOptions) -> Result<ExecPrepared> {
    let prepared = match ctx.run(VaultRequest::ExecPrepare { options })? {
        VaultReply::ExecPrepared { prepared } => *prepared,
        other => return Err(unexpected(other)),
    };
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
    if args.profile != Profile::Sign && (args.policy.is_some() || args.allow_withdraw) {
        return refuse("--policy and --allow-withdraw go with --profile sign");
    }
    Ok(())
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

/// What masking replaces: the secret and API passphrase of every entry handed over, in every
/// form `mask::forms` lists, and the HTTP Basic token of key and secret.
fn masked_forms(entries: &[&Entry]) -> Vec<Zeroizing<String>> {
    let mut all = Vec::new();
    for entry in entries {
        let secret = Field::Secret.value(entry);
        all.extend(mask::forms(secret));
        all.extend(mask::forms(Field::ApiPassphrase.value(entry)));
        all.push(mask::basic_auth(entry.api_key(), secret));
    }
    all
}

/// `$XDG_STATE_HOME/keycellar` (~/.local/state/keycellar): the signing journal and nonce
/// stores; `None` without a home directory. (The run records are in the runtime directory,
/// found from the uid, where every front end's `status` looks.)
fn state_dir_path() -> Option<PathBuf> {
    dirs::state_dir().map(|d| d.join("keycellar"))
}

/// [`state_dir_path`], made 0700 if missing.
fn state_dir() -> Result<PathBuf> {
    let dir = state_dir_path()
        .ok_or_else(|| Failure::Usage("there is no state directory (set HOME)".into()))?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| keycellar::Error::io(format!("cannot create {}", dir.display()), e))?;
    Ok(dir)
}

/// Records, outside the vault, that a bot started (`None`) or ended (with its code) with
/// the entries `ids`. A failure is a warning: the record is informative, the run goes on.
fn record_run(vault_id: &str, ids: &[&str], ended: Option<i32>) {
    let now = keycellar::clock::Timestamp::now();
    let recorded = runtime_dir().and_then(|dir| {
        Ok(run::update_records(
            dir.path(),
            vault_id,
            ids,
            |record| match ended {
                None => record.last_started = Some(now),
                Some(code) => {
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

/// The run lock of each key the entries hold, once per key (two labels holding one key
/// share it).
fn take_locks(runtime: &RuntimeDir, prepared: &ExecPrepared, shared: bool) -> Result<Vec<RunLock>> {
    prepared
        .locks
        .iter()
        .map(|lock| {
            let label = prepared.entries[lock.entry].label();
            Ok(run_lock::acquire(runtime, &lock.name, label, shared)?)
        })
        .collect()
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

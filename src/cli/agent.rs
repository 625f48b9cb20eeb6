//! The agent commands (docs/AGENT.md): `agent start` (ask once, hand the key to a fresh
//! `agent serve` process, optionally run a COMMAND under it), `agent status`, `agent stop`
//! and `lock`. `spawn` starts the serve process and hands it the key; `serve` is that
//! process.

pub mod serve;
mod spawn;

use super::args::{AgentCommand, AgentStartArgs};
use super::context::{self, Context};
use super::output;
use super::report::{Failure, Result};
use super::signals;
use keycellar::Error;
use keycellar::agent::{self, AgentError, Client, Limits, Request, VaultIdentity};
use keycellar::untrusted::quoted;
use keycellar::vault::store;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `agent ...`: the exit code (`agent start -- COMMAND` passes COMMAND's on).
pub fn run(ctx: &Context, command: AgentCommand) -> Result<i32> {
    match command {
        AgentCommand::Start(args) => return start(ctx, &args),
        AgentCommand::Status => status(ctx)?,
        AgentCommand::Stop => stop_or_lock(ctx, true)?,
        AgentCommand::Serve => return serve::serve(),
    }
    Ok(0)
}

/// `agent start`: returns 0, or COMMAND's exit code.
fn start(ctx: &Context, args: &AgentStartArgs) -> Result<i32> {
    let limits = Limits::new(args.idle, args.max)
        .map_err(|why| Failure::Usage(why.replace("idle none", "--idle none")))?;
    let identity = agent::identify(&ctx.vault)?;
    let socket = own_socket(&identity);
    refuse_a_second_agent(ctx, &socket)?;
    // `agent start --identity FILE`: a server opens its agent through a slot (a TPM's),
    // with no passphrase anywhere on disk.
    let unlocking = ctx.with_identity(args.identity.clone());
    let started = spawn::start_serving(&unlocking, &identity, &socket, limits)?;
    // With COMMAND this process lives as long as the bot, holding no key (AGENT.md section
    // 3): the copy the unlocking context kept for later requests (there are none) and those
    // unlocking and the handover left in frames below this one are wiped now.
    unlocking.forget_key();
    super::agent_ops::scrub_stack();
    if args.command.is_empty() {
        let status = started.detach()?;
        output::agent_started(&status, ctx.json)?;
        return Ok(0);
    }
    let code = run_command(&args.command, &socket);
    started.stop_and_wait();
    code
}

/// The socket an agent for `identity` listens on (never `KEYCELLAR_AGENT_SOCK`: a new agent
/// is always found from its vault).
fn own_socket(identity: &VaultIdentity) -> PathBuf {
    agent::socket_for(identity, context::runtime_dir().as_deref(), None)
}

/// Refuses when an unlocked agent already serves the vault; a locked one is stopped, so
/// that starting again is how a locked agent is unlocked.
fn refuse_a_second_agent(ctx: &Context, socket: &std::path::Path) -> Result<()> {
    let Some(mut client) = Client::connect(socket)? else {
        return Ok(());
    };
    let status = client
        .ask(&Request::Status {})?
        .map_err(AgentError::Answered)?;
    if status["state"] == "unlocked" {
        return Err(AgentError::AlreadyServed {
            vault: ctx.vault.clone(),
            socket: socket.to_path_buf(),
        }
        .into());
    }
    client
        .ask(&Request::Stop {})?
        .map_err(AgentError::Answered)?;
    client.wait_closed();
    Ok(())
}

/// Runs COMMAND with `KEYCELLAR_AGENT_SOCK`, passing on the signals keycellar gets.
fn run_command(command: &[String], socket: &std::path::Path) -> Result<i32> {
    let (program, rest) = command.split_first().unwrap_or((&command[0], &[]));
    // Signals from here on are held for COMMAND, not the end of this process.
    signals::child_starting();
    let spawned = Command::new(program)
        .args(rest)
        .env(agent::SOCKET_VARIABLE, socket)
        .spawn();
    let mut child = spawned.map_err(|e| {
        signals::child_ended();
        Error::io(format!("cannot run {}", quoted(program)), e)
    })?;
    signals::forward_to(child.id());
    let status = child.wait();
    signals::child_ended();
    let status =
        status.map_err(|e| Error::io(format!("cannot wait for {}", quoted(program)), e))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

/// The agent serving the vault (`KEYCELLAR_AGENT_SOCK` first), or `None`.
fn connect(ctx: &Context) -> Result<Option<Client>> {
    let identity = agent::identify(&ctx.vault)?;
    let explicit = context::explicit_socket();
    let socket = agent::socket_for(
        &identity,
        context::runtime_dir().as_deref(),
        explicit.as_deref(),
    );
    Ok(Client::connect(&socket)?)
}

fn ask(client: &mut Client, request: Request) -> Result<Value> {
    Ok(client.ask(&request)?.map_err(AgentError::Answered)?)
}

/// `agent status`: exit 1 (kind `no_agent`) when no agent serves the vault.
pub fn status(ctx: &Context) -> Result<()> {
    let Some(mut client) = connect(ctx)? else {
        return Err(AgentError::NoAgent {
            vault: ctx.vault.clone(),
        }
        .into());
    };
    output::agent_status(&ask(&mut client, Request::Status {})?, ctx.json)
}

/// `agent stop` (`stop`) or `lock`: nothing to do is not a failure. The agent in the socket
/// directory is asked first, then the one `KEYCELLAR_AGENT_SOCK` names (a variable left
/// pointing at a dead socket, or at a hostile one, must not leave the vault's own agent
/// unlocked), each only once it says it serves this vault (a lock carries no vault id).
pub fn stop_or_lock(ctx: &Context, stop: bool) -> Result<()> {
    let identity = agent::identify(&ctx.vault)?;
    let runtime = context::runtime_dir();
    let mut sockets = vec![agent::socket_for(&identity, runtime.as_deref(), None)];
    if let Some(explicit) = context::explicit_socket()
        && !store::same_file(&explicit, &sockets[0])
    {
        sockets.push(explicit);
    }
    let (mut done, mut failure) = ("none", None);
    for socket in &sockets {
        match stop_or_lock_at(socket, &identity.vault_id, stop) {
            Ok(Some(what)) => done = what,
            Ok(None) => {}
            Err(error) => {
                failure.get_or_insert(error);
            }
        }
    }
    // Every agent that could be reached was asked before one that failed is reported.
    if let Some(error) = failure {
        return Err(error.into());
    }
    output::agent_changed(&ctx.vault, done, ctx.json)
}

/// Stops or locks the agent at `socket` when it serves the vault `vault_id`: what was done,
/// or `None` when no agent listens there or it serves another vault.
fn stop_or_lock_at(
    socket: &Path,
    vault_id: &str,
    stop: bool,
) -> std::result::Result<Option<&'static str>, AgentError> {
    let Some(mut client) = Client::connect(socket)? else {
        return Ok(None);
    };
    let mut ask = |request| client.ask(&request)?.map_err(AgentError::Answered);
    if ask(Request::Status {})?["vault_id"] != vault_id {
        return Ok(None);
    }
    if !stop {
        return ask(Request::Lock {}).map(|_| Some("locked"));
    }
    ask(Request::Stop {})?;
    client.wait_closed();
    Ok(Some("stopped"))
}

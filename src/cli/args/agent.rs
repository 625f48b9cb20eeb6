//! Arguments of the agent commands (docs/AGENT.md).

use crate::cli::examples;
use clap::{Args, Subcommand};
use keycellar::agent::Limit;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Ask the passphrase once and leave an agent serving this vault until it locks
    #[command(after_help = examples::help("agent start", ""))]
    Start(AgentStartArgs),
    /// Whether an agent serves this vault, and when it locks
    #[command(after_help = examples::help("agent status", ""))]
    Status,
    /// Wipe the agent's key and end it
    #[command(after_help = examples::help("agent stop", ""))]
    Stop,
    /// The agent process itself (started by `agent start`; reads its key from a pipe)
    #[command(hide = true)]
    Serve,
}

#[derive(Debug, Args)]
pub struct AgentStartArgs {
    /// Lock after this long without a command that used the key: 90s, 15m, 8h, or none
    /// [default: 15m]
    #[arg(long, value_name = "DURATION", value_parser = Limit::parse)]
    pub idle: Option<Limit>,
    /// Lock this long after unlocking, whatever the use; none only with --idle none
    /// [default: 8h]
    #[arg(long, value_name = "DURATION", value_parser = Limit::parse)]
    pub max: Option<Limit>,
    /// Open the vault through an age keyslot with this identity file instead of the
    /// passphrase (an age key, an SSH key, or a plugin identity such as a TPM's)
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Run this command with the agent (KEYCELLAR_AGENT_SOCK set), and stop the agent when
    /// it ends
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

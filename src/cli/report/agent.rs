//! How the agent's failures are reported. A failure the agent answered for an operation
//! carries the kind, exit code and hint the same failure has in-process, and keeps them.

use super::exit;
use keycellar::agent::AgentError;
use std::borrow::Cow;

pub fn exit_code(error: &AgentError) -> i32 {
    match error {
        // A failure never exits 0, whatever the answer said.
        AgentError::Answered(refusal) if exit::is_failure(refusal.exit_code) => refusal.exit_code,
        AgentError::Answered(_) => exit::FAILURE,
        AgentError::UnsafeDirectory { .. }
        | AgentError::NoAgent { .. }
        | AgentError::AlreadyServed { .. }
        | AgentError::ForeignAgent { .. }
        | AgentError::Protocol { .. }
        | AgentError::ChangeUnanswered { .. }
        | AgentError::NotStarted(_)
        | AgentError::SignBesideAgent { .. }
        | AgentError::Io { .. } => exit::FAILURE,
    }
}

pub fn kind(error: &AgentError) -> Cow<'static, str> {
    Cow::Borrowed(match error {
        AgentError::Answered(refusal) => return Cow::Owned(refusal.kind.clone()),
        AgentError::UnsafeDirectory { .. } | AgentError::ForeignAgent { .. } => "unsafe_path",
        AgentError::NoAgent { .. } => "no_agent",
        AgentError::AlreadyServed { .. } => "agent_running",
        AgentError::SignBesideAgent { .. } => "agent_unlocked",
        AgentError::Protocol { .. }
        | AgentError::ChangeUnanswered { .. }
        | AgentError::NotStarted(_) => "agent_failed",
        AgentError::Io { .. } => "io",
    })
}

pub fn hint(error: &AgentError) -> Cow<'static, str> {
    Cow::Borrowed(match error {
        AgentError::Answered(refusal) => return Cow::Owned(refusal.hint_shown()),
        AgentError::UnsafeDirectory { .. } => {
            "The socket directory must be yours, mode 0700 and not a link: remove it (or fix \
             its owner and mode) and start the agent again."
        }
        AgentError::ForeignAgent { .. } => {
            "Another user's process listens where your agent's socket should be: find it \
             (`ss -xlp`), remove the socket and check who can write to its directory."
        }
        AgentError::NoAgent { .. } => "Start one with `keycellar agent start`.",
        AgentError::AlreadyServed { .. } => {
            "`keycellar agent status` shows it; `keycellar agent stop` ends it."
        }
        AgentError::Protocol { .. } | AgentError::NotStarted(_) => {
            "Stop it with `keycellar agent stop` and start it again; commands ask the \
             passphrase meanwhile."
        }
        AgentError::ChangeUnanswered { .. } => {
            "Look whether the change was made (`keycellar list`, `keycellar history LABEL`) \
             before running the command again; `keycellar agent stop` ends that agent."
        }
        AgentError::SignBesideAgent { .. } => {
            "Lock it first (`keycellar lock`, or `keycellar agent stop`) and run exec again:              it asks for the passphrase (or opens with --identity). --beside-agent starts the              bot anyway, accepting that it could read the secrets."
        }
        AgentError::Io { .. } => "Check the path and its permissions.",
    })
}

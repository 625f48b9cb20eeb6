//! What can go wrong around an agent that is not the vault's own failure.

use std::path::PathBuf;

/// A failure of the agent or of reaching it. Facts only; the command line adds the hints.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The socket directory (or the runtime directory above it) could let another user in.
    #[error("{} is not safe for the agent's socket: it {what}", .path.display())]
    UnsafeDirectory { path: PathBuf, what: &'static str },

    /// No agent answers for this vault.
    #[error("no agent serves vault {}", .vault.display())]
    NoAgent { vault: PathBuf },

    /// An unlocked agent already serves this vault.
    #[error("an agent already serves vault {} (socket {})", .vault.display(), .socket.display())]
    AlreadyServed { vault: PathBuf, socket: PathBuf },

    /// The process listening on the socket runs as another user (or the kernel cannot say
    /// who it is): nothing was sent to it.
    #[error("the socket {} is served by another user's process (uid {}), not this user's agent", .socket.display(), .uid.map_or("unknown".to_string(), |u| u.to_string()))]
    ForeignAgent { socket: PathBuf, uid: Option<u32> },

    /// The agent answered something this keycellar does not understand.
    #[error("the agent at {} answered out of protocol: {what}", .socket.display())]
    Protocol { socket: PathBuf, what: String },

    /// The agent was sent a change and gave no answer it could be read from (`what`): the
    /// change may have been made, so it is not run again without the agent.
    #[error("the agent at {} was sent a change and gave no answer ({what}): the change may have been made", .socket.display())]
    ChangeUnanswered { socket: PathBuf, what: String },

    /// The agent refused or failed a request; its answer carries the kind and exit code the
    /// same failure has on the command line.
    #[error("{}", .0.message_shown())]
    Answered(super::protocol::Refusal),

    /// `exec --profile sign` would start a bot beside an unlocked agent, which any process
    /// of the user (the bot too) can ask for the secrets the signing service keeps from it.
    #[error("an unlocked agent is running (socket {}): a bot run with the sign profile could ask it for the vault's secrets", .socket.display())]
    SignBesideAgent { socket: PathBuf },

    /// The agent process could not be started or did not become ready.
    #[error("the agent did not start: {0}")]
    NotStarted(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl AgentError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> AgentError {
        AgentError::Io {
            context: context.into(),
            source,
        }
    }
}

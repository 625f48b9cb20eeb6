//! The agent (docs/AGENT.md): a background process that holds one vault's key after one
//! unlock and answers the commands that would otherwise ask the passphrase, until it locks.
//! It never hands the key out. This module is the library side of it; the command line
//! starts the process, gives it the key over a pipe and provides the operations it runs.
//!
//! - `socket_dir`: where sockets live (the user's runtime directory, found from the uid), the
//!   lock that makes one agent per socket, and the owner, mode and link checks both sides
//!   make.
//! - `protocol`: the lines (64 KiB requests, 64 MiB answers, no key twice), requests,
//!   answers and the agent-only kinds.
//! - `timers`: idle and absolute limits with an injected clock.
//! - `locked_key`: the vault key in one locked page, wiped when dropped.
//! - `state`: unlocked or locked (with a reason); the checks before each use of the key and
//!   the lease an operation holds on it outside the mutex.
//! - `header`: a vault's id and keyslots read without its key.
//! - `server`: the socket, the peer check, one thread per client, the watch pipe.
//! - `client`: finding and asking the agent of a vault, and when to fall back.
//! - `error`: what can go wrong around an agent.

mod client;
mod error;
mod header;
mod locked_key;
pub mod protocol;
mod server;
mod socket_dir;
mod state;
pub mod timers;

pub use client::{
    Client, Fallback, PATIENCE, SOCKET_VARIABLE, refuse_sign_beside_agent, run, socket_for,
    unlocked_agents,
};
pub use error::AgentError;
pub use header::{VaultIdentity, identify, still_holds};
pub use locked_key::LockedKey;
pub use protocol::{Refusal, Request};
pub use server::{AgentServer, DETACH, Operations};
pub use socket_dir::{
    check as check_socket_dir, ensure as ensure_socket_dir, socket_dir, socket_path,
};
pub use state::{AgentState, CachedKey, KeyslotCheck, LockReason, Served};
pub use timers::{Limit, Limits, Timers};

#[cfg(test)]
mod tests;

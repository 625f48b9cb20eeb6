//! Where requests run. A [`Session`] takes a [`VaultRequest`] and answers it; a
//! [`LocalSession`] opens the vault itself, through an [`Unlock`], for each request. An agent
//! that keeps the vault key serves the same requests with [`run_at`] on its side of a
//! socket, and a session that talks to it is another implementation of this trait.

use super::change::execute_change;
use super::reply::VaultReply;
use super::request::{VaultRequest, execute};
use crate::clock::Date;
use crate::error::Result;
use crate::vault::{Unlock, Vault};
use std::path::Path;
use std::time::Duration;

/// Runs vault requests.
pub trait Session {
    fn run(&mut self, request: VaultRequest) -> Result<VaultReply>;
}

/// Opens the vault at `path` with `unlock` for each request, and runs it here.
pub struct LocalSession<'a> {
    path: &'a Path,
    unlock: &'a mut dyn Unlock,
}

impl<'a> LocalSession<'a> {
    pub fn new(path: &'a Path, unlock: &'a mut dyn Unlock) -> LocalSession<'a> {
        LocalSession { path, unlock }
    }
}

impl Session for LocalSession<'_> {
    fn run(&mut self, request: VaultRequest) -> Result<VaultReply> {
        run_at(self.path, self.unlock, request, Date::today())
    }
}

/// Opens the vault at `path` through `unlock` as `request` needs it (to read, or to change
/// it under its lock) and runs the request there, as it stands on `today`: what the command
/// line does in-process and what an agent does with the key it holds.
pub fn run_at(
    path: &Path,
    unlock: &mut dyn Unlock,
    request: VaultRequest,
    today: Date,
) -> Result<VaultReply> {
    match request {
        VaultRequest::Change {
            change,
            lock_timeout_ms,
        } => {
            let timeout = Duration::from_millis(lock_timeout_ms);
            let mut vault = Vault::open_for_change(path, unlock, timeout)?;
            execute_change(&mut vault, *change, today)
        }
        reading => execute(&Vault::open(path, unlock)?, &reading, today),
    }
}

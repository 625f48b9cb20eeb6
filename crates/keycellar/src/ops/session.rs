//! Where requests run. A [`Session`] takes a [`VaultRequest`] and answers it with the kind
//! of reply asked for; a [`LocalSession`] opens the vault itself, through an [`Unlock`], for
//! each request. An agent that keeps the vault key serves the same requests with [`run_at`]
//! on its side of a socket, and a front end's session may ask it first (the command line's
//! does). The use cases that take several steps (`ops::export`, `ops::print`, ...) run
//! their requests through a session.

use super::change::{ChangeRequest, execute_change};
use super::reply::{Reply, VaultReply, wrong_reply};
use super::request::{VaultRequest, execute};
use crate::clock::Date;
use crate::error::{Error, Result};
use crate::vault::{Unlock, Vault};
use std::cell::RefCell;
use std::path::Path;
use std::time::Duration;

/// Runs vault requests for one vault.
pub trait Session {
    /// How a request fails here: the library's error, or a front end's own type that holds
    /// it (a prompt that got no answer, an agent that failed).
    type Error: From<Error>;

    /// Runs `request`; its reply of the kind `R` it gives.
    fn run<R: Reply>(&self, request: VaultRequest) -> std::result::Result<R, Self::Error>;

    /// The vault's file, as the front end named it: backups are never written over it.
    fn vault(&self) -> &Path;

    /// How long a change waits for the vault's lock while another process holds it.
    fn lock_timeout(&self) -> Duration {
        Duration::ZERO
    }

    /// Runs `change` under the vault's lock (see [`Session::lock_timeout`]).
    fn change<R: Reply>(&self, change: ChangeRequest) -> std::result::Result<R, Self::Error> {
        self.run(VaultRequest::change(change, self.lock_timeout()))
    }
}

/// Opens the vault at `path` with `unlock` for each request, and runs it here.
pub struct LocalSession<'a> {
    path: &'a Path,
    unlock: RefCell<&'a mut dyn Unlock>,
}

impl<'a> LocalSession<'a> {
    pub fn new(path: &'a Path, unlock: &'a mut dyn Unlock) -> LocalSession<'a> {
        LocalSession {
            path,
            unlock: RefCell::new(unlock),
        }
    }
}

impl Session for LocalSession<'_> {
    type Error = Error;

    fn run<R: Reply>(&self, request: VaultRequest) -> Result<R> {
        let kind = request.kind();
        let mut unlock = self.unlock.borrow_mut();
        let reply = run_at(self.path, *unlock, request, Date::today())?;
        R::take(reply).map_err(|other| {
            Error::Internal(format!("the vault session: {}", wrong_reply(kind, &other)))
        })
    }

    fn vault(&self) -> &Path {
        self.path
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

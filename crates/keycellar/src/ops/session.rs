//! Where requests run. A [`Session`] takes a [`VaultRequest`] and answers it; a
//! [`LocalSession`] opens the vault itself, through an [`Unlock`], for each request. An agent
//! that keeps the vault key serves the same requests with [`super::execute`] on its side of
//! a socket, and a session that talks to it is another implementation of this trait.

use super::request::{VaultReply, VaultRequest, execute};
use crate::clock::Date;
use crate::error::Result;
use crate::vault::{Unlock, Vault};
use std::path::Path;

/// Runs vault requests.
pub trait Session {
    fn run(&mut self, request: &VaultRequest) -> Result<VaultReply>;
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
    fn run(&mut self, request: &VaultRequest) -> Result<VaultReply> {
        let vault = Vault::open(self.path, self.unlock)?;
        execute(&vault, request, Date::today())
    }
}

//! Use cases over an open vault, above every layer they combine, so that every front end
//! (the command line, an agent) gets the same rules: `request` (vault operations as
//! [`VaultRequest`]s, run by [`execute`], answered by [`VaultReply`]s that cross a socket),
//! `session` (where requests run: [`Session`], [`LocalSession`]), `status` (what the vault
//! holds and how well it is backed up) and `audit` (what needs attention).

pub mod audit;
mod request;
mod session;
pub mod status;

pub use request::{
    EntryView, LineageView, Revealed, VaultReply, VaultRequest, Verified, execute, verify_outcome,
};
pub use session::{LocalSession, Session};

#[cfg(test)]
mod tests;

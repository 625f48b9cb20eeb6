//! Use cases over an open vault, above every layer they combine, so that every front end
//! (the command line, an agent) gets the same rules: `request` (vault operations as
//! [`VaultRequest`]s, run by [`execute`], answered by [`VaultReply`]s that cross a socket),
//! `change` (the requests that change the vault, [`ChangeRequest`], run by
//! [`execute_change`] under the vault's lock), `reply` (what a request gives back, one struct
//! per kind, taken with [`Reply::take`]), `backup` (what an export or a print takes from the vault, and a backup compared with it),
//! `outgoing` (an export or a sheet written, and only then its record: [`Outgoing`]),
//! `make_backup` (the use cases [`export`] and [`print`], each one call through a
//! [`Session`] that writes and records), `read_backup` ([`ExportFile`], [`read_codes`], [`restore_paper`],
//! [`compare_backup`]), `ui` (what a use case shows its front end: [`Ui`], [`Working`]),
//! `new_vault` (a vault made from a backup's entries, planned then made), `bring_in` (the use
//! case that merges entries into the vault or makes a new one of them: [`bring_in`],
//! [`BringInPrompts`]), `rotate` (the use case [`rotate`], [`RotatePrompts`]),
//! `exec` (what `exec` takes from the vault:
//! [`exec_prepare`]), `session` (where requests run: [`Session`],
//! [`LocalSession`], [`run_at`]), `status` (what the vault
//! holds and how well it is backed up), `audit` (what needs attention) and `list` (which
//! entries a listing shows: [`ListFilter`]).

pub mod audit;
mod backup;
mod bring_in;
mod change;
mod exec;
mod list;
mod make_backup;
mod new_vault;
mod outgoing;
mod read_backup;
pub mod reply;
mod request;
mod rotate;
mod session;
pub mod status;
mod ui;

pub use backup::{ExportDocument, compare, export_document, print_entries};
pub use bring_in::{BringIn, BringInPrompts, BroughtIn, Target, bring_in};
pub use change::{ChangeRequest, PlannedAction, execute_change};
pub use exec::{ExecOptions, ExecPrepared, RunLockName, Variable, exec_prepare, take_run_locks};
pub use list::ListFilter;
pub use make_backup::{
    Destination, ExportPlan, ExportReport, PrintPlan, PrintReport, export, print,
};
pub use outgoing::Outgoing;
pub use read_backup::{
    BackupCompared, ExportFile, PaperRead, Repaired, compare_backup, read_codes, restore_paper,
};
pub use reply::{Reply, VaultReply, wrong_reply};
pub use request::{
    EntryView, LineageView, Revealed, VaultRequest, Verified, execute, rotatable, verify_outcome,
};
pub use rotate::{RotatePlan, RotatePrompts, rotate};
pub use session::{LocalSession, Session, run_at};
pub use ui::{Silent, Step, Ui, Working};

#[cfg(test)]
mod tests;

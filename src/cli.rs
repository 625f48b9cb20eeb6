//! The `keycellar` command line: argument grammar (`args`), shared options (`context`),
//! command runners (`commands`; `backup` for export/import/keygen; `paper` for print/restore;
//! `lifecycle` for rotate/history/status/audit/exec) and printing
//! (`output`). Logic lives in the library; this module only wires it up.

pub mod args;
pub mod backup;
pub mod commands;
pub mod context;
pub mod lifecycle;
pub mod output;
pub mod paper;
pub mod shell;
pub mod ui;

//! The `keycellar` command line: argument grammar (`args`), command runners (`commands`)
//! and printing (`output`). Logic lives in the library; this module only wires it up.

pub mod args;
pub mod commands;
pub mod output;

//! Fitting into the shell: completion scripts (clap_complete) and man pages (clap_mangen),
//! both generated from the one argument grammar so they cannot drift from it.

use super::args::Cli;
use super::report::Result;
use clap::CommandFactory;
use keycellar::Error;
use std::path::Path;

/// Writes the completion script for `shell` to stdout. Labels do not complete: they are
/// inside the encrypted vault, and completion must never ask for a passphrase.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "keycellar", &mut script);
    Ok(super::output::emit(&String::from_utf8_lossy(&script))?)
}

/// Writes `keycellar.1` and one page per command (`keycellar-add.1`, ...) into `dir`.
pub fn man_pages(dir: &Path) -> Result<()> {
    let io = |e| Error::io(format!("cannot write man pages to {}", dir.display()), e);
    std::fs::create_dir_all(dir).map_err(io)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(io)?;
    super::ui::note(&format!("Wrote the man pages to {}", dir.display()));
    Ok(())
}

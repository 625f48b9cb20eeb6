//! Runs `export --format keepass-xml` and `export --to pass NAME LABEL`: keys handed to a
//! password manager without a plaintext file. The XML goes only to a pipe (standard output
//! or `-o` a named pipe) unless `--force-plaintext`; a `pass` entry goes on the standard
//! input of `pass insert -m NAME`, after keycellar checked that NAME is new (pass replaces
//! an entry without asking when its input is no terminal) unless `--force`.
//!
//! Neither is recorded in the vault as a backup: the vault cannot know what the password
//! manager keeps (status, audit and rotate count age exports and printed sheets only).

use super::args::ExportArgs;
use super::context::Context;
use super::output;
use super::report::{Failure, Result};
use super::ui;
use keycellar::Error;
use keycellar::backup::handoff::{self, KEEPASS_XML, PlaintextSink};
use keycellar::credential::entry::Entry;
use keycellar::error::BackupError;
use keycellar::ops::{Session, VaultRequest, reply};
use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn keepass_xml(ctx: &Context, args: &ExportArgs) -> Result<()> {
    let path = args.output.as_deref().filter(|p| !output::is_stdout(p));
    if !args.force_plaintext {
        refuse_plaintext(path)?;
    }
    if let Some(path) = path {
        output::check_backup_destination(path, args.force, &ctx.vault)?;
    }
    let entries = entries(ctx, args.labels.clone())?;
    let xml = handoff::keepass_xml(&entries);
    match path {
        // The pipe checked above, opened as one or not at all.
        Some(path) if !args.force_plaintext => handoff::open_pipe(path)?
            .write_all(xml.expose().as_bytes())
            .map_err(|e| Error::io(path.display().to_string(), e))?,
        _ => output::write_document(
            path.unwrap_or(Path::new("-")),
            xml.expose().as_bytes(),
            args.force,
        )?,
    }
    ui::note(&format!(
        "Wrote {} as {KEEPASS_XML} (for `keepassxc-cli import`).",
        keycellar::wording::count(entries.len(), "entry", "entries")
    ));
    Ok(())
}

/// Refuses a destination where the plain text would stay or be seen (the library's rule).
fn refuse_plaintext(path: Option<&Path>) -> Result<()> {
    let stdout = std::io::stdout();
    let sink = match path {
        Some(path) => PlaintextSink::Path(path),
        None => PlaintextSink::Stream(stdout.as_fd()),
    };
    Ok(handoff::check_plaintext_sink(sink).map_err(Error::Input)?)
}

/// The entries `labels` names (every entry when none), secrets included.
fn entries(ctx: &Context, labels: Vec<String>) -> Result<Vec<Entry>> {
    let reply::PrintEntries { entries, .. } = ctx.run(VaultRequest::PrintEntries { labels })?;
    Ok(entries)
}

pub fn to_pass(ctx: &Context, args: &ExportArgs) -> Result<()> {
    let [name, label] = args.labels.as_slice() else {
        return Err(Failure::Usage(
            "--to pass takes the pass entry's name and one label: export --to pass NAME LABEL"
                .into(),
        ));
    };
    handoff::pass_entry_file(&password_store()?, name, args.force)?;
    let entries = entries(ctx, vec![label.clone()])?;
    let [entry] = entries.as_slice() else {
        return Err(keycellar::Error::Internal("one label gave several entries".into()).into());
    };
    let text = handoff::pass_entry(entry)?;
    let mut command = Command::new("pass");
    command.args(["insert", "--multiline"]);
    if args.force {
        command.arg("--force");
    }
    command
        .arg("--")
        .arg(name)
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    run_pass(command, text.expose().as_bytes())?;
    let vault_fingerprint = fingerprint_of_vault(ctx)?;
    output::handed_to_pass(entry, name, vault_fingerprint, ctx.json)
}

fn fingerprint_of_vault(ctx: &Context) -> Result<keycellar::credential::fingerprint::Fingerprint> {
    let reply::Fingerprint { fingerprint, .. } =
        ctx.run(VaultRequest::Fingerprint { label: None })?;
    Ok(fingerprint)
}

/// The password store: `$PASSWORD_STORE_DIR`, by default `~/.password-store`.
fn password_store() -> Result<PathBuf> {
    match std::env::var_os("PASSWORD_STORE_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Ok(dirs::home_dir()
            .ok_or_else(|| Failure::Usage("there is no home directory".into()))?
            .join(".password-store")),
    }
}

/// Runs pass with `input` on its standard input; its messages go to the terminal.
fn run_pass(mut command: Command, input: &[u8]) -> Result<()> {
    let failed = |what: String| Error::Backup(BackupError::HandoffFailed { tool: "pass", what });
    let mut child = command
        .spawn()
        .map_err(|e| failed(format!("cannot run pass: {e}")))?;
    let written = child.stdin.take().map(|mut stdin| stdin.write_all(input));
    let status = child
        .wait()
        .map_err(|e| failed(format!("cannot wait for pass: {e}")))?;
    if !status.success() {
        return Err(failed(format!("pass ended with {status}")).into());
    }
    if let Some(Err(e)) = written {
        return Err(failed(format!("cannot write to pass: {e}")).into());
    }
    Ok(())
}

//! Runs `exec`: a command with one or more keys, handed over as its profile says (see
//! `keycellar::credential::exec::profiles`), under each key's run lock, with the secrets
//! masked in its output and the signals keycellar gets passed on to it.

use super::args::ExecArgs;
use super::context::Context;
use super::output;
use super::report::{Failure, Result};
use super::signals;
use super::ui;
use keycellar::Error;
use keycellar::clock::Date;
use keycellar::credential::entry::Entry;
use keycellar::credential::exec::Field;
use keycellar::credential::exec::mask::Masker;
use keycellar::credential::exec::profiles::{self, CREDENTIALS_FD_VARIABLE, Profile};
use keycellar::secret::Secret;
use keycellar::untrusted::quoted;
use keycellar::vault::{Vault, run_lock};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Command, Stdio};

/// Runs the command and returns its exit code (128 + n when a signal n ended it).
pub fn exec(ctx: &Context, args: &ExecArgs) -> Result<i32> {
    if args.list_profiles {
        output::profiles(ctx.json)?;
        return Ok(0);
    }
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Failure::Usage("give the command to run after --".into()))?;
    let custom = custom_mapping(&args.env)?;
    if !custom.is_empty() && args.labels.len() > 1 {
        return Err(Failure::Usage(
            "--env maps the fields of one key; give one LABEL, or use a profile".into(),
        ));
    }
    let vault = ctx.open()?;
    let entries = chosen_entries(&vault, args)?;
    let variables = variables(&entries, args.profile, &custom)?;
    let mut locks = Vec::new();
    for entry in &entries {
        let lock = run_lock::acquire(vault.path(), entry.id(), entry.label(), args.shared)?;
        locks.push(lock);
    }
    let mut command = Command::new(program);
    command.args(rest);
    if keycellar::source::stdin_was_read() {
        // Standard input carried a secret; the child could seek back and read it. It gets
        // the terminal instead when there is one, else nothing.
        command.stdin(match std::fs::File::open("/dev/tty") {
            Ok(tty) => Stdio::from(tty),
            Err(_) => Stdio::null(),
        });
    }
    for (name, entry, field) in &variables {
        command.env(name, field.value(entry));
    }
    // Held until the child started, then closed: the child has its own copy.
    let _document_pipe = match (args.profile, custom.is_empty()) {
        (Profile::JsonFd, true) => {
            let read_end = credentials_pipe(&profiles::document(&entries))?;
            command.env(CREDENTIALS_FD_VARIABLE, read_end.as_raw_fd().to_string());
            Some(read_end)
        }
        _ => None,
    };
    let secrets: Vec<&str> = entries
        .iter()
        .flat_map(|e| [Field::Secret.value(e), Field::ApiPassphrase.value(e)])
        .collect();
    let masked = (!args.no_masking).then_some(&secrets[..]);
    let code = run(command, program, &mut locks, masked)?;
    if ui::is_verbose() {
        let labels: Vec<&str> = entries.iter().map(|e| e.label()).collect();
        ui::info(&format!(
            "{} ran with {} (profile {}) and exited with {code}",
            quoted(program),
            labels.join(", "),
            args.profile
        ));
    }
    Ok(code)
}

/// The entries named, each current and usable (unless --allow-inactive), none twice.
fn chosen_entries<'v>(vault: &'v Vault, args: &ExecArgs) -> Result<Vec<&'v Entry>> {
    let mut entries: Vec<&Entry> = Vec::new();
    for label in &args.labels {
        let entry = vault.find_for_use(label)?;
        if !args.allow_inactive {
            entry.check_usable(Date::today())?;
        }
        if entries.iter().any(|e| e.id() == entry.id()) {
            return Err(Failure::Usage(format!("{} is given twice", quoted(label))));
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// Starts the command, records it in the run locks, passes signals on and (with `masked`
/// values) copies its output masked, then waits; returns its exit code.
fn run(
    mut command: Command,
    program: &str,
    locks: &mut [run_lock::RunLock],
    masked: Option<&[&str]>,
) -> Result<i32> {
    if masked.is_some() {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = command
        .spawn()
        .map_err(|e| Error::io(format!("cannot run {}", quoted(program)), e))?;
    signals::forward_to(child.id());
    for lock in locks.iter_mut() {
        // Only the message a second run gets depends on it.
        let _ = lock.record(child.id());
    }
    let secrets = masked.unwrap_or_default();
    let pumps = [
        (child.stdout.take()).map(|out| pump(out, std::io::stdout(), secrets)),
        (child.stderr.take()).map(|err| pump(err, std::io::stderr(), secrets)),
    ];
    let status = child.wait();
    signals::child_ended();
    for handle in pumps.into_iter().flatten() {
        let _ = handle.join();
    }
    let status =
        status.map_err(|e| Error::io(format!("cannot wait for {}", quoted(program)), e))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

/// `--env NAME=FIELD` items.
fn custom_mapping(items: &[String]) -> Result<Vec<(String, Field)>> {
    items
        .iter()
        .map(|item| {
            let (name, field) = item.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--env {} is not NAME=FIELD", quoted(item)))
            })?;
            Ok((
                name.to_string(),
                field.parse::<Field>().map_err(Failure::Usage)?,
            ))
        })
        .collect()
}

/// Every variable the child gets, refusing two keys that would set the same one.
fn variables<'a>(
    entries: &[&'a Entry],
    profile: Profile,
    custom: &[(String, Field)],
) -> Result<Vec<(String, &'a Entry, Field)>> {
    let mut all: Vec<(String, &Entry, Field)> = Vec::new();
    for entry in entries {
        let mapping = match custom.is_empty() {
            true => profile.variables(entry).map_err(Failure::Usage)?,
            false => custom.to_vec(),
        };
        for (name, field) in mapping {
            if let Some((_, first, _)) = all.iter().find(|(n, ..)| *n == name) {
                return Err(Failure::Usage(format!(
                    "{} and {} would both set {name} (profile {profile}); run each with its \
                     own exec, or choose a profile that names them apart (json-fd)",
                    quoted(first.label()),
                    quoted(entry.label())
                )));
            }
            all.push((name, entry, field));
        }
    }
    Ok(all)
}

/// A pipe that already holds `document`, closed for writing, whose read end the child
/// inherits. Written before the child starts, so that a child that never reads cannot
/// block keycellar or end it with SIGPIPE; the pipe is made large enough to hold it.
fn credentials_pipe(document: &Secret) -> Result<OwnedFd> {
    use rustix::io::{FdFlags, fcntl_setfd};
    use rustix::pipe::{PipeFlags, fcntl_getpipe_size, fcntl_setpipe_size, pipe_with};
    let failed = |e: rustix::io::Errno| Error::io("cannot make a pipe".to_string(), e.into());
    let (read_end, write_end) = pipe_with(PipeFlags::CLOEXEC).map_err(failed)?;
    let bytes = document.expose().as_bytes();
    if fcntl_getpipe_size(&write_end).map_err(failed)? < bytes.len() {
        fcntl_setpipe_size(&write_end, bytes.len()).map_err(failed)?;
    }
    std::fs::File::from(write_end)
        .write_all(bytes)
        .map_err(|e| Error::io("cannot write the credentials pipe".to_string(), e))?;
    fcntl_setfd(&read_end, FdFlags::empty()).map_err(failed)?;
    Ok(read_end)
}

/// Copies the child's output as it comes, secrets masked, flushing after every read so
/// that no line waits (only a possible beginning of a secret is held back).
fn pump(
    mut from: impl Read + Send + 'static,
    mut to: impl Write + Send + 'static,
    secrets: &[&str],
) -> std::thread::JoinHandle<()> {
    let mut masker = Masker::new(secrets.iter().copied());
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        loop {
            let n = match from.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let shown = masker.push(&buffer[..n]);
            if to.write_all(&shown).and_then(|()| to.flush()).is_err() {
                // Our own output is gone; dropping the pipe tells the child so.
                return;
            }
        }
        let _ = to.write_all(&masker.finish());
        let _ = to.flush();
    })
}

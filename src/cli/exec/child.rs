//! The running side of `exec`: starts the child so that it cannot outlive keycellar
//! unnoticed (it gets SIGTERM when keycellar dies, and inherits the run locks, so a key's lock
//! is held for exactly as long as its bot lives), passes signals on, copies its output
//! masked, and waits for it.

use super::super::report::{Failure, Result};
use super::super::signals;
use keycellar::Error;
use keycellar::credential::exec::mask::Masker;
use keycellar::untrusted::quoted;
use keycellar::vault::run_lock::RunLock;
use std::io::{Read, Write};
use std::os::fd::{BorrowedFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use zeroize::Zeroizing;

/// Exit codes for a command that could not be run, as `env`, `sudo` and shells use them.
pub const NOT_EXECUTABLE: i32 = 126;
pub const NOT_FOUND: i32 = 127;

/// What the child is started with besides its command.
pub struct Run<'a> {
    pub program: &'a str,
    pub locks: Vec<RunLock>,
    /// The secrets to mask in its output, or `None` to pass the output straight through.
    pub masked: Option<Vec<Zeroizing<String>>>,
    /// The read end of the json-fd pipe: closed here once the child has its copy.
    pub document: Option<OwnedFd>,
}

/// Starts the command, records it in the run locks, passes signals on and (with secrets to
/// mask) copies its output masked, then waits; returns its exit code (128 + n when a
/// signal n ended it).
pub fn run(mut command: Command, mut run: Run) -> Result<i32> {
    if run.masked.is_some() {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let parent = rustix::process::getpid();
    let lock_fds: Vec<RawFd> = run.locks.iter().map(RunLock::raw_fd).collect();
    // SAFETY: the closure runs in the child between fork and exec and makes only
    // async-signal-safe system calls (prctl, getppid, fcntl); it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))?;
            // keycellar may have died before the line above: then no signal will come.
            if rustix::process::getppid() != Some(parent) {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            for fd in &lock_fds {
                let fd = BorrowedFd::borrow_raw(*fd);
                rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty())?;
            }
            Ok(())
        });
    }
    signals::child_starting();
    let spawned = command.spawn();
    drop(command);
    drop(run.document.take());
    let mut child = spawned.map_err(|e| {
        signals::child_ended();
        not_runnable(run.program, e)
    })?;
    signals::forward_to(child.id());
    for lock in run.locks.iter_mut() {
        // Only the message a second run gets depends on it.
        let _ = lock.record(child.id());
    }
    let secrets = run.masked.take().unwrap_or_default();
    let pumps = [
        (child.stdout.take()).map(|out| pump(out, std::io::stdout(), &secrets)),
        (child.stderr.take()).map(|err| pump(err, std::io::stderr(), &secrets)),
    ];
    drop(secrets);
    let status = child.wait();
    signals::child_ended();
    for handle in pumps.into_iter().flatten() {
        let _ = handle.join();
    }
    let status =
        status.map_err(|e| Error::io(format!("cannot wait for {}", quoted(run.program)), e))?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

/// The failure of a command that could not be started: 127 when it is not there, 126 when
/// it is there but cannot be run; any other failure (no memory for a process) is keycellar's.
fn not_runnable(program: &str, error: std::io::Error) -> Failure {
    let not_executable = [
        libc::EACCES,
        libc::EPERM,
        libc::ENOEXEC,
        libc::EISDIR,
        libc::ETXTBSY,
        libc::ELOOP,
        libc::ENOTDIR,
        libc::ENAMETOOLONG,
    ];
    let code = match error.raw_os_error() {
        Some(libc::ENOENT) => NOT_FOUND,
        Some(errno) if not_executable.contains(&errno) => NOT_EXECUTABLE,
        _ => return Error::io(format!("cannot run {}", quoted(program)), error).into(),
    };
    Failure::CommandNotRunnable {
        program: program.to_string(),
        code,
        source: error,
    }
}

/// Copies the child's output as it comes, secrets masked, flushing after every read so
/// that no line waits (only a possible beginning of a secret is held back). When keycellar's
/// own output is gone, the copying stops and the child's pipe is closed, so the child meets
/// the closed pipe as it would have without keycellar; keycellar goes on waiting for it.
fn pump(
    mut from: impl Read + Send + 'static,
    mut to: impl Write + Send + 'static,
    secrets: &[Zeroizing<String>],
) -> std::thread::JoinHandle<()> {
    let mut masker = Masker::new(secrets.iter().map(|s| s.as_str()));
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
                return;
            }
        }
        let _ = to.write_all(&masker.finish());
        let _ = to.flush();
    })
}

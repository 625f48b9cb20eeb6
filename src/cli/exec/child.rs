//! The running side of `exec`: starts the child so that it cannot outlive keycellar
//! unnoticed (it gets SIGTERM when keycellar dies, and a bot holding the secret inherits its
//! run locks, so a key's lock is held for exactly as long as its bot lives; a signing
//! service's lock stays in keycellar, where the service runs), passes signals on, copies
//! its output masked, and waits for it.

use super::super::report::{Failure, Result};
use super::super::signals;
use keycellar::Error;
use keycellar::credential::exec::mask::Masker;
use keycellar::credential::exec::profiles::CREDENTIALS_FD_VARIABLE;
use keycellar::secret::Secret;
use keycellar::sign::SignServer;
use keycellar::untrusted::quoted;
use keycellar::vault::run_lock::RunLock;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
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
    /// The json-fd document: each start gets it in a pipe of its own, whose read end is
    /// closed here once the child has its copy.
    pub document: Option<Secret>,
    /// With `--restart on-failure`: how many restarts at most (`None`: no limit).
    pub restarts: Option<Option<u32>>,
    /// The signing service, which serves only while the command runs.
    pub signing: Option<&'a SignServer>,
}

/// Starts the command, and with `restarts` starts it again each time it fails (after
/// [`keycellar::run::restart_delay`]) until it succeeds, a signal came, or the restarts run
/// out; the run locks are held throughout. Returns its last exit code (128 + n when a
/// signal n ended it).
pub fn run(mut command: Command, mut run: Run) -> Result<i32> {
    if run.masked.is_some() {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    // A signing service's bot inherits no lock: a flock belongs to the open file
    // description, so a bot holding its descriptor could let go of the lock for keycellar
    // too, and the service it guards lives in keycellar, not in the bot.
    let inherited = match run.signing {
        Some(_) => &[][..],
        None => &run.locks[..],
    };
    set_up_child(&mut command, inherited);
    let mut restarted = 0;
    loop {
        let code = run_once(&mut command, &mut run)?;
        let again = match run.restarts {
            Some(limit) => {
                code != 0 && !signals::signalled() && limit.is_none_or(|n| restarted < n)
            }
            None => false,
        };
        if !again {
            return Ok(code);
        }
        restarted += 1;
        if super::super::ui::is_verbose() {
            super::super::ui::info(&format!(
                "{} exited with {code}; starting it again (restart {restarted})",
                quoted(run.program)
            ));
        }
        std::thread::sleep(keycellar::run::restart_delay(restarted));
    }
}

/// What the child does between fork and exec: asks for SIGTERM when keycellar dies, and
/// keeps the descriptors of the run locks, so that a key stays locked while its bot lives.
fn set_up_child(command: &mut Command, locks: &[RunLock]) {
    let parent = rustix::process::getpid();
    let lock_fds: Vec<RawFd> = locks.iter().map(RunLock::raw_fd).collect();
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
}

/// One start of the command: records it in the run locks, passes signals on, copies its
/// output masked, and waits for it.
fn run_once(command: &mut Command, run: &mut Run) -> Result<i32> {
    let document = match &run.document {
        Some(document) => {
            let read_end = credentials_pipe(document)?;
            command.env(CREDENTIALS_FD_VARIABLE, read_end.as_raw_fd().to_string());
            Some(read_end)
        }
        None => None,
    };
    signals::child_starting();
    if let Some(server) = run.signing {
        server.resume();
    }
    let spawned = command.spawn();
    drop(document);
    if run.restarts.is_none() {
        // Never started again: the copies of the keys in its environment can go.
        command.env_clear();
    }
    let mut child = spawned.map_err(|e| {
        signals::child_ended();
        not_runnable(run.program, e)
    })?;
    signals::forward_to(child.id());
    for lock in run.locks.iter_mut() {
        // Only the message a second run gets depends on it.
        let _ = lock.record(child.id());
    }
    let secrets = run.masked.as_deref().unwrap_or_default();
    let pumps = [
        (child.stdout.take()).map(|out| pump(out, std::io::stdout(), secrets)),
        (child.stderr.take()).map(|err| pump(err, std::io::stderr(), secrets)),
    ];
    let status = child.wait();
    signals::child_ended();
    // Before the output is drained: a process the command left behind may hold its output
    // open for as long as it likes, and must not sign meanwhile.
    if let Some(server) = run.signing {
        server.pause();
    }
    for handle in pumps.into_iter().flatten() {
        let _ = handle.join();
    }
    let status =
        status.map_err(|e| Error::io(format!("cannot wait for {}", quoted(run.program)), e))?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
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

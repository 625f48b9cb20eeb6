//! Starting the agent process: a fresh image of this binary (`/proc/self/exe agent serve`,
//! not a fork of a process that ran Argon2's threads) in a new session, with standard output
//! and error on /dev/null. It is started before the passphrase is asked and waits for the
//! handover on its standard input: one JSON line (the vault, its id, the keyslot, the
//! socket, the timers), then the 32 key bytes. Descriptor 3 carries its readiness back;
//! descriptor 4 is the watch pipe, whose only writer is this process: end of file makes the
//! agent stop, so a killed `agent start` leaves no agent behind.

use super::super::context::Context;
use super::super::report::{Failure, Result};
use keycellar::Error;
use keycellar::agent::{self, AgentError, DETACH, Limit, Limits, VaultIdentity};
use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The descriptors the agent process finds its pipes on.
pub const READY_FD: i32 = 3;
pub const WATCH_FD: i32 = 4;

/// A started agent process and the write end of its watch pipe.
pub struct Started {
    child: Child,
    watch: Option<File>,
    status: Value,
}

impl Started {
    /// Hands the agent over for good (no COMMAND): it stops watching this process. Returns
    /// its status as it started.
    pub fn detach(mut self) -> Result<Value> {
        if let Some(mut watch) = self.watch.take() {
            watch
                .write_all(&[DETACH])
                .map_err(|e| AgentError::io("cannot hand the agent over", e))?;
        }
        Ok(std::mem::take(&mut self.status))
    }

    /// Stops the agent (end of file on its watch pipe) and waits until it has ended.
    pub fn stop_and_wait(mut self) {
        drop(self.watch.take());
        let _ = self.child.wait();
    }
}

/// Starts the agent process, unlocks the vault (asking the passphrase as any command does),
/// hands the key over and waits until the agent listens.
pub fn start_serving(
    ctx: &Context,
    identity: &VaultIdentity,
    socket: &Path,
    limits: Limits,
) -> Result<Started> {
    let text = |path: &Path| {
        path.to_str().map(str::to_string).ok_or_else(|| {
            Failure::Usage(format!(
                "the agent needs a path that is UTF-8 text, not {}",
                path.display()
            ))
        })
    };
    let (vault, file, socket_text) = (text(&ctx.vault)?, text(&identity.file)?, text(socket)?);
    agent::ensure_socket_dir(socket.parent().unwrap_or(Path::new("/")))?;
    let (mut child, ready, watch) = spawn()?;
    let mut ready = BufReader::new(ready);
    let handed = ctx.unlock_for_agent().and_then(|(key, keyslot)| {
        // Nothing is written before the agent says it is non-dumpable (serve.rs).
        let mut hardened = [0u8; 1];
        match ready.read_exact(&mut hardened) {
            Ok(()) if hardened == *b"H" && untouched(child.id()) => {}
            _ => return Err(not_started("its process did not become non-dumpable")),
        }
        let handover = json!({
            "vault": vault,
            "file": file,
            "vault_id": identity.vault_id,
            "keyslot": hex(&keyslot),
            "socket": socket_text,
            "idle_ms": millis(limits.idle),
            "max_ms": millis(limits.max),
        });
        let mut stdin = child.stdin.take().ok_or_else(|| not_started("no pipe"))?;
        let mut line = serde_json::to_vec(&handover).unwrap_or_default();
        line.push(b'\n');
        stdin
            .write_all(&line)
            .and_then(|()| stdin.write_all(&key[..]))
            .map_err(|e| not_started(&format!("the handover failed: {e}")))?;
        Ok(())
    });
    // The key is wiped (its holder dropped) and the pipe closed, whatever happened.
    drop(child.stdin.take());
    if let Err(failure) = handed {
        drop(watch);
        let _ = child.wait();
        return Err(failure);
    }
    let mut answer = String::new();
    let _ = ready.read_line(&mut answer);
    let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
    if answer["ok"] != true {
        drop(watch);
        let _ = child.wait();
        let why = answer["message"]
            .as_str()
            .unwrap_or("it ended before it listened");
        return Err(not_started(why));
    }
    Ok(Started {
        child,
        watch: Some(watch),
        status: answer["status"].clone(),
    })
}

/// Checked from outside, since a tracer could make the agent's own check lie: no process
/// traces it (`TracerPid: 0`), and its memory cannot be opened by this user (unless this
/// is root, who may open any).
fn untouched(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let traced = !status
        .lines()
        .any(|line| line.split_whitespace().eq(["TracerPid:", "0"]));
    let root = rustix::process::geteuid().is_root();
    let readable = File::open(format!("/proc/{pid}/mem")).is_ok();
    !traced && (root || !readable)
}

/// The agent process, waiting for its handover; the read end of its readiness pipe and
/// the write end of its watch pipe.
fn spawn() -> Result<(Child, File, File)> {
    use rustix::io::fcntl_dupfd_cloexec;
    use rustix::pipe::{PipeFlags, pipe_with};
    let failed = |e: rustix::io::Errno| Error::io("cannot make a pipe for the agent", e.into());
    let (ready_read, ready_write) = pipe_with(PipeFlags::CLOEXEC).map_err(failed)?;
    let (watch_read, watch_write) = pipe_with(PipeFlags::CLOEXEC).map_err(failed)?;
    // Above the descriptors the child gets them on, so that the two dup2 cannot clash.
    let ready_write: OwnedFd = fcntl_dupfd_cloexec(&ready_write, 10).map_err(failed)?;
    let watch_read: OwnedFd = fcntl_dupfd_cloexec(&watch_read, 10).map_err(failed)?;
    let (ready_raw, watch_raw) = (ready_write.as_raw_fd(), watch_read.as_raw_fd());
    let mut command = Command::new("/proc/self/exe");
    command
        .args(["agent", "serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setsid() < 0
                || libc::dup2(ready_raw, READY_FD) < 0
                || libc::dup2(watch_raw, WATCH_FD) < 0
            {
                return Err(std::io::Error::last_os_error());
            }
            close_inherited_above(WATCH_FD);
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(|e| Error::io("cannot start the agent process", e))?;
    Ok((child, File::from(ready_read), File::from(watch_write)))
}

/// Closes every descriptor above `last` in the agent process before it starts: the agent
/// keeps none of what `agent start` had open (a `--passphrase-fd` descriptor, a pipe of the
/// caller's) for its whole life. Called between fork and exec: async-signal-safe only.
fn close_inherited_above(last: i32) {
    let first = libc::c_uint::try_from(last + 1).unwrap_or(libc::c_uint::MAX);
    // SAFETY: close_range takes plain integers and closes descriptors only.
    let closed = unsafe { libc::syscall(libc::SYS_close_range, first, libc::c_uint::MAX, 0) };
    if closed == 0 {
        return;
    }
    // Kernels before 5.9: each descriptor up to the limit in turn.
    // SAFETY: getrlimit fills the struct given; close takes an integer.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        let top = match libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) {
            0 => limit.rlim_cur.min(1 << 20) as i32,
            _ => 1024,
        };
        for fd in last + 1..top {
            libc::close(fd);
        }
    }
}

fn millis(limit: Limit) -> Option<u64> {
    match limit {
        Limit::After(d) => Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        Limit::Never => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn not_started(why: &str) -> Failure {
    AgentError::NotStarted(why.to_string()).into()
}

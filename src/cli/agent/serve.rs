//! `agent serve`, the agent process (started by `agent start`, never by hand): wipes freed
//! memory from the start, locks its memory against swap where the limit allows, reads the
//! handover from standard input (the key straight into a locked page), binds the socket,
//! says it is ready on descriptor 3 and serves until it is stopped, or the watch pipe on
//! descriptor 4 reaches end of file.

use super::super::agent_ops::AgentOperations;
use super::super::report::Result;
use super::super::zero_on_free;
use super::spawn::{READY_FD, WATCH_FD};
use keycellar::agent::{
    self, AgentError, AgentServer, AgentState, Limit, Limits, LockedKey, Served,
};
use keycellar::sign::SystemClock;
use serde_json::{Value, json};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Longest handover line: paths, the id, the keyslot and the timers.
const MAX_HANDOVER: usize = 64 * 1024;

/// Runs the agent; exit 0 after a clean stop, 1 when it could not start.
pub fn serve() -> Result<i32> {
    zero_on_free::enable();
    // A client that hangs up before its answer must cost the agent a failed write, not
    // its life (main restores SIGPIPE's default for the commands' own output).
    // SAFETY: SIG_IGN is a valid disposition; nothing here relies on SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let process_locked = lock_all_memory();
    let (Some(ready), Some(watch)) = (inherited(READY_FD), inherited(WATCH_FD)) else {
        return Err(
            AgentError::NotStarted("`agent serve` is started by `agent start`".into()).into(),
        );
    };
    let mut ready = File::from(ready);
    // `agent start` writes the key only after this byte: a process of the user that stopped
    // this one before main() made it non-dumpable could otherwise read the key from its
    // stdin through /proc. A process still dumpable says so and gets no key.
    let hardened: &[u8] = if keycellar::hygiene::is_dumpable() {
        b"D"
    } else {
        b"H"
    };
    if ready.write_all(hardened).is_err() || hardened != b"H" {
        return Err(AgentError::NotStarted("the agent's process stays dumpable".into()).into());
    }
    let started = receive().and_then(|(served, socket, limits, key)| {
        let server = AgentServer::bind(&socket, &served.vault)?;
        let clock = Arc::new(SystemClock);
        Ok((
            server,
            AgentState::unlocked(served, key, limits, clock, process_locked),
        ))
    });
    let (server, mut state) = match started {
        Ok(started) => started,
        Err(error) => {
            let answer = json!({"ok": false, "message": error.to_string()});
            let _ = writeln!(ready, "{answer}");
            return Ok(1);
        }
    };
    let _ = writeln!(ready, "{}", json!({"ok": true, "status": state.status()}));
    drop(ready);
    // Holds no directory busy (a mount the vault is on can still be unmounted).
    let _ = std::env::set_current_dir("/");
    server.serve(
        state,
        Some(watch),
        Box::new(AgentOperations),
        Box::new(agent::still_holds),
    )?;
    Ok(0)
}

/// `mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)` when the memory-lock limit leaves
/// room for the largest vault a request may decrypt (or there is no limit). Under a small
/// limit a locked process could not allocate at all, so it locks only the key's page
/// (docs/AGENT.md). `MCL_ONFAULT` locks each page as it is first touched, so address space
/// the allocator only reserves (a 1 GiB arena) is not made resident and pinned; kernels
/// before 4.4 refuse the flag and get the plain call.
fn lock_all_memory() -> bool {
    const ENOUGH: u64 = 1 << 30;
    let limit = rustix::process::getrlimit(rustix::process::Resource::Memlock).current;
    let room = limit.is_none_or(|l| l >= ENOUGH) || rustix::process::geteuid().is_root();
    let all = libc::MCL_CURRENT | libc::MCL_FUTURE;
    // SAFETY: mlockall takes flags only.
    room && unsafe { libc::mlockall(all | libc::MCL_ONFAULT) == 0 || libc::mlockall(all) == 0 }
}

/// The descriptor `fd` inherited from `agent start`, if it is open.
fn inherited(fd: i32) -> Option<OwnedFd> {
    // SAFETY: F_GETFD only asks whether `fd` is open; it is then owned here alone (no
    // other code of this process knows of it).
    unsafe {
        if libc::fcntl(fd, libc::F_GETFD) < 0 {
            return None;
        }
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        Some(OwnedFd::from_raw_fd(fd))
    }
}

/// Reads the handover from standard input, unbuffered: the line, then the key straight into
/// its locked page (a buffered reader would copy it elsewhere first).
fn receive() -> std::result::Result<(Served, PathBuf, Limits, LockedKey), AgentError> {
    let mut input = File::from(
        std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| AgentError::io("cannot read the handover", e))?,
    );
    let mut line = Vec::new();
    let mut byte = [0u8];
    while line.len() < MAX_HANDOVER {
        match input.read(&mut byte) {
            Ok(1) if byte[0] == b'\n' => break,
            Ok(1) => line.push(byte[0]),
            _ => {
                return Err(AgentError::NotStarted(
                    "no handover (the start was cancelled)".into(),
                ));
            }
        }
    }
    let handover: Value = serde_json::from_slice(&line)
        .map_err(|e| AgentError::NotStarted(format!("the handover is not understood: {e}")))?;
    let key = LockedKey::read_from(&mut input)
        .map_err(|e| AgentError::io("cannot read the key from the handover", e))?;
    let text = |field: &str| handover[field].as_str().unwrap_or_default().to_string();
    let limit = |field: &str| match handover[field].as_u64() {
        Some(ms) => Limit::After(Duration::from_millis(ms)),
        None => Limit::Never,
    };
    let served = Served {
        vault: text("vault").into(),
        file: text("file").into(),
        vault_id: text("vault_id"),
        keyslot: unhex(&text("keyslot")),
    };
    let limits = Limits {
        idle: limit("idle_ms"),
        max: limit("max_ms"),
    };
    Ok((served, text("socket").into(), limits, key))
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

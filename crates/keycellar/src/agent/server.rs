//! The agent's socket: bound in the checked directory under a lock held for the agent's life
//! (one agent per socket), one thread per client (at most [`MAX_CLIENTS`]; more wait in the
//! listener's queue until one ends; each with read and write timeouts, its stack wiped after
//! each request), the peer's uid checked on every connection, and a main loop that also
//! wakes when a timer must lock the agent (so the key is wiped on time even when no one
//! asks) and when the process that started it goes away (the watch pipe's end of file).
//! Out of descriptors, it waits before accepting again. No operation runs under the state's
//! mutex (state.rs, [`KeyLease`](super::state::KeyLease)): the main loop, `lock`, `stop` and
//! `status` never wait for a request in progress.

use super::error::AgentError;
use super::protocol::{self, Refusal, Request, kind};
use super::socket_dir::{self, TamperWatch};
use super::state::{self, AgentState, CachedKey, KeyslotCheck, LockReason};
use crate::ops::VaultRequest;
use serde_json::{Value, json};
use std::io::BufReader;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The byte `agent start` writes on the watch pipe when it hands the agent over for good
/// (no COMMAND): the agent stops watching. End of file without it means stop.
pub const DETACH: u8 = b'd';

/// The most clients served at once; more wait in the listener's queue, accepted in turn
/// as served ones end.
pub const MAX_CLIENTS: usize = 16;

/// How long a connection may stay silent before a request (its first, or its next) before it
/// is hung up on: short, so that idle connections cannot hold every place for long.
pub const SILENT_CLIENT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a client may keep the agent waiting for the rest of a request line it has
/// begun, or for reading an answer, before it is hung up on.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a wake-up byte asks of the main loop: stop, or accept again (a place freed).
const WAKE_STOP: u8 = b's';
const WAKE_FREED: u8 = b'f';

/// How long the agent waits before accepting again when it is out of descriptors.
const OUT_OF_FDS_PAUSE: Duration = Duration::from_millis(100);

/// How long a stopping agent waits for its clients: a change waiting for the vault's lock
/// gives up within one try (and is answered as not made), anything else ends in moments, a
/// client between requests goes within [`SILENT_CLIENT_TIMEOUT`]; one stuck longer is cut
/// off by the exit.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How much of a client thread's stack is wiped after each request: more than a request's
/// deepest calls use (the frames that held a copy of the key, or of a secret).
const STACK_WIPE: usize = 512 << 10;

/// A client thread's stack: the wipe and the deepest request fit with room to spare.
const CLIENT_STACK: usize = 2 << 20;

/// What answers `run`: the front end runs the request (`ops::execute` on the vault opened
/// with the key) and answers with its reply.
pub trait Operations: Send + Sync {
    fn run(&self, key: CachedKey<'_>, request: VaultRequest) -> Result<Value, Refusal>;
}

/// A bound agent socket, not yet serving.
pub struct AgentServer {
    listener: UnixListener,
    socket: PathBuf,
    /// Device and inode of the socket file bound, so that only this one is removed.
    bound: (u64, u64),
    /// The lock beside the socket, held until the socket is removed.
    lock: std::fs::File,
    /// Whether the socket or its directory was moved, linked or removed: the agent then
    /// stops.
    watch: Arc<TamperWatch>,
}

struct Shared {
    state: Mutex<AgentState>,
    /// The server's watch, looked at before any use of the key too.
    watch: Arc<TamperWatch>,
    operations: Box<dyn Operations>,
    still_there: Box<KeyslotCheck>,
    wake: OwnedFd,
    clients: AtomicUsize,
    /// The connection that asked `stop`, kept open until the agent has removed its socket
    /// and lock: its end of file tells the client the agent is gone, so an `agent start`
    /// right after never finds the old agent still holding the lock.
    stopped_by: Mutex<Option<UnixStream>>,
}

impl AgentServer {
    /// Binds `socket` after checking its directory and taking the lock beside it; a live
    /// agent on it is refused, a socket left by a killed one is replaced.
    pub fn bind(socket: &Path, vault: &Path) -> Result<AgentServer, AgentError> {
        let dir = socket.parent().unwrap_or(Path::new("/"));
        socket_dir::ensure(dir)?;
        let served = || AgentError::AlreadyServed {
            vault: vault.to_path_buf(),
            socket: socket.to_path_buf(),
        };
        let lock = socket_dir::lock_beside(socket)?.ok_or_else(served)?;
        if UnixStream::connect(socket).is_ok() {
            return Err(served());
        }
        match std::fs::remove_file(socket) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(AgentError::io(
                    format!("cannot replace {}", socket.display()),
                    e,
                ));
            }
            _ => {}
        }
        let failed = |e| AgentError::io(format!("cannot listen on {}", socket.display()), e);
        let listener = UnixListener::bind(socket).map_err(failed)?;
        listener.set_nonblocking(true).map_err(failed)?;
        let meta = std::fs::symlink_metadata(socket).map_err(failed)?;
        let bound = (meta.dev(), meta.ino());
        let watch = Arc::new(TamperWatch::new(socket, bound)?);
        Ok(AgentServer {
            listener,
            socket: socket.to_path_buf(),
            bound,
            lock,
            watch,
        })
    }

    /// Serves until `stop`, or until `watch` (when given) reaches end of file; then wipes
    /// the key and removes the socket (if it is still the one bound here).
    pub fn serve(
        self,
        state: AgentState,
        watch: Option<OwnedFd>,
        operations: Box<dyn Operations>,
        still_there: Box<KeyslotCheck>,
    ) -> Result<(), AgentError> {
        let (woken, wake) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
            .map_err(|e| AgentError::io("cannot make a wake-up pipe", e.into()))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            watch: self.watch.clone(),
            operations,
            still_there,
            wake,
            clients: AtomicUsize::new(0),
            stopped_by: Mutex::new(None),
        });
        self.main_loop(&shared, &woken, watch);
        self.finish(&shared);
        drop(self.lock);
        drop(
            shared
                .stopped_by
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        Ok(())
    }

    fn main_loop(&self, shared: &Arc<Shared>, woken: &OwnedFd, mut watch: Option<OwnedFd>) {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        loop {
            let wait = lock_state(shared).until_deadline().map(|ms| Timespec {
                tv_sec: i64::try_from(ms / 1000).unwrap_or(i64::MAX),
                tv_nsec: i64::try_from(ms % 1000).unwrap_or(0) * 1_000_000,
            });
            // At the cap the listener is left out: connections wait in its queue, and a
            // client thread that ends wakes the loop (WAKE_FREED).
            let room = shared.clients.load(Ordering::SeqCst) < MAX_CLIENTS;
            let listen = if room {
                PollFlags::IN
            } else {
                PollFlags::empty()
            };
            let mut fds = vec![
                PollFd::new(woken, PollFlags::IN),
                PollFd::new(&self.listener, listen),
                PollFd::new(self.watch.fd(), PollFlags::IN),
            ];
            if let Some(watch) = &watch {
                fds.push(PollFd::new(watch, PollFlags::IN));
            }
            let _ = poll(&mut fds, wait.as_ref());
            let ready: Vec<bool> = fds.iter().map(|f| !f.revents().is_empty()).collect();
            drop(fds);
            lock_state(shared).expire();
            if ready[2] && self.watch.tampered() {
                lock_state(shared).lock(LockReason::SocketMoved);
                return;
            }
            if ready[0] && read_wake(woken).contains(&WAKE_STOP) {
                return;
            }
            if ready.get(3) == Some(&true) {
                match read_watch(watch.as_ref()) {
                    Some(DETACH) => watch = None,
                    _ => return,
                }
            }
            if ready[1] && room {
                self.accept(shared);
            }
        }
    }

    /// Stops: locks for good (a change still waiting for the vault's lock stops waiting),
    /// takes the socket and its lock file away so that no new client finds this agent,
    /// answers every connection already queued as locked (its client falls back), and waits
    /// at most [`STOP_GRACE`] for its clients to be answered and gone.
    fn finish(&self, shared: &Shared) {
        lock_state(shared).stop();
        if std::fs::symlink_metadata(&self.socket).is_ok_and(|m| (m.dev(), m.ino()) == self.bound) {
            let _ = std::fs::remove_file(&self.socket);
        }
        // Removed while still held: the next agent locks a file of its own (lock_beside).
        let _ = std::fs::remove_file(socket_dir::lock_path(&self.socket));
        let locked = protocol::refusal_line(&lock_state(shared).locked_refusal());
        let _ = self.listener.set_nonblocking(true);
        while let Ok((queued, _)) = self.listener.accept() {
            let _ = queued.set_write_timeout(Some(SILENT_CLIENT_TIMEOUT));
            let _ = protocol::write_line(&mut &queued, &locked);
        }
        let until = std::time::Instant::now() + STOP_GRACE;
        while shared.clients.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn accept(&self, shared: &Arc<Shared>) {
        let stream = match self.listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors the connection stays queued and poll says so at once:
                // wait for clients to end instead of spinning.
                let out_of_fds =
                    [libc::EMFILE, libc::ENFILE].contains(&e.raw_os_error().unwrap_or(0));
                if out_of_fds {
                    std::thread::sleep(OUT_OF_FDS_PAUSE);
                }
                return;
            }
        };
        let timeouts = Some(CLIENT_TIMEOUT);
        let ready = stream.set_nonblocking(false).is_ok()
            && stream.set_read_timeout(timeouts).is_ok()
            && stream.set_write_timeout(timeouts).is_ok();
        if !ready {
            return;
        }
        if crate::peer::same_user(&stream).is_none() {
            let refusal = Refusal::agent(
                kind::PEER_REFUSED,
                "this agent serves only its own user",
                "Run keycellar as the user who started the agent.",
            );
            let _ = protocol::write_line(&mut &stream, &protocol::refusal_line(&refusal));
            return;
        }
        // Only this thread adds, and only below the cap (main_loop).
        shared.clients.fetch_add(1, Ordering::SeqCst);
        let serving = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("keycellar-agent-client".into())
            .stack_size(CLIENT_STACK)
            .spawn(move || {
                serve_client(&stream, &serving);
                client_ended(&serving);
            });
        if spawned.is_err() {
            client_ended(shared);
        }
    }
}

fn lock_state(shared: &Shared) -> MutexGuard<'_, AgentState> {
    state::held(&shared.state)
}

/// Frees a client's place; at the cap, the main loop (which stopped listening) is woken.
fn client_ended(shared: &Shared) {
    if shared.clients.fetch_sub(1, Ordering::SeqCst) == MAX_CLIENTS {
        let _ = rustix::io::write(&shared.wake, &[WAKE_FREED]);
    }
}

/// The wake-up bytes waiting (the pipe is readable when this is called).
fn read_wake(woken: &OwnedFd) -> Vec<u8> {
    let mut bytes = [0u8; 64];
    let read = rustix::io::read(woken, &mut bytes).unwrap_or(0);
    bytes[..read].to_vec()
}

/// One byte from the watch pipe; `None` at end of file or on an error.
fn read_watch(watch: Option<&OwnedFd>) -> Option<u8> {
    let mut byte = [0u8];
    match rustix::io::read(watch?, &mut byte) {
        Ok(1) => Some(byte[0]),
        _ => None,
    }
}

/// Answers one client's requests in turn until it hangs up, stays silent longer than
/// [`SILENT_CLIENT_TIMEOUT`] before a request, keeps it waiting longer than
/// [`CLIENT_TIMEOUT`] in one, or sends a line out of protocol.
fn serve_client(stream: &UnixStream, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    loop {
        if !request_begins(stream, &mut reader) {
            return;
        }
        let line = match protocol::read_line(&mut reader, protocol::MAX_REQUEST_LINE) {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(e) => {
                let refusal = Refusal::agent(kind::BAD_REQUEST, e.to_string(), "");
                let _ = protocol::write_line(&mut &*stream, &protocol::refusal_line(&refusal));
                return;
            }
        };
        let (answer, stop) = answer_line(shared, line);
        wipe_stack();
        let written = protocol::write_line(&mut &*stream, &answer);
        if stop {
            if let Ok(kept) = stream.try_clone() {
                *shared.stopped_by.lock().unwrap_or_else(|p| p.into_inner()) = Some(kept);
            }
            let _ = rustix::io::write(&shared.wake, &[WAKE_STOP]);
            return;
        }
        if written.is_err() {
            return;
        }
    }
}

/// Waits at most [`SILENT_CLIENT_TIMEOUT`] for the first byte of a request, then gives the
/// rest of it [`CLIENT_TIMEOUT`]. False at the end of the connection or when none came.
fn request_begins(stream: &UnixStream, reader: &mut BufReader<&UnixStream>) -> bool {
    use std::io::BufRead;
    let began = stream.set_read_timeout(Some(SILENT_CLIENT_TIMEOUT)).is_ok()
        && reader.fill_buf().is_ok_and(|bytes| !bytes.is_empty());
    began && stream.set_read_timeout(Some(CLIENT_TIMEOUT)).is_ok()
}

/// The answer to one request line (dropped here, its memory wiped as it is freed), and
/// whether the agent stops after sending it. Not inlined: its frames, and those of the
/// operation, are below the caller's when [`wipe_stack`] runs.
#[inline(never)]
fn answer_line(shared: &Shared, line: Vec<u8>) -> (Vec<u8>, bool) {
    match protocol::parse_request(&line) {
        Ok(request) => answer(shared, request),
        Err(why) => {
            let refusal = Refusal::agent(kind::BAD_REQUEST, why, "");
            (protocol::refusal_line(&refusal), false)
        }
    }
}

/// Overwrites [`STACK_WIPE`] bytes of this thread's stack below the caller's frame, where
/// the request that just returned left its locals: a copy of the vault key made while
/// opening the vault, pieces of the secrets an answer carried. A thread's stack outlives
/// the thread (the C library keeps it for the next one), so it is wiped while in use.
#[inline(never)]
fn wipe_stack() {
    use zeroize::Zeroize;
    let mut area = [0u8; STACK_WIPE];
    area.zeroize();
    std::hint::black_box(&area);
}

/// The answer line to `request`, and whether the agent stops after sending it. The state's
/// mutex is held only to read or change the state, never while an operation runs.
fn answer(shared: &Shared, request: Request) -> (Vec<u8>, bool) {
    let done = |fields| (protocol::ok_line(fields), false);
    match request {
        Request::Status {} => done(lock_state(shared).status()),
        Request::Lock {} => {
            lock_state(shared).lock(LockReason::Lock);
            done(json!({}))
        }
        Request::Stop {} => {
            lock_state(shared).lock(LockReason::Lock);
            (protocol::ok_line(json!({})), true)
        }
        #[cfg(feature = "internals")]
        Request::Advance { ms } => {
            let mut state = lock_state(shared);
            state.advance(ms);
            done(state.status())
        }
        Request::Run {
            vault,
            vault_id,
            operation,
        } => match run(shared, &vault, &vault_id, operation) {
            Ok(report) => done(json!({ "report": report })),
            Err(refusal) => (protocol::refusal_line(&refusal), false),
        },
    }
}

/// Runs `operation` on the vault served, with a lease on the key taken under the mutex and
/// used outside it.
fn run(shared: &Shared, vault: &Path, vault_id: &str, operation: Value) -> Result<Value, Refusal> {
    if !lock_state(shared).serves(vault, vault_id) {
        return Err(Refusal::agent(
            kind::WRONG_VAULT,
            "this agent serves another vault",
            "Start an agent for this vault with `keycellar agent start`.",
        ));
    }
    // Parsed before the key is used: a request that is not one moves no timer.
    let request = serde_json::from_value::<VaultRequest>(operation).map_err(|_| {
        Refusal::agent(
            kind::BAD_REQUEST,
            "this agent does not run that operation",
            "",
        )
    })?;
    // The main loop stops the agent when the socket is moved; a request that came in through
    // the moved socket before it woke gets no use of the key either.
    if shared.watch.tampered() {
        let mut state = lock_state(shared);
        state.lock(LockReason::SocketMoved);
        // This thread may have read the event the main loop waits for: it is told.
        let _ = rustix::io::write(&shared.wake, &[WAKE_STOP]);
        return Err(state.locked_refusal());
    }
    let lease = state::checked_lease(&shared.state, &*shared.still_there)?;
    shared.operations.run(lease.cached(), request)
}

//! The socket: `sign.sock` in a fresh 0700 directory of its own, connections accepted only
//! from this user (`SO_PEERCRED`), one thread per client (at most [`MAX_CLIENTS`], and a
//! per-process share of them), JSON lines each way, with idle and line timeouts. [`SignServer::stop`] (or dropping the handle) closes every connection,
//! joins every thread, drops the keys and removes the socket and its directory.
//!
//! `exec` starts it before spawning the bot (passing [`SignServer::socket_path`] as
//! `KEYCELLAR_SIGN_SOCK`) and stops it when the bot ends.

use super::keys::SigningKey;
use super::policy::Policy;
use super::protocol::{self, ErrorKind, Failure, MAX_LINE};
use super::service::Service;
use super::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::vault::run_lock::LockWitness;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most clients served at once; one more is answered `busy` and closed.
pub const MAX_CLIENTS: usize = 64;

/// The default of [`SignServerConfig::max_clients_per_process`]: one process cannot take
/// every slot.
pub const MAX_CLIENTS_PER_PROCESS: usize = 16;

/// The default of [`SignServerConfig::idle_timeout`].
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The default of [`SignServerConfig::line_timeout`].
pub const LINE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a signing service is started with.
pub struct SignServerConfig {
    /// The entries it may sign for.
    pub keys: Vec<SigningKey>,
    pub policy: Policy,
    /// The journal file (created 0600 if missing).
    pub journal: PathBuf,
    /// Where the nonce high-water marks live (created 0700 if missing); keep it across runs.
    pub nonce_dir: PathBuf,
    /// The directory in which the run's private socket directory is made
    /// (the user's runtime directory, `vault::runtime_dir`).
    pub runtime_dir: PathBuf,
    pub clock: Arc<dyn Clock>,
    /// How long a connection may wait between requests before it is closed.
    pub idle_timeout: Duration,
    /// How long a request line may take from its first byte to its newline.
    pub line_timeout: Duration,
    /// The most connections one client process (by `SO_PEERCRED` pid) may hold at once.
    pub max_clients_per_process: usize,
    /// The run locks the keys are held with: the service signs only while they all hold.
    pub locks: Vec<LockWitness>,
}

impl SignServerConfig {
    /// A configuration with the default deny policy and the system clock.
    pub fn new(
        keys: Vec<SigningKey>,
        journal: PathBuf,
        nonce_dir: PathBuf,
        runtime_dir: PathBuf,
    ) -> SignServerConfig {
        SignServerConfig {
            keys,
            policy: Policy::default_deny(),
            journal,
            nonce_dir,
            runtime_dir,
            clock: Arc::new(SystemClock),
            idle_timeout: IDLE_TIMEOUT,
            line_timeout: LINE_TIMEOUT,
            max_clients_per_process: MAX_CLIENTS_PER_PROCESS,
            locks: Vec::new(),
        }
    }
}

/// A running signing service; stop it with [`SignServer::stop`] or by dropping it.
pub struct SignServer {
    socket: PathBuf,
    dir: PathBuf,
    shared: Arc<Shared>,
    accepter: Option<JoinHandle<()>>,
    // Closing it wakes the accepting thread (its poll sees the pipe hang up).
    wake: Option<OwnedFd>,
}

struct Shared {
    service: Service,
    stopping: AtomicBool,
    /// Set while no bot runs (it ended, and may be started again): a process it left
    /// behind must not sign in its name.
    paused: AtomicBool,
    limits: Limits,
    next_client: AtomicU64,
    clients: Mutex<HashMap<u64, ClientSlot>>,
}

/// The connection limits of a service.
struct Limits {
    idle_timeout: Duration,
    line_timeout: Duration,
    per_process: usize,
}

/// One client being served: the accepting thread's copy of its stream (to shut it down on
/// stop), its thread, and its process id.
struct ClientSlot {
    stream: UnixStream,
    thread: JoinHandle<()>,
    pid: i32,
}

impl SignServer {
    /// Makes the process non-dumpable (refusing to serve if it stays dumpable), opens the
    /// journal and nonce stores, makes the private directory and the socket, and starts
    /// serving. Nothing is left behind when it fails.
    pub fn start(config: SignServerConfig) -> Result<SignServer> {
        harden()?;
        let service = Service::new(
            config.keys,
            config.policy,
            &config.journal,
            &config.nonce_dir,
            config.clock,
        )?
        .guarded_by(config.locks);
        let dir = private_dir(&config.runtime_dir)?;
        let socket = dir.join("sign.sock");
        let cleanup = |e: std::io::Error, what: &str| {
            let _ = std::fs::remove_file(&socket);
            let _ = std::fs::remove_dir(&dir);
            Error::io(format!("{what} {}", socket.display()), e)
        };
        let listener = UnixListener::bind(&socket)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| cleanup(e, "cannot listen on"))?;
        let (woken, wake) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
            .map_err(|e| cleanup(e.into(), "cannot make a wake-up pipe for"))?;
        let shared = Arc::new(Shared {
            service,
            stopping: AtomicBool::new(false),
            paused: AtomicBool::new(false),
            limits: Limits {
                idle_timeout: config.idle_timeout,
                line_timeout: config.line_timeout,
                per_process: config.max_clients_per_process,
            },
            next_client: AtomicU64::new(0),
            clients: Mutex::new(HashMap::new()),
        });
        let accepting = shared.clone();
        let accepter = std::thread::Builder::new()
            .name("keycellar-sign".into())
            .spawn(move || accept_loop(&listener, &woken, &accepting))
            .map_err(|e| cleanup(e, "cannot start the thread serving"))?;
        Ok(SignServer {
            socket,
            dir,
            shared,
            accepter: Some(accepter),
            wake: Some(wake),
        })
    }

    /// The socket's path, for `KEYCELLAR_SIGN_SOCK`.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// Refuses every request, and closes every connection, until [`SignServer::resume`]:
    /// called when the bot ends, so that a process it left behind (holding its output, say)
    /// gets no signature after it.
    pub fn pause(&self) {
        self.shared.paused.store(true, Ordering::SeqCst);
        let clients = self
            .shared
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for client in clients.values() {
            let _ = client.stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Serves again, when the bot is started again.
    pub fn resume(&self) {
        self.shared.paused.store(false, Ordering::SeqCst);
    }

    /// Stops serving: refuses new clients, closes every connection, waits for every thread,
    /// removes the socket and its directory, and drops (wipes) the keys.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let Some(accepter) = self.accepter.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        drop(self.wake.take());
        let _ = accepter.join();
        let clients: Vec<_> = {
            let mut clients = self
                .shared
                .clients
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            clients.drain().collect()
        };
        for (_, client) in clients {
            let _ = client.stream.shutdown(std::net::Shutdown::Both);
            let _ = client.thread.join();
        }
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

impl Drop for SignServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Makes the process non-dumpable (and disables core dumps), or refuses to serve: while it
/// is dumpable, any program of the same user can read the decoded keys through
/// `/proc/PID/mem` or ptrace, which is exactly what the bot must not be able to do.
fn harden() -> Result<()> {
    let failures = crate::hygiene::harden_process();
    #[cfg(target_os = "linux")]
    if crate::hygiene::is_dumpable() {
        return Err(Error::io(
            "cannot make the signing process non-dumpable, so other programs of this user \
             could read its keys; refusing to serve"
                .to_string(),
            std::io::Error::other(failures.join("; ")),
        ));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = failures;
    Ok(())
}

/// A new directory `keycellar-sign-RANDOM` in `parent`, 0700, made by this process (so no
/// one else can have put anything in it).
fn private_dir(parent: &Path) -> Result<PathBuf> {
    for _ in 0..8 {
        let random = crate::crypto::random_array::<8>()?;
        let dir = parent.join(format!("keycellar-sign-{}", super::hex(&random)));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Error::io(
                    format!("cannot create a directory in {}", parent.display()),
                    e,
                ));
            }
        }
    }
    Err(Error::Internal(
        "no fresh name for the socket directory".into(),
    ))
}

/// Accepts clients until the wake-up pipe closes.
fn accept_loop(listener: &UnixListener, woken: &OwnedFd, shared: &Arc<Shared>) {
    use rustix::event::{PollFd, PollFlags, poll};
    loop {
        let mut fds = [
            PollFd::new(listener, PollFlags::IN),
            PollFd::new(woken, PollFlags::IN),
        ];
        if poll(&mut fds, None).is_err() && !shared.stopping.load(Ordering::SeqCst) {
            continue;
        }
        if !fds[1].revents().is_empty() || shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match listener.accept() {
            Ok((stream, _)) => stream.set_nonblocking(false).map(|()| stream),
            Err(e) => Err(e),
        };
        let Ok(stream) = stream else { continue };
        let pid = match crate::peer::same_user(&stream) {
            Some(pid) => pid,
            None => {
                refuse(
                    &stream,
                    ErrorKind::Forbidden,
                    "this socket serves only its own user",
                );
                continue;
            }
        };
        let mut clients = shared.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.retain(|_, client| !client.thread.is_finished());
        if clients.len() >= MAX_CLIENTS {
            refuse(&stream, ErrorKind::Busy, "too many clients are connected");
            continue;
        }
        if clients.values().filter(|c| c.pid == pid).count() >= shared.limits.per_process {
            refuse(
                &stream,
                ErrorKind::Busy,
                "this process holds as many connections as one process may",
            );
            continue;
        }
        let Ok(registered) = stream.try_clone() else {
            continue;
        };
        let id = shared.next_client.fetch_add(1, Ordering::SeqCst);
        let serving = shared.clone();
        let handle = std::thread::Builder::new()
            .name("keycellar-sign-client".into())
            .spawn(move || serve(stream, &serving, pid));
        if let Ok(thread) = handle {
            let stream = registered;
            clients.insert(
                id,
                ClientSlot {
                    stream,
                    thread,
                    pid,
                },
            );
        }
    }
}

/// Reads one line (newline included) of at most [`MAX_LINE`] bytes into `line`: its first byte
/// within the idle timeout, the rest within the line timeout, so that neither a silent nor
/// a dribbling client holds its slot for ever. `Ok(0)` at the end of the stream.
fn read_line(
    reader: &mut BufReader<UnixStream>,
    line: &mut Vec<u8>,
    limits: &Limits,
) -> std::io::Result<usize> {
    let mut deadline = Instant::now() + limits.idle_timeout;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        reader.get_ref().set_read_timeout(Some(remaining))?;
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(line.len());
        }
        if line.is_empty() {
            deadline = Instant::now() + limits.line_timeout;
        }
        let room = &available[..available.len().min(MAX_LINE - line.len())];
        let (taken, done) = match room.iter().position(|&b| b == b'\n') {
            Some(end) => (end + 1, true),
            None => (room.len(), line.len() + room.len() >= MAX_LINE),
        };
        line.extend_from_slice(&room[..taken]);
        reader.consume(taken);
        if done {
            return Ok(line.len());
        }
    }
}

fn refuse(mut stream: &UnixStream, kind: ErrorKind, message: &str) {
    let _ = stream.write_all(&protocol::failure_line(None, &Failure::new(kind, message)));
}

/// Answers one client's lines until it hangs up, sends an over-long line, or the service
/// stops; then closes the connection (the accepting thread's copy of it included).
fn serve(stream: UnixStream, shared: &Shared, pid: i32) {
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    answer_lines(stream, &writer, shared, pid);
    let _ = writer.shutdown(std::net::Shutdown::Both);
}

fn answer_lines(stream: UnixStream, mut writer: &UnixStream, shared: &Shared, pid: i32) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match read_line(&mut reader, &mut line, &shared.limits) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if shared.stopping.load(Ordering::SeqCst) || shared.paused.load(Ordering::SeqCst) {
            let failure = Failure::new(
                ErrorKind::ShuttingDown,
                "the signing service is stopping: the bot it serves has ended",
            );
            let _ = writer.write_all(&shared.service.refuse(&failure, Some(pid)));
            return;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() >= MAX_LINE {
            let failure = Failure::bad(format!("a request line is at most {MAX_LINE} bytes"));
            let _ = writer.write_all(&shared.service.refuse(&failure, Some(pid)));
            return;
        }
        let answer = shared.service.answer(&line, Some(pid));
        if writer.write_all(&answer).is_err() {
            return;
        }
    }
}

//! The client side: find the agent serving a vault (from the vault's id, read from its
//! header without a key, or `KEYCELLAR_AGENT_SOCK`), check the socket's directory before
//! connecting, and ask. No agent, a locked one or another vault's: the caller falls back to
//! asking the passphrase itself.

use super::error::AgentError;
use super::header::{self, VaultIdentity};
use super::protocol::{self, Refusal, Request, kind};
use super::socket_dir;
use crate::credential::exec::profiles::Profile;
use crate::ops::{Reply, VaultReply, VaultRequest, wrong_reply};
use serde_json::Value;
use std::io::{BufReader, ErrorKind};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The variable naming an agent's socket explicitly (set by `agent start -- COMMAND`).
pub const SOCKET_VARIABLE: &str = "KEYCELLAR_AGENT_SOCK";

/// How long a client waits for an agent's answer, beyond what the request itself may wait
/// (a change, up to its lock timeout for the vault's lock): an agent that was stopped
/// (`SIGSTOP`) or is stuck costs a command this long, not forever.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// [`PATIENCE`], or with the `internals` feature and `KEYCELLAR_TEST_AGENT_PATIENCE_MS=N`,
/// N ms (a test hook, so that a test of a stopped agent does not wait a minute; never in a
/// release).
fn patience() -> Duration {
    #[cfg(feature = "internals")]
    if let Some(ms) = std::env::var("KEYCELLAR_TEST_AGENT_PATIENCE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    PATIENCE
}

/// A connection to an agent.
pub struct Client {
    stream: UnixStream,
    reader: BufReader<Deadline>,
    socket: PathBuf,
    /// How long an answer is waited for.
    patience: Duration,
}

/// Where the agent for `vault` listens: `explicit` when given, else the socket for its id in
/// the socket directory.
pub fn socket_for(
    vault: &VaultIdentity,
    runtime_dir: Option<&Path>,
    explicit: Option<&Path>,
) -> PathBuf {
    match explicit {
        Some(socket) => socket.to_path_buf(),
        None => socket_dir::socket_path(&socket_dir::socket_dir(runtime_dir), &vault.vault_id),
    }
}

impl Client {
    /// Connects to `socket` after checking its directory, then checks that the process
    /// listening runs as this user (`SO_PEERCRED`). `Ok(None)` when no agent listens there
    /// (no socket, or one a killed agent left).
    pub fn connect(socket: &Path) -> Result<Option<Client>, AgentError> {
        Client::connect_within(socket, patience())
    }

    /// [`Client::connect`], waiting at most `patience` for the agent to take the connection
    /// (and then for each answer).
    pub(crate) fn connect_within(
        socket: &Path,
        patience: Duration,
    ) -> Result<Option<Client>, AgentError> {
        if std::fs::symlink_metadata(socket).is_err() {
            return Ok(None);
        }
        socket_dir::check(socket.parent().unwrap_or(Path::new("/")))?;
        let stream = match connected(socket, patience) {
            Ok(Some(stream)) => stream,
            Ok(None) => return Ok(None),
            Err(e) => {
                return Err(AgentError::io(
                    format!("cannot connect to {}", socket.display()),
                    e,
                ));
            }
        };
        // The directory was checked by path; the listener itself is checked before a byte is
        // sent (a request may carry a secret: `add`'s).
        if crate::peer::same_user(&stream).is_none() {
            let uid = rustix::net::sockopt::socket_peercred(&stream).ok();
            return Err(AgentError::ForeignAgent {
                socket: socket.to_path_buf(),
                uid: uid.map(|cred| cred.uid.as_raw()),
            });
        }
        let reader = stream
            .try_clone()
            .map(|stream| {
                BufReader::new(Deadline {
                    stream,
                    until: None,
                })
            })
            .map_err(|e| AgentError::io("cannot read from the agent", e))?;
        Ok(Some(Client {
            stream,
            reader,
            socket: socket.to_path_buf(),
            patience,
        }))
    }

    /// Sends `request` and reads the answer: its fields, or the agent's refusal.
    pub fn ask(&mut self, request: &Request) -> Result<Result<Value, Refusal>, AgentError> {
        self.send(request)?;
        self.answer()
    }

    fn send(&mut self, request: &Request) -> Result<(), AgentError> {
        let line = protocol::request_line(request);
        protocol::write_line(&mut self.stream, &line).map_err(|e| self.io(e))
    }

    /// The answer to the request sent: its fields, or the agent's refusal, within the
    /// client's patience however the agent trickles it.
    fn answer(&mut self) -> Result<Result<Value, Refusal>, AgentError> {
        self.reader.get_mut().until = Some(Instant::now() + self.patience);
        let line = match protocol::read_line(&mut self.reader, protocol::MAX_LINE) {
            Ok(line) => line.ok_or_else(|| self.protocol("it closed the connection"))?,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let waited = self.patience.as_secs_f64();
                return Err(self.protocol(&format!("it did not answer within {waited} s")));
            }
            Err(e) => return Err(self.io(e)),
        };
        protocol::parse_answer(&line).map_err(|what| self.protocol(&what))
    }

    fn io(&self, e: std::io::Error) -> AgentError {
        let context = format!("cannot talk to the agent at {}", self.socket.display());
        AgentError::io(context, e)
    }

    /// Waits until the agent closes the connection: after `stop`, that is once it has
    /// removed its socket and lock (or ended).
    pub fn wait_closed(mut self) {
        self.reader.get_mut().until = Some(Instant::now() + self.patience);
        let _ = std::io::copy(&mut self.reader, &mut std::io::sink());
    }

    fn protocol(&self, what: &str) -> AgentError {
        AgentError::Protocol {
            socket: self.socket.clone(),
            what: what.into(),
        }
    }
}

/// A stream connected to `socket`, or `None` when nothing listens there. The connection is
/// made without blocking and tried again until `patience` runs out: an agent that was
/// stopped (`SIGSTOP`) long enough for its queue of connections to fill would keep a
/// blocking connect waiting for ever.
fn connected(socket: &Path, patience: Duration) -> std::io::Result<Option<UnixStream>> {
    use rustix::io::Errno;
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let fd = rustix::net::socket_with(AddressFamily::UNIX, SocketType::STREAM, flags, None)?;
    let address = SocketAddrUnix::new(socket)?;
    let until = Instant::now() + patience;
    loop {
        match rustix::net::connect(&fd, &address) {
            Ok(()) => break,
            Err(Errno::CONNREFUSED) => return Ok(None),
            // A full queue: the connection is neither made nor refused (Linux's AF_UNIX).
            Err(Errno::AGAIN) if Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(Errno::AGAIN) => {
                return Err(std::io::Error::new(
                    ErrorKind::TimedOut,
                    "the agent takes no connection (is it stopped?)",
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let stream = UnixStream::from(fd);
    stream.set_nonblocking(false)?;
    Ok(Some(stream))
}

/// The agent's side of a connection, read until a deadline: each read waits at most what
/// is left of it, so an agent that trickles a byte now and then cannot stretch one answer.
struct Deadline {
    stream: UnixStream,
    until: Option<Instant>,
}

impl std::io::Read for Deadline {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(until) = self.until {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left))?;
        }
        self.stream.read(buf)
    }
}

/// Why a command carries on without the agent.
#[derive(Debug)]
pub enum Fallback {
    /// No agent listens for this vault.
    NoAgent,
    /// The agent is locked, or serves another vault (its refusal says which).
    Declined(Refusal),
    /// The agent could not be reached safely or answered out of protocol.
    Unreachable(AgentError),
}

/// Runs `request` through the agent serving the vault at `vault`, if one is unlocked for
/// it. `Ok(Ok(reply))` when it answered with the kind of reply asked for; `Ok(Err(fallback))`
/// when the caller must open the vault itself; `Err` when the request failed in the agent
/// (the refusal carries the kind and exit code of that failure), the agent answered out of
/// protocol (a reply that does not parse, or one of another kind), or the vault's header
/// cannot be read.
pub fn run<R: Reply>(
    vault: &Path,
    runtime_dir: Option<&Path>,
    explicit: Option<&Path>,
    request: &VaultRequest,
) -> Result<Result<R, Fallback>, AgentError> {
    let patience = match request {
        VaultRequest::Change {
            lock_timeout_ms, ..
        } => patience() + Duration::from_millis(*lock_timeout_ms),
        _ => patience(),
    };
    run_within(vault, runtime_dir, explicit, request, patience)
}

/// [`run`], waiting at most `patience` for the agent's answer (an agent that gives none is
/// as one that closed the connection).
pub(crate) fn run_within<R: Reply>(
    vault: &Path,
    runtime_dir: Option<&Path>,
    explicit: Option<&Path>,
    request: &VaultRequest,
    patience: Duration,
) -> Result<Result<R, Fallback>, AgentError> {
    if explicit.is_none() && !any_socket(&socket_dir::socket_dir(runtime_dir)) {
        return Ok(Err(Fallback::NoAgent));
    }
    let identity = match header::identify(vault) {
        Ok(identity) => identity,
        // The command's own opening reports a missing or damaged vault as it always did.
        Err(_) => return Ok(Err(Fallback::NoAgent)),
    };
    let socket = socket_for(&identity, runtime_dir, explicit);
    let mut client = match Client::connect_within(&socket, patience) {
        Ok(Some(client)) => client,
        Ok(None) => return Ok(Err(Fallback::NoAgent)),
        Err(e) => return Ok(Err(Fallback::Unreachable(e))),
    };
    let operation = serde_json::to_value(request)
        .map_err(|e| client.protocol(&format!("the request did not serialise: {e}")))?;
    let request_line = Request::Run {
        vault: identity.file,
        vault_id: identity.vault_id,
        operation,
    };
    if let Err(e) = client.send(&request_line) {
        return Ok(Err(Fallback::Unreachable(e)));
    }
    let mut answer = match client.answer() {
        Ok(Ok(answer)) => answer,
        Ok(Err(refusal)) if is_fallback(&refusal) => return Ok(Err(Fallback::Declined(refusal))),
        Ok(Err(refusal)) => return Err(AgentError::Answered(refusal)),
        // The agent took the change and may have made it: running it here too could make
        // it twice.
        Err(e) if matches!(request, VaultRequest::Change { .. }) => {
            return Err(AgentError::ChangeUnanswered {
                socket,
                what: e.to_string(),
            });
        }
        Err(e) => return Ok(Err(Fallback::Unreachable(e))),
    };
    // The parser's words are left out: they quote the value they stumbled on, which in a
    // reply that carries secrets (show, exec, export, print) could be a piece of one.
    let report = answer["report"].take();
    let tag = crate::untrusted::quoted(report["reply"].as_str().unwrap_or(""));
    let reply: VaultReply = serde_json::from_value(report).map_err(|_| {
        let what = format!("its reply (tagged {tag}) is not understood by this keycellar");
        client.protocol(&what)
    })?;
    R::take(reply)
        .map(Ok)
        .map_err(|other| client.protocol(&wrong_reply(request.kind(), &other)))
}

/// A run that hands its bot no secret (the `sign` profile) starts only when no agent of
/// this user is unlocked, or when `beside_agent` says it may: an unlocked agent gives any
/// process of the user the vault's secrets (an attacker pass had the bot take them with
/// `keycellar show --reveal`). Every other run may start beside an agent.
pub fn refuse_sign_beside_agent(
    profile: Profile,
    beside_agent: bool,
    runtime_dir: Option<&Path>,
    explicit: Option<&Path>,
) -> Result<(), AgentError> {
    if profile != Profile::Sign || beside_agent {
        return Ok(());
    }
    match unlocked_agents(runtime_dir, explicit).into_iter().next() {
        Some(socket) => Err(AgentError::SignBesideAgent { socket }),
        None => Ok(()),
    }
}

/// The sockets of this user's agents that hold a vault key now (asked with `status`, which
/// moves no timer), whatever vault each serves, with `explicit` first when given: what a
/// bot of this user could ask for a vault's secrets. Every socket in the directory counts,
/// whatever its name; one that cannot be checked counts as unlocked.
pub fn unlocked_agents(runtime_dir: Option<&Path>, explicit: Option<&Path>) -> Vec<PathBuf> {
    let dir = socket_dir::socket_dir(runtime_dir);
    let mut sockets: Vec<PathBuf> = explicit.map(Path::to_path_buf).into_iter().collect();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut found: Vec<PathBuf> = entries
            .flatten()
            // Any socket, whatever its name: one renamed in place still answers.
            .filter(|e| {
                use std::os::unix::fs::FileTypeExt;
                e.file_type().is_ok_and(|t| t.is_socket())
            })
            .map(|e| e.path())
            .collect();
        found.sort();
        sockets.extend(found);
    }
    sockets.retain(|socket| is_unlocked(socket));
    sockets
}

/// Whether the agent at `socket` may hold a key: an agent that cannot be checked (an unsafe
/// directory, an answer out of protocol) counts as unlocked, so the check fails closed.
fn is_unlocked(socket: &Path) -> bool {
    let mut client = match Client::connect(socket) {
        Ok(Some(client)) => client,
        Ok(None) => return false,
        Err(_) => return true,
    };
    match client.ask(&Request::Status {}) {
        Ok(Ok(status)) => status["state"] != "locked",
        Ok(Err(_)) | Err(_) => true,
    }
}

/// Whether `dir` holds any agent's socket: when none does (most commands, most of the
/// time), the vault's header is not read a second time just to find no agent.
fn any_socket(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("agent-"))
    })
}

fn is_fallback(refusal: &Refusal) -> bool {
    [
        kind::LOCKED,
        kind::WRONG_VAULT,
        kind::PEER_REFUSED,
        kind::BAD_REQUEST,
    ]
    .contains(&refusal.kind.as_str())
}

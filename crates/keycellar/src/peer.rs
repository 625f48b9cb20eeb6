//! Who is at the other end of a Unix socket: the signing service and the agent serve only
//! their own user, checked with `SO_PEERCRED` on every connection (a socket file's mode is
//! not enough: a directory above it may be opened up, or the file passed on).

use std::os::unix::net::UnixStream;

/// The process id of the peer when it runs as this process's effective user; `None` for
/// any other user (root included) or when the kernel cannot say.
pub fn same_user(stream: &UnixStream) -> Option<i32> {
    let cred = rustix::net::sockopt::socket_peercred(stream).ok()?;
    let own = rustix::process::geteuid();
    (cred.uid == own).then(|| cred.pid.as_raw_nonzero().get())
}

//! What SIGINT, SIGTERM and SIGHUP do, from the first spinner or `exec` on (before that,
//! the defaults): one thread receives them.
//!
//! - While `exec`'s child runs, they are passed on to it, so that keycellar ends when and
//!   as its child does. A Ctrl-C or a hang-up from the terminal reached the child already
//!   (the terminal signals its whole process group), so only signals another process sent
//!   are passed on: the child never gets one twice.
//! - Otherwise keycellar ends as the signal would have ended it (exit 128 + the signal),
//!   first clearing a spinner's half-drawn line.

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// True while a spinner is drawn.
static SPINNING: AtomicBool = AtomicBool::new(false);
/// The process id of `exec`'s running child, or 0.
static CHILD: AtomicI32 = AtomicI32::new(0);

/// Starts the signal thread once. Failing to start leaves the defaults, which are only
/// less tidy (and, for `exec`, leave a signal sent to keycellar alone to end it).
fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let Ok(mut signals) = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            for origin in signals.forever() {
                let child = CHILD.load(Ordering::SeqCst);
                if child > 0 {
                    let from_terminal = matches!(origin.cause, Cause::Kernel)
                        && matches!(origin.signal, SIGINT | SIGHUP);
                    if !from_terminal {
                        pass_on(child, origin.signal);
                    }
                    continue;
                }
                if SPINNING.load(Ordering::SeqCst) {
                    let _ = write!(std::io::stderr(), "\r\x1b[2K");
                }
                std::process::exit(128 + origin.signal);
            }
        });
    });
}

fn pass_on(child: i32, signal: i32) {
    let (Some(pid), Ok(signal)) = (
        rustix::process::Pid::from_raw(child),
        rustix::process::Signal::from_named_raw(signal).ok_or(()),
    ) else {
        return;
    };
    // The child may have ended a moment ago; nothing is left to tell then.
    let _ = rustix::process::kill_process(pid, signal);
}

/// Marks a spinner as drawn (`true`) or cleared.
pub fn spinning(drawn: bool) {
    install();
    SPINNING.store(drawn, Ordering::SeqCst);
}

/// Passes signals on to `child` from now until [`child_ended`].
pub fn forward_to(child: u32) {
    install();
    CHILD.store(i32::try_from(child).unwrap_or(0), Ordering::SeqCst);
}

/// The child ended: signals act on keycellar again.
pub fn child_ended() {
    CHILD.store(0, Ordering::SeqCst);
}

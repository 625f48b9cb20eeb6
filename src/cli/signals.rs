//! What SIGINT, SIGTERM and SIGHUP do, from the first spinner or `exec` on (before that,
//! the defaults): one thread receives them.
//!
//! - While `exec`'s child runs, they are passed on to it, so that keycellar ends when and
//!   as its child does. A Ctrl-C or a hang-up from the terminal reached the child already
//!   (the terminal signals its whole process group), so only signals another process sent
//!   are passed on: the child never gets one twice.
//! - Otherwise keycellar ends as the signal would have ended it (exit 128 + the signal),
//!   first putting back the settings of a terminal a prompt is using (echo hidden for a
//!   passphrase) and ending its line, or clearing a spinner's half-drawn line.

use rustix::termios::{self, OptionalActions, Termios};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;
use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock};

/// True while a spinner is drawn.
static SPINNING: AtomicBool = AtomicBool::new(false);
/// The process id of `exec`'s running child, or 0.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// The terminal a prompt is reading from, with the settings to put back on a signal.
static TERMINAL: Mutex<Option<(File, Termios)>> = Mutex::new(None);

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
                // Held until the exit, so that a prompt cannot change the terminal again.
                let terminal = lock_terminal();
                if let Some((tty, settings)) = terminal.as_ref() {
                    let _ = termios::tcsetattr(tty, OptionalActions::Now, settings);
                    let _ = (&*tty).write_all(b"\n");
                } else if SPINNING.load(Ordering::SeqCst) {
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

fn lock_terminal() -> std::sync::MutexGuard<'static, Option<(File, Termios)>> {
    TERMINAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A prompt starts reading from `tty`, whose settings are `settings`: from now on a signal
/// puts them back before keycellar exits. `change` (which may hide the echo) runs under the
/// same lock, so a signal cannot slip between the change and its undoing.
pub fn terminal_in_use(
    tty: File,
    settings: Termios,
    change: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<()> {
    install();
    let mut terminal = lock_terminal();
    *terminal = Some((tty, settings));
    change()
}

/// The prompt ends: `restore` puts the terminal back, and signals no longer need to.
pub fn terminal_released(restore: impl FnOnce()) {
    let mut terminal = lock_terminal();
    restore();
    *terminal = None;
}

/// Marks a spinner as drawn (`true`) or cleared.
pub fn spinning(drawn: bool) {
    install();
    SPINNING.store(drawn, Ordering::SeqCst);
}

/// Passes signals on to `child` from now until [`child_ended`].
pub fn forward_to(child: u32) {
    // The child first: a signal caught the moment the handler is in place must find it.
    CHILD.store(i32::try_from(child).unwrap_or(0), Ordering::SeqCst);
    install();
}

/// The child ended: signals act on keycellar again.
pub fn child_ended() {
    CHILD.store(0, Ordering::SeqCst);
}

//! What the signals that would end keycellar do ([`HANDLED`]: every one a process can catch
//! whose default is to end it), from the first spinner or `exec` on (before that, the
//! defaults): one thread receives them.
//!
//! - From the moment `exec` starts its child until the child ended, they are passed on to
//!   it, so that keycellar ends when and as its child does, and the run lock it holds lasts
//!   exactly as long as the child. A Ctrl-C, Ctrl-\ or hang-up from the terminal reached the
//!   child already (the terminal signals its whole process group), so only signals another
//!   process sent are passed on: the child never gets one twice. A signal that comes while
//!   the child is being started is passed on once it runs. SIGPIPE is ignored meanwhile
//!   (keycellar's own output going away must not end it while the child runs: the masking
//!   pump stops copying, and the child meets the closed pipe as it would without keycellar).
//! - Otherwise keycellar ends as the signal would have ended it (exit 128 + the signal),
//!   first putting back the settings of a terminal a prompt is using (echo hidden for a
//!   passphrase) and ending its line, or clearing a spinner's half-drawn line.

use rustix::termios::{self, OptionalActions, Termios};
use signal_hook::consts::*;
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;
use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

/// True while a spinner is drawn.
static SPINNING: AtomicBool = AtomicBool::new(false);
/// `exec`'s child, while there is one.
static CHILD: Mutex<Child> = Mutex::new(Child::None);
/// Whether a signal came while the child was starting or running: a supervisor
/// (`exec --restart`) does not start it again then.
static SIGNALLED: AtomicBool = AtomicBool::new(false);
/// The terminal a prompt is reading from, with the settings to put back on a signal.
static TERMINAL: Mutex<Option<(File, Termios)>> = Mutex::new(None);

/// Every signal whose default action ends the process and that a process may catch, but
/// for SIGPIPE (see the module's documentation) and those that report a fault of keycellar
/// itself (SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGSYS, SIGTRAP: catching one would
/// hide the fault); the real-time signals are added by [`handled`].
const HANDLED: [i32; 14] = [
    SIGHUP,
    SIGINT,
    SIGQUIT,
    SIGTERM,
    SIGUSR1,
    SIGUSR2,
    SIGALRM,
    SIGVTALRM,
    SIGPROF,
    SIGIO,
    SIGXCPU,
    SIGXFSZ,
    libc::SIGPWR,
    libc::SIGSTKFLT,
];

/// Where `exec`'s child is.
enum Child {
    None,
    /// Being started: the signals that came meanwhile, to pass on once it runs.
    Starting(Vec<i32>),
    Running(rustix::process::Pid),
}

fn handled() -> Vec<i32> {
    let mut all = HANDLED.to_vec();
    all.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    all
}

/// Starts the signal thread once. Failing to start leaves the defaults, which are only
/// less tidy (and, for `exec`, leave a signal sent to keycellar alone to end it).
fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let Ok(mut signals) = SignalsInfo::<WithOrigin>::new(handled()) else {
            return;
        };
        std::thread::spawn(move || {
            for origin in signals.forever() {
                let from_terminal = matches!(origin.cause, Cause::Kernel)
                    && matches!(origin.signal, SIGINT | SIGQUIT | SIGHUP);
                let mut child = lock_child();
                if !matches!(*child, Child::None) {
                    SIGNALLED.store(true, Ordering::SeqCst);
                }
                match &mut *child {
                    Child::Running(pid) => {
                        if !from_terminal {
                            pass_on(*pid, origin.signal);
                        }
                        continue;
                    }
                    Child::Starting(pending) => {
                        if !from_terminal {
                            pending.push(origin.signal);
                        }
                        continue;
                    }
                    Child::None => {}
                }
                drop(child);
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

fn pass_on(pid: rustix::process::Pid, signal: i32) {
    // SAFETY: the number came from the kernel as a signal this process received.
    let signal = unsafe { rustix::process::Signal::from_raw_unchecked(signal) };
    // The child may have ended a moment ago; nothing is left to tell then.
    let _ = rustix::process::kill_process(pid, signal);
}

fn lock_child() -> std::sync::MutexGuard<'static, Child> {
    CHILD.lock().unwrap_or_else(|e| e.into_inner())
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

/// `exec` is about to start its child: from now on the signals are held for it (and
/// passed on by [`forward_to`]) instead of ending keycellar, and SIGPIPE is ignored for
/// the rest of the run.
pub fn child_starting() {
    install();
    // SAFETY: SIG_IGN is a valid action; sigaction is safe to call with threads running.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    SIGNALLED.store(false, Ordering::SeqCst);
    *lock_child() = Child::Starting(Vec::new());
}

/// Whether a signal came since the last [`child_starting`].
pub fn signalled() -> bool {
    SIGNALLED.load(Ordering::SeqCst)
}

/// The child runs as process `child`: the signals held since [`child_starting`], and
/// every one from now until [`child_ended`], are passed on to it.
pub fn forward_to(child: u32) {
    let Some(pid) = i32::try_from(child)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    let mut state = lock_child();
    if let Child::Starting(pending) = &*state {
        for signal in pending {
            pass_on(pid, *signal);
        }
    }
    *state = Child::Running(pid);
}

/// The child ended (or never started): signals act on keycellar again.
pub fn child_ended() {
    *lock_child() = Child::None;
}

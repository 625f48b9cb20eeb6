//! How the command line talks to a person: colour (only where the stream is a terminal,
//! honouring `--color` and `NO_COLOR`), a spinner on stderr during slow steps (only when
//! both stdout and stderr are terminals, never with `--quiet` or `--json`), notes that
//! `--quiet` silences, and warnings and errors that always show.

use super::args::{Cli, ColorWhen};
use anstyle::{AnsiColor, Style};
use indicatif::ProgressBar;
use std::io::{IsTerminal, Write};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Settings from the global options, fixed once at start.
#[derive(Clone, Copy, Debug, Default)]
struct Settings {
    quiet: bool,
    verbose: bool,
    spinner: bool,
    json: bool,
}

/// With `--json`, warnings are kept here and leave as part of a JSON document on stderr
/// (see [`take_warnings`]), so that a script never parses plain text.
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Applies the global options; call once, before anything is printed.
pub fn init(cli: &Cli) {
    let choice = match cli.color {
        // anstream's auto mode checks each stream for a terminal and honours NO_COLOR,
        // CLICOLOR and CLICOLOR_FORCE.
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let terminals = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    // Failing to set means init ran twice; the first settings stay, which is harmless.
    let _ = SETTINGS.set(Settings {
        quiet: cli.quiet,
        verbose: cli.verbose,
        spinner: terminals && !cli.quiet && !cli.json,
        json: cli.json,
    });
}

pub fn is_verbose() -> bool {
    settings().verbose
}

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const HINT: Style = AnsiColor::Cyan.on_default();
pub const GOOD: Style = AnsiColor::Green.on_default();
pub const BAD: Style = AnsiColor::Red.on_default();
pub const HEADING: Style = Style::new().bold();

/// `text` in `style`; the escape codes are removed again by anstream where colour is off.
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// Writes a line to stderr. A failure to write there has nowhere to be reported, so it is
/// dropped rather than turned into a panic.
pub fn to_stderr(line: &str) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{line}").and_then(|()| err.flush());
}

/// A warning on stderr; shown even with `--quiet`. With `--json` it is kept for the
/// document that ends the run.
pub fn warn(message: &str) {
    if settings().json {
        WARNINGS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message.to_string());
        return;
    }
    to_stderr(&format!("{}: {message}", paint(WARNING, "warning")));
}

/// The warnings kept under `--json`, emptied.
pub fn take_warnings() -> Vec<String> {
    std::mem::take(&mut *WARNINGS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Information about what is happening, on stderr; `--quiet` and `--json` silence it (a
/// script reads the document, and stderr then holds only JSON).
pub fn note(message: &str) {
    if !settings().quiet && !settings().json {
        to_stderr(message);
    }
}

/// What a command did, on stderr when stdout carries the document itself (`-o -`).
pub fn info(message: &str) {
    to_stderr(message);
}

/// Runs `step` with a spinner showing `message` on stderr, where spinners are allowed.
pub fn with_spinner<T>(message: &str, step: impl FnOnce() -> T) -> T {
    with_progress(message, |_| step())
}

/// [`with_spinner`] for a step that says how far it got: it calls the function it is given
/// with a new message.
pub fn with_progress<T>(message: &str, step: impl FnOnce(&dyn Fn(String)) -> T) -> T {
    if !settings().spinner {
        return step(&|_| {});
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message.to_string());
    spinner.enable_steady_tick(Duration::from_millis(100));
    super::signals::spinning(true);
    let result = step(&|update| spinner.set_message(update));
    spinner.finish_and_clear();
    super::signals::spinning(false);
    result
}

/// The library's use cases shown on the terminal: a spinner for each slow step, warnings
/// always, what parity and mending repaired only without `--json` (the document carries
/// it).
pub struct Terminal;

impl keycellar::ops::Ui for Terminal {
    fn working(&self, working: keycellar::ops::Working, step: keycellar::ops::Step) {
        with_progress(&working.to_string(), step)
    }

    fn tell(&self, note: &keycellar::backup::paper::notes::Note) {
        match note.is_warning() {
            true => warn(&note.to_string()),
            false if !settings().json => info(&note.to_string()),
            false => {}
        }
    }

    fn not_recorded(&self, written: &[std::path::PathBuf]) {
        let named: Vec<String> = (written.iter())
            .map(|path| match path.as_os_str() == "-" {
                true => "to standard output".to_string(),
                false => keycellar::untrusted::escaped(&path.display().to_string()).into(),
            })
            .collect();
        warn(&format!(
            "the backup was written ({}) and recording it in the vault failed (below): \
             unless `keycellar status` lists it, status, audit and rotate's backup check do \
             not count it; make it again once the vault can be changed",
            named.join(", ")
        ));
    }
}

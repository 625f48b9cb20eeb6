//! How the command line talks to a person: colour (only where the stream is a terminal,
//! honouring `--color` and `NO_COLOR`), a spinner on stderr during slow steps (only when
//! both stdout and stderr are terminals, never with `--quiet` or `--json`), notes that
//! `--quiet` silences, and warnings and errors that always show.

use super::args::{Cli, ColorWhen};
use anstyle::{AnsiColor, Style};
use indicatif::ProgressBar;
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

/// Settings from the global options, fixed once at start.
#[derive(Clone, Copy, Debug, Default)]
struct Settings {
    quiet: bool,
    verbose: bool,
    spinner: bool,
}

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

/// A warning on stderr; shown even with `--quiet`.
pub fn warn(message: &str) {
    anstream::eprintln!("{}: {message}", paint(WARNING, "warning"));
}

/// Information about what is happening, on stderr; `--quiet` silences it.
pub fn note(message: &str) {
    if !settings().quiet {
        anstream::eprintln!("{message}");
    }
}

/// Warns when a new passphrase (`kind` "vault" or "backup") is weak; it is still used, as
/// the person may know better (a diceware phrase in another language, say).
pub fn check_strength(passphrase: &keycellar::secret::Secret, kind: &str) {
    if let Some(weakness) = keycellar::passphrase::weakness(passphrase) {
        warn(&format!("{kind}: {weakness}"));
    }
}

/// Runs `step` with a spinner showing `message` on stderr, where spinners are allowed.
pub fn with_spinner<T>(message: &str, step: impl FnOnce() -> T) -> T {
    if !settings().spinner {
        return step();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message.to_string());
    spinner.enable_steady_tick(Duration::from_millis(100));
    let result = step();
    spinner.finish_and_clear();
    result
}

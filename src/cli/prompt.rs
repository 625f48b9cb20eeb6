//! Asking a person on the terminal: hidden prompts for secrets (rpassword), echoed prompts
//! for public values, and the answers age plugins and
//! encrypted SSH keys need ([`TerminalPrompts`]).

use super::report::{Failure, Result};
use keycellar::backup::agefile::Prompts;
use keycellar::secret::Secret;
use keycellar::source::InputSource;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};

/// A passphrase from a file, a descriptor or stdin, with a warning when its file can be read
/// by others (as ssh warns about keys).
pub fn passphrase_from(source: &InputSource, what: &'static str) -> Result<Secret> {
    if let Some(mode) = source.readable_by_others() {
        super::ui::warn(&format!(
            "the {what} file {source} can be read by other users (mode {mode:04o}); make it \
             private with chmod 600"
        ));
    }
    Ok(source.passphrase(what)?)
}

/// Asks for a secret on the terminal without echoing it.
pub fn hidden(prompt: &str, what: &'static str) -> Result<Secret> {
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(|_| Failure::NoTerminal { what })
}

/// Says something to the person answering a prompt, on the terminal itself: a retry's
/// reason must reach them even when stderr is a file or `--json` keeps warnings for a
/// document. Without a terminal it becomes a warning.
pub fn tell(message: &str) {
    let shown = OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .and_then(|mut tty| writeln!(tty, "{message}"));
    if shown.is_err() {
        super::ui::warn(message);
    }
}

/// Asks for a non-secret value on the terminal, echoed as typed.
pub fn visible(prompt: &str, what: &'static str) -> Result<String> {
    let no_terminal = |_| Failure::NoTerminal { what };
    let tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(no_terminal)?;
    let mut writer = &tty;
    writer
        .write_all(prompt.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(no_terminal)?;
    let mut line = String::new();
    BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(no_terminal)?;
    Ok(line.trim().to_string())
}

/// Answers age plugins and encrypted SSH keys on the terminal.
pub struct TerminalPrompts;

impl Prompts for TerminalPrompts {
    fn message(&self, text: &str) {
        super::ui::to_stderr(text);
    }

    fn confirm(&self, question: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        let choices = format!("{yes}/{}", no.unwrap_or("no"));
        let answer = visible(&format!("{question} [{choices}]: "), "a confirmation");
        answer.ok().map(|a| a.eq_ignore_ascii_case(yes))
    }

    fn public_value(&self, description: &str) -> Option<String> {
        visible(&format!("{description}: "), "a value").ok()
    }

    fn secret_value(&self, description: &str) -> Option<Secret> {
        hidden(&format!("{description}: "), "a key passphrase").ok()
    }
}

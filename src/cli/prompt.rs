//! Asking a person on the terminal: hidden prompts for secrets (a PEM key read whole),
//! echoed prompts for public values, and the answers age plugins and encrypted SSH keys need
//! ([`TerminalPrompts`]). Each failure to get an answer names what was asked for and the
//! flag that gives it without a terminal; `terminal` reads the lines and keeps the
//! terminal's settings safe.

mod terminal;

use super::report::{Failure, Result, Unanswered};
use keycellar::backup::agefile::Prompts;
use keycellar::secret::Secret;
use keycellar::source::InputSource;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use terminal::{NoLine, Prompt};
use zeroize::Zeroizing;

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

/// What a prompt asks for, as messages name it ("the API secret"), and the flag that gives
/// it without a terminal, where there is one.
#[derive(Clone, Copy, Debug)]
pub struct Asked {
    pub what: &'static str,
    pub flag: Option<&'static str>,
}

impl Asked {
    /// `what`, which `flag` gives instead.
    pub const fn by(what: &'static str, flag: &'static str) -> Asked {
        Asked {
            what,
            flag: Some(flag),
        }
    }

    /// `what`, which only a terminal can answer.
    pub const fn only(what: &'static str) -> Asked {
        Asked { what, flag: None }
    }

    /// What a prompt that got no line reports. The end of the input is remembered: nothing
    /// more is asked in this run (age asks an SSH key's passphrase once for every stanza of
    /// a header, and Ctrl-D must not bring the question back).
    fn failure(self, reason: NoLine) -> Failure {
        let Asked { what, flag } = self;
        Failure::Unanswered(match reason {
            NoLine::NoTerminal => Unanswered::NoTerminal { what, flag },
            NoLine::Ended => {
                let _ = ENDED.set(self);
                Unanswered::InputEnded { what, flag }
            }
            NoLine::Unreadable => Unanswered::Unreadable { what, flag },
        })
    }
}

/// What was asked when the person ended the input (Ctrl-D), if they did.
static ENDED: OnceLock<Asked> = OnceLock::new();

/// The first question age asked (through [`TerminalPrompts`]) that got no answer, and why.
static UNANSWERED_FOR_AGE: OnceLock<(Asked, NoLine)> = OnceLock::new();

/// Why the backup passphrase was not had (no terminal, an unreadable file), when it was not.
static BACKUP_PASSPHRASE_FAILURE: Mutex<Option<Failure>> = Mutex::new(None);

fn backup_passphrase_failure() -> std::sync::MutexGuard<'static, Option<Failure>> {
    // A panic while the lock was held cannot leave the value half-written: it is replaced whole.
    BACKUP_PASSPHRASE_FAILURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The failure to report instead of `failure`, the library's error for a step that asked
/// through [`TerminalPrompts`], when a question there got no answer: that is what went
/// wrong.
pub fn unless_unanswered(failure: Failure) -> Failure {
    match (ENDED.get(), UNANSWERED_FOR_AGE.get()) {
        (Some(asked), _) => asked.failure(NoLine::Ended),
        (None, Some((asked, reason))) => asked.failure(*reason),
        (None, None) => backup_passphrase_failure().take().unwrap_or(failure),
    }
}

/// Starts a prompt, unless the input already ended.
fn start(prompt: &str, hidden: bool, asked: Asked) -> Result<Prompt> {
    if ENDED.get().is_some() {
        return Err(asked.failure(NoLine::Ended));
    }
    Prompt::start(prompt, hidden).map_err(|reason| asked.failure(reason))
}

/// Asks for a secret on the terminal without echoing it.
pub fn hidden(prompt: &str, asked: Asked) -> Result<Secret> {
    let mut line = start(prompt, true, asked)?
        .line()
        .map_err(|reason| asked.failure(reason))?;
    Ok(Secret::new(std::mem::take(&mut *line)))
}

/// Asks for an API secret without echoing it: one line, or a whole PEM block when the first
/// line begins one (Coinbase and Binance keys are PEM), read to its END line, so that no
/// line of a pasted key is left for the shell to run once keycellar exits.
pub fn secret(prompt: &str, asked: Asked) -> Result<Secret> {
    let mut terminal = start(prompt, true, asked)?;
    let mut first = terminal.line().map_err(|reason| asked.failure(reason))?;
    if !first.trim_start().starts_with("-----BEGIN ") {
        return Ok(Secret::new(std::mem::take(&mut *first)));
    }
    let mut block = Zeroizing::new(String::with_capacity(terminal::MAX_ANSWER + 64));
    block.push_str(first.trim());
    loop {
        let line = match terminal.line() {
            Ok(line) => line,
            Err(NoLine::NoTerminal) => return Err(asked.failure(NoLine::NoTerminal)),
            Err(NoLine::Ended | NoLine::Unreadable) => return Err(Unanswered::PemUnfinished.into()),
        };
        block.push('\n');
        block.push_str(line.trim_end());
        if line.trim_start().starts_with("-----END ") {
            return Ok(Secret::new(std::mem::take(&mut *block)));
        }
    }
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
pub fn visible(prompt: &str, asked: Asked) -> Result<String> {
    let line = start(prompt, false, asked)?
        .line()
        .map_err(|reason| asked.failure(reason))?;
    Ok(line.trim().to_string())
}

/// Answers age plugins, encrypted SSH keys and passphrase-encrypted backups on the
/// terminal; the backup passphrase comes from `backup_passphrase_file` when one is given.
#[derive(Default)]
pub struct TerminalPrompts {
    pub backup_passphrase_file: Option<InputSource>,
}

impl Prompts for TerminalPrompts {
    fn message(&self, text: &str) {
        super::ui::to_stderr(text);
    }

    fn confirm(&self, question: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        let choices = format!("{yes}/{}", no.unwrap_or("no"));
        let prompt = format!("{question} [{choices}]: ");
        let answer = for_age(&prompt, false, Asked::only("a plugin's confirmation"))?;
        Some(answer.trim().eq_ignore_ascii_case(yes))
    }

    fn public_value(&self, description: &str) -> Option<String> {
        let answer = for_age(
            &format!("{description}: "),
            false,
            Asked::only("a plugin's value"),
        )?;
        Some(answer.trim().to_string())
    }

    fn secret_value(&self, description: &str) -> Option<Secret> {
        let mut answer = for_age(
            &format!("{description}: "),
            true,
            Asked::only("the passphrase of an identity (an SSH key or a plugin's PIN)"),
        )?;
        Some(Secret::new(std::mem::take(&mut *answer)))
    }

    fn backup_passphrase(&self, _backup: &str) -> Option<Secret> {
        let answer = match &self.backup_passphrase_file {
            Some(source) => passphrase_from(source, "backup passphrase"),
            None => hidden(
                "Backup passphrase: ",
                Asked::by("the backup passphrase", "--backup-passphrase-file"),
            ),
        };
        answer
            .map_err(|failure| {
                backup_passphrase_failure().get_or_insert(failure);
            })
            .ok()
    }
}

/// One line for age, or nothing; a question that got no answer is kept for
/// [`unless_unanswered`].
fn for_age(prompt: &str, hidden: bool, asked: Asked) -> Option<Zeroizing<String>> {
    let answer = match ENDED.get() {
        Some(_) => Err(NoLine::Ended),
        None => Prompt::start(prompt, hidden).and_then(|mut p| p.line()),
    };
    answer
        .map_err(|reason| {
            if matches!(reason, NoLine::Ended) {
                let _ = ENDED.set(asked);
            }
            let _ = UNANSWERED_FOR_AGE.set((asked, reason));
        })
        .ok()
}

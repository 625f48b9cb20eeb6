//! Reading answers from the terminal itself (`/dev/tty`, whatever standard input is), with
//! echo off for secrets. The terminal's settings are put back however a prompt ends: by an
//! answer, by Ctrl-D, by an error, or by a signal (Ctrl-C), which the signal thread handles
//! by restoring them before keycellar exits with 128 + the signal (see `signals`).
//!
//! Lines are read in the terminal's canonical mode, so the kernel does the line editing
//! (backspace, Ctrl-U, Ctrl-W) and a read never returns more than one line: whatever was
//! pasted after the answer stays queued for the next prompt, where [`Prompt::line`] can
//! take it (a PEM key spans lines), and nothing is read that was not asked for.

use crate::cli::signals;
use rustix::termios::{self, LocalModes, OptionalActions, Termios};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// Most bytes one answer may hold, its lines together: as much as a secret file may.
pub const MAX_ANSWER: usize = keycellar::source::MAX_SECRET_LEN as usize;

/// Why a prompt got no line.
#[derive(Clone, Copy, Debug)]
pub enum NoLine {
    /// There is no terminal to ask on (or it cannot be used).
    NoTerminal,
    /// The input ended (Ctrl-D at the start of a line) before a line was typed.
    Ended,
    /// The answer is not UTF-8 text, or longer than [`MAX_ANSWER`].
    Unreadable,
}

/// A prompt on the terminal, with echo off until it is dropped when it hides the answer.
pub struct Prompt {
    tty: File,
    /// The settings to put back, when the prompt changed them.
    saved: Option<Termios>,
    /// Bytes read so far over all lines, for the [`MAX_ANSWER`] bound.
    read: usize,
}

impl Prompt {
    /// Opens the terminal and writes `text`; with `hidden`, what is typed is not shown
    /// (only the line ends are, so that each answer ends its line on screen).
    pub fn start(text: &str, hidden: bool) -> Result<Prompt, NoLine> {
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(|_| NoLine::NoTerminal)?;
        let current = termios::tcgetattr(&tty).map_err(|_| NoLine::NoTerminal)?;
        let restore = tty.try_clone().map_err(|_| NoLine::NoTerminal)?;
        let mut prompt = Prompt {
            tty,
            saved: None,
            read: 0,
        };
        // Registered before anything changes, and changed under the same lock, so that a
        // signal from here on finds the settings to put back and a newline to end the line.
        signals::terminal_in_use(restore, current.clone(), || {
            if hidden {
                let mut quiet = current.clone();
                quiet.local_modes.remove(LocalModes::ECHO);
                quiet
                    .local_modes
                    .insert(LocalModes::ECHONL | LocalModes::ICANON | LocalModes::ISIG);
                termios::tcsetattr(&prompt.tty, OptionalActions::Now, &quiet)?;
                prompt.saved = Some(current.clone());
            }
            Ok(())
        })
        .map_err(|_| NoLine::NoTerminal)?;
        (&prompt.tty)
            .write_all(text.as_bytes())
            .and_then(|()| (&prompt.tty).flush())
            .map_err(|_| NoLine::NoTerminal)?;
        Ok(prompt)
    }

    /// The next line typed, without its line ending.
    pub fn line(&mut self) -> Result<Zeroizing<String>, NoLine> {
        let mut line = Zeroizing::new(Vec::with_capacity(4096));
        let mut chunk = Zeroizing::new([0u8; 4096]);
        loop {
            let count = (&self.tty)
                .read(&mut chunk[..])
                .map_err(|_| NoLine::NoTerminal)?;
            if count == 0 && line.is_empty() {
                return Err(NoLine::Ended);
            }
            self.read += count;
            if self.read > MAX_ANSWER {
                return Err(NoLine::Unreadable);
            }
            if line.len() + count > line.capacity() {
                // Grown by hand, so that no copy of the typed text is left unwiped.
                let mut bigger = Zeroizing::new(Vec::with_capacity(2 * (line.len() + count)));
                bigger.extend_from_slice(&line);
                line = bigger;
            }
            line.extend_from_slice(&chunk[..count]);
            // A read returns at most one line; Ctrl-D in mid-line returns it unfinished,
            // and a second Ctrl-D ends it.
            if count == 0 || line.ends_with(b"\n") {
                break;
            }
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        let text = std::str::from_utf8(&line).map_err(|_| NoLine::Unreadable)?;
        Ok(Zeroizing::new(text.to_string()))
    }
}

impl Drop for Prompt {
    fn drop(&mut self) {
        signals::terminal_released(|| {
            if let Some(saved) = &self.saved {
                // Nothing is left to do when the terminal went away meanwhile.
                let _ = termios::tcsetattr(&self.tty, OptionalActions::Now, saved);
            }
        });
    }
}

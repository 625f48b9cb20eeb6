//! Failures to get an answer from the person running keycellar: no terminal to ask on, the
//! input ended, an answer that cannot be used. Each names what was asked for and, where
//! there is one, the flag that gives it without a terminal, so that the hint names the one
//! flag that fixes it.

use super::exit;

/// Why a value that had to be asked for was not given.
#[derive(Debug, thiserror::Error)]
pub enum Unanswered {
    #[error("cannot ask for {what}: there is no terminal")]
    NoTerminal {
        what: &'static str,
        /// The flag that gives the value instead, where there is one.
        flag: Option<&'static str>,
    },

    #[error("cannot show a generated passphrase: there is no terminal")]
    GeneratedNeedsTerminal {
        /// The flag that gives a chosen passphrase instead.
        flag: &'static str,
    },

    #[error("the input ended (Ctrl-D) where keycellar asked for {what}")]
    InputEnded {
        what: &'static str,
        flag: Option<&'static str>,
    },

    #[error("what was typed for {what} is not UTF-8 text, or is too long")]
    Unreadable {
        what: &'static str,
        flag: Option<&'static str>,
    },

    #[error("the pasted key has no -----END line; nothing was stored")]
    PemUnfinished,
}

impl Unanswered {
    pub fn exit_code(&self) -> i32 {
        match self {
            Unanswered::NoTerminal { .. } | Unanswered::GeneratedNeedsTerminal { .. } => {
                exit::USAGE
            }
            Unanswered::InputEnded { .. }
            | Unanswered::Unreadable { .. }
            | Unanswered::PemUnfinished => exit::FAILURE,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Unanswered::NoTerminal { .. } | Unanswered::GeneratedNeedsTerminal { .. } => {
                "no_terminal"
            }
            Unanswered::InputEnded { .. } => "cancelled",
            Unanswered::Unreadable { .. } | Unanswered::PemUnfinished => "bad_input",
        }
    }

    pub fn hint(&self) -> String {
        match self {
            Unanswered::NoTerminal {
                what,
                flag: Some(flag),
            } => format!("Give {what} with {flag}, or run the command in a terminal."),
            Unanswered::NoTerminal { what, flag: None } => {
                format!("Run the command in a terminal: only there can {what} be given.")
            }
            Unanswered::GeneratedNeedsTerminal { flag } => format!(
                "Run the command in a terminal, or leave out --generate-passphrase and give a \
                 passphrase with {flag}."
            ),
            Unanswered::InputEnded { what, flag } | Unanswered::Unreadable { what, flag } => {
                let instead = flag.map(|f| format!(" (or give it with {f})"));
                format!(
                    "Run the command again and type {what}{}.",
                    instead.unwrap_or_default()
                )
            }
            Unanswered::PemUnfinished => "Paste the whole key, from its -----BEGIN line to its \
                                          -----END line, or give it in a file with --secret-file."
                .into(),
        }
    }
}

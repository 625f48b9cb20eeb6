//! The command line's failures and how each is reported: the library's errors plus the few
//! that only a command line has (usage, no terminal to ask on, a confirmation refused), each
//! with a stable `kind`, an exit code and a hint saying what to do next.
//!
//! The kinds and exit codes are a contract (README.md, docs/JSON.md, the vector manifests);
//! a new library variant maps onto an existing kind unless the docs change with it.

mod agent;
mod checks;
mod hints;
mod identity;
mod library;
mod paste;
mod unanswered;
pub use checks::{warn_all, warn_entries};

use super::ui;
pub use identity::IdentityFailure;
use keycellar::Error;
use keycellar::untrusted::quoted;
use serde_json::json;
use std::borrow::Cow;
pub use unanswered::Unanswered;

/// Process exit codes; part of the command-line contract (documented in README.md).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Any failure without a more specific code.
    pub const FAILURE: i32 = 1;
    /// Bad command-line usage.
    pub const USAGE: i32 = 2;
    /// Wrong passphrase, or no matching identity.
    pub const WRONG_PASSPHRASE: i32 = 3;
    /// A recomputed fingerprint or public key does not match.
    pub const MISMATCH: i32 = 4;
    /// Damaged, truncated or unsupported file.
    pub const DAMAGED: i32 = 5;
    /// Vault or entry not found.
    pub const NOT_FOUND: i32 = 6;
    /// Another keycellar process holds the vault lock.
    pub const BUSY: i32 = 7;
    /// `audit` found a high-severity problem.
    pub const AUDIT_HIGH: i32 = 8;
    /// The age plugin an identity or keyslot needs is not installed.
    pub const PLUGIN_NOT_INSTALLED: i32 = 9;
    /// An age plugin failed.
    pub const PLUGIN_FAILED: i32 = 10;
    /// An age plugin's question (a PIN, a touch) got no answer.
    pub const PLUGIN_CANCELLED: i32 = 11;
    /// Paper pages are missing that its parity pages cannot make up for.
    pub const PAPER_NEEDS_PAGES: i32 = 12;

    /// Whether `code` is a failure's code of this contract: an agent's answer (any process
    /// of the user could have given it) is believed only then.
    pub fn is_failure(code: i32) -> bool {
        (FAILURE..=PAPER_NEEDS_PAGES).contains(&code)
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Library(#[from] Error),

    #[error("{0}")]
    Usage(String),

    #[error(transparent)]
    Unanswered(#[from] Unanswered),

    #[error("the label was not typed as shown; nothing was removed")]
    NotConfirmed,

    #[error("the passphrase must not be empty")]
    EmptyNewPassphrase,

    #[error("the two passphrases differ; nothing was changed")]
    PassphrasesDiffer,

    #[error("audit found {} high-severity problem{}", .0, if *.0 == 1 { "" } else { "s" })]
    AuditHigh(usize),

    #[error(transparent)]
    Identity(#[from] IdentityFailure),

    #[error(transparent)]
    Agent(#[from] keycellar::agent::AgentError),
    /// `exec`'s command could not be started: exit 127 when it is not found, 126 when it
    /// cannot be run, as `env` and `sudo` exit.
    #[error("cannot run {}: {source}", quoted(program))]
    CommandNotRunnable {
        program: String,
        code: i32,
        source: std::io::Error,
    },
}

/// Result type of the command line.
pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    /// The exit code the binary uses for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Library(error) => library::exit_code(error),
            Failure::Unanswered(unanswered) => unanswered.exit_code(),
            Failure::Usage(_) => exit::USAGE,
            Failure::AuditHigh(_) => exit::AUDIT_HIGH,
            Failure::Identity(failure) => failure.exit_code(),
            Failure::Agent(error) => agent::exit_code(error),
            Failure::CommandNotRunnable { code, .. } => *code,
            Failure::NotConfirmed | Failure::EmptyNewPassphrase | Failure::PassphrasesDiffer => {
                exit::FAILURE
            }
        }
    }

    /// A stable name for the class of failure (snake_case), printed in `--json` errors so
    /// scripts and tests can tell classes apart that share an exit code.
    pub fn kind(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Failure::Agent(error) => return agent::kind(error),
            Failure::Library(error) => library::kind(error),
            Failure::Usage(_) => "usage",
            Failure::Unanswered(unanswered) => unanswered.kind(),
            Failure::AuditHigh(_) => "audit_high",
            Failure::Identity(failure) => failure.kind(),
            Failure::CommandNotRunnable { code: 127, .. } => "command_not_found",
            Failure::CommandNotRunnable { .. } => "command_not_executable",
            Failure::NotConfirmed | Failure::EmptyNewPassphrase | Failure::PassphrasesDiffer => {
                "bad_input"
            }
        })
    }

    /// One line telling the user what to do next.
    pub fn hint(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Failure::Library(error) => hints::hint(error),
            Failure::Usage(_) => "See `keycellar help` for how to call this command.",
            Failure::Unanswered(unanswered) => return unanswered.hint().into(),
            Failure::Identity(failure) => return failure.hint().into(),
            Failure::Agent(error) => return agent::hint(error),
            Failure::NotConfirmed => "Run the command again and type the label exactly.",
            Failure::EmptyNewPassphrase | Failure::PassphrasesDiffer => {
                "Run the command again and type the same passphrase twice."
            }
            Failure::AuditHigh(_) => "Deal with the HIGH findings listed above.",
            Failure::CommandNotRunnable { code: 127, .. } => {
                "Check the command's name, or give its full path."
            }
            Failure::CommandNotRunnable { .. } => {
                "Check that the command is a program you may run (chmod +x, its #! line)."
            }
        })
    }
}

/// With `--json`, the warnings of a run that succeeded, as one document on stderr.
pub fn warnings_document() {
    let warnings = ui::take_warnings();
    if !warnings.is_empty() {
        let doc = json!({ "schema": super::output::JSON_SCHEMA, "warnings": warnings });
        ui::to_stderr(&format!("{doc:#}"));
    }
}

/// The one place a failure is shown: two lines (what failed, what to do) on stderr, or with
/// `--json` a document on stderr whose `kind` names the class of failure.
pub fn report(failure: &Failure, as_json: bool) {
    if as_json {
        let mut doc = json!({
            "schema": super::output::JSON_SCHEMA,
            "error": {
                "kind": failure.kind(),
                "message": failure.to_string(),
                "hint": failure.hint(),
                "exit_code": failure.exit_code(),
            }
        });
        let warnings = ui::take_warnings();
        if !warnings.is_empty() {
            doc["warnings"] = json!(warnings);
        }
        ui::to_stderr(&format!("{doc:#}"));
    } else {
        ui::to_stderr(&format!("{}: {failure}", ui::paint(ui::ERROR, "error")));
        if ui::is_verbose() {
            let mut cause = std::error::Error::source(failure);
            while let Some(inner) = cause {
                ui::to_stderr(&format!("  caused by: {inner}"));
                cause = inner.source();
            }
            let (kind, code) = (failure.kind(), failure.exit_code());
            ui::to_stderr(&format!("  kind: {kind}, exit code {code}"));
        }
        ui::to_stderr(&format!(
            "{}: {}",
            ui::paint(ui::HINT, "hint"),
            failure.hint()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keycellar::error::VaultError;
    use std::path::PathBuf;

    #[test]
    fn damage_classes_share_exit_5_and_wrong_passphrase_is_3() {
        let path = PathBuf::from("v");
        let damaged = [
            Error::Vault(VaultError::DamagedHeader {
                path: path.clone(),
                what: "x".into(),
            }),
            Error::Vault(VaultError::DamagedPayload {
                path: path.clone(),
                what: "x".into(),
            }),
            Error::Vault(VaultError::Truncated {
                path: path.clone(),
                expected: 2,
                actual: 1,
            }),
            Error::Vault(VaultError::UnsupportedVersion {
                what: "the format of vault",
                path: path.clone(),
                found: 9,
                supported: 1,
            }),
        ];
        for e in damaged {
            assert_eq!(Failure::from(e).exit_code(), exit::DAMAGED);
        }
        let wrong = Failure::from(Error::Vault(VaultError::WrongPassphrase { path }));
        assert_eq!(wrong.exit_code(), exit::WRONG_PASSPHRASE);
    }
}

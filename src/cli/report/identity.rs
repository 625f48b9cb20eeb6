//! `keygen`'s failures around the identity file it writes: one already there (a re-run,
//! whose `> recipient.txt` the shell emptied first), and an identity written whose
//! recipient could not be printed. Both give the command that prints the recipient again.

use super::exit;
use std::path::{Path, PathBuf};

/// What went wrong around an identity file.
#[derive(Debug, thiserror::Error)]
pub enum IdentityFailure {
    #[error("{} already exists; keygen never overwrites an identity", quoted(.identity))]
    Exists { identity: PathBuf },

    #[error("wrote the identity to {}, but cannot print its recipient: {source}", quoted(.identity))]
    RecipientNotPrinted {
        identity: PathBuf,
        source: std::io::Error,
    },
}

fn quoted(path: &Path) -> String {
    keycellar::untrusted::quoted(&path.display().to_string())
}

impl IdentityFailure {
    pub fn exit_code(&self) -> i32 {
        exit::FAILURE
    }

    pub fn kind(&self) -> &'static str {
        match self {
            IdentityFailure::Exists { .. } => "bad_input",
            IdentityFailure::RecipientNotPrinted { .. } => "io",
        }
    }

    pub fn hint(&self) -> String {
        match self {
            IdentityFailure::Exists { identity } => format!(
                "`keycellar keygen -y {}` prints its recipient again (a redirection such as \
                 `> recipient.txt` empties that file before keycellar runs).",
                quoted(identity)
            ),
            IdentityFailure::RecipientNotPrinted { identity, .. } => format!(
                "Print it where there is room: `keycellar keygen -y {}`.",
                quoted(identity)
            ),
        }
    }
}

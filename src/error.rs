//! Typed errors of the library, each with a user-facing hint and a stable exit code.
//!
//! No variant carries secret material: messages name fields, lengths and paths, never values.

use std::path::PathBuf;

/// Process exit codes; part of the command-line contract (documented in README.md).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Any failure without a more specific code.
    pub const FAILURE: i32 = 1;
    /// Bad command-line usage.
    pub const USAGE: i32 = 2;
    /// Wrong passphrase (or, later, no matching identity).
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
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("wrong passphrase for vault {}", .path.display())]
    WrongPassphrase { path: PathBuf },

    #[error("{} is not a keycellar vault (its first bytes are not the vault magic)", .path.display())]
    NotAVault { path: PathBuf },

    #[error("vault {} is damaged: header {what}", .path.display())]
    DamagedHeader { path: PathBuf, what: String },

    #[error("vault {} is damaged: payload {what}", .path.display())]
    DamagedPayload { path: PathBuf, what: String },

    #[error("vault {} is truncated: it has {actual} bytes, the header says {expected}", .path.display())]
    Truncated {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },

    #[error("{what} {} is version {found}; this keycellar reads version {supported}", .path.display())]
    UnsupportedVersion {
        /// Which version: "the format of vault", "the payload schema of vault", ...
        what: &'static str,
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error("vault {} asks for KDF {param} = {value}, outside the allowed range {allowed}", .path.display())]
    KdfOutOfBounds {
        path: PathBuf,
        param: &'static str,
        value: u64,
        allowed: String,
    },

    #[error("no vault at {}", .path.display())]
    VaultNotFound { path: PathBuf },

    #[error("a file already exists at {}", .path.display())]
    VaultExists { path: PathBuf },

    #[error("vault {} is busy: another keycellar command holds its lock", .path.display())]
    Busy { path: PathBuf },

    #[error("no entry labelled {label:?}")]
    EntryNotFound { label: String },

    #[error("an entry labelled {label:?} already exists")]
    LabelExists { label: String },

    #[error("entry {label:?} was refused: {}", .problems.join("; "))]
    Invalid {
        label: String,
        problems: Vec<String>,
    },

    #[error("no identity given can open {name}")]
    NoMatchingIdentity { name: String },

    #[error("wrong passphrase for {name}")]
    WrongBackupPassphrase { name: String },

    #[error("backup {name} is damaged: it {what}")]
    DamagedBackup { name: String, what: String },

    #[error("import refused: {} already exist(s) with a different key", .labels.join(", "))]
    Conflict { labels: Vec<String> },

    #[error("{0}")]
    BadInput(String),

    #[error("{0}")]
    Usage(String),

    #[error("audit found {0} high-severity problem(s)")]
    AuditHigh(usize),

    #[error("verification failed: {0}")]
    Mismatch(String),

    #[error("cannot ask for {what}: there is no terminal")]
    NoTerminal { what: &'static str },

    #[error("invalid KDF setting: {0}")]
    KdfSetting(String),

    #[error("the key derivation needs {memory_mib} MiB of memory and could not get it")]
    KdfOutOfMemory { memory_mib: u32 },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The exit code the binary uses for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::WrongPassphrase { .. }
            | Error::NoMatchingIdentity { .. }
            | Error::WrongBackupPassphrase { .. } => exit::WRONG_PASSPHRASE,
            Error::Mismatch(_) => exit::MISMATCH,
            Error::NotAVault { .. }
            | Error::DamagedHeader { .. }
            | Error::DamagedPayload { .. }
            | Error::Truncated { .. }
            | Error::UnsupportedVersion { .. }
            | Error::KdfOutOfBounds { .. }
            | Error::DamagedBackup { .. } => exit::DAMAGED,
            Error::VaultNotFound { .. } | Error::EntryNotFound { .. } => exit::NOT_FOUND,
            Error::Busy { .. } => exit::BUSY,
            Error::NoTerminal { .. } | Error::KdfSetting(_) | Error::Usage(_) => exit::USAGE,
            Error::AuditHigh(_) => exit::AUDIT_HIGH,
            Error::VaultExists { .. }
            | Error::LabelExists { .. }
            | Error::Conflict { .. }
            | Error::Invalid { .. }
            | Error::BadInput(_)
            | Error::Io { .. }
            | Error::KdfOutOfMemory { .. }
            | Error::Internal(_) => exit::FAILURE,
        }
    }

    /// A stable name for the class of failure (snake_case), printed in `--json` errors so
    /// scripts and tests can tell classes apart that share an exit code.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::WrongPassphrase { .. } => "wrong_passphrase",
            Error::NotAVault { .. } => "not_a_vault",
            Error::DamagedHeader { .. } => "damaged_header",
            Error::DamagedPayload { .. } => "damaged_payload",
            Error::Truncated { .. } => "truncated",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::KdfOutOfBounds { .. } => "kdf_out_of_bounds",
            Error::VaultNotFound { .. } => "vault_not_found",
            Error::VaultExists { .. } => "vault_exists",
            Error::Busy { .. } => "busy",
            Error::EntryNotFound { .. } => "entry_not_found",
            Error::LabelExists { .. } => "label_exists",
            Error::Invalid { .. } => "invalid_entry",
            Error::NoMatchingIdentity { .. } => "no_matching_identity",
            Error::WrongBackupPassphrase { .. } => "wrong_backup_passphrase",
            Error::DamagedBackup { .. } => "damaged_backup",
            Error::Conflict { .. } => "conflict",
            Error::BadInput(_) => "bad_input",
            Error::Usage(_) => "usage",
            Error::AuditHigh(_) => "audit_high",
            Error::Mismatch(_) => "mismatch",
            Error::NoTerminal { .. } => "no_terminal",
            Error::KdfSetting(_) => "kdf_setting",
            Error::KdfOutOfMemory { .. } => "kdf_out_of_memory",
            Error::Io { .. } => "io",
            Error::Internal(_) => "internal",
        }
    }

    /// One line telling the user what to do next.
    pub fn hint(&self) -> &'static str {
        match self {
            Error::WrongPassphrase { .. } => {
                "The file itself is intact (its checksums match); try the passphrase again, \
                 minding keyboard layout and caps lock."
            }
            Error::NoMatchingIdentity { .. } => {
                "Give the age identity file or SSH private key the backup was made for (-i FILE); \
                 if you did, the backup's header is damaged (age cannot tell the two apart)."
            }
            Error::WrongBackupPassphrase { .. } => {
                "Try the backup passphrase again; it may differ from the vault passphrase."
            }
            Error::DamagedBackup { .. } => {
                "Use another copy of the backup; this one cannot be trusted."
            }
            Error::Conflict { .. } => {
                "Nothing was imported. Choose --on-conflict skip, replace or rename, or see \
                 what would change with --dry-run."
            }
            Error::NotAVault { .. } => {
                "Check the --vault path (or KEYCELLAR_VAULT); if it is the right file, restore \
                 it from a generation (.1, .2) or a backup."
            }
            Error::DamagedHeader { .. }
            | Error::DamagedPayload { .. }
            | Error::Truncated { .. } => {
                "Do not overwrite it. Restore from the previous generations next to the vault \
                 (VAULT.1, VAULT.2) or from a backup, and keep the damaged file for inspection."
            }
            Error::UnsupportedVersion { .. } => {
                "Open it with the newer keycellar that wrote it; this version will not guess."
            }
            Error::KdfOutOfBounds { .. } => {
                "The file asks for more work than keycellar allows; it is damaged or was not \
                 written by keycellar. Restore from a generation or a backup."
            }
            Error::VaultNotFound { .. } => {
                "Create one with `keycellar init`, or point --vault (or KEYCELLAR_VAULT) at it."
            }
            Error::VaultExists { .. } => {
                "keycellar never overwrites a file on init; choose another --vault path."
            }
            Error::Busy { .. } => {
                "Wait for the other keycellar command to finish, then run this one again."
            }
            Error::EntryNotFound { .. } => "Run `keycellar list` to see the labels.",
            Error::LabelExists { .. } => "Choose another label, or `keycellar edit` the entry.",
            Error::Invalid { .. } => {
                "Copy the values again from the exchange's API page; nothing was saved."
            }
            Error::BadInput(_) => "Check the input and run the command again.",
            Error::Usage(_) => "See `keycellar help` for how to call this command.",
            Error::AuditHigh(_) => "Deal with the HIGH findings listed above.",
            Error::Mismatch(_) => {
                "The value you compared against is not the one stored. Check for typos; if the \
                 stored entry is wrong, restore it from a backup."
            }
            Error::NoTerminal { .. } => {
                "Give the value in a file instead (--passphrase-file, --secret-file, ...), or \
                 run the command in a terminal."
            }
            Error::KdfSetting(_) => "See `keycellar init --help` for the allowed KDF settings.",
            Error::KdfOutOfMemory { .. } => {
                "Close other programs or use a machine with more free memory (the vault's \
                 memory cost was chosen at init; `keycellar status` shows it)."
            }
            Error::Io { .. } => "Check the path, its permissions and free disk space.",
            Error::Internal(_) => "This is a bug in keycellar; please report it (SECURITY.md).",
        }
    }

    /// Wraps an I/O error with what keycellar was doing at the time.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_classes_share_exit_5_and_wrong_passphrase_is_3() {
        let path = PathBuf::from("v");
        let damaged = [
            Error::DamagedHeader {
                path: path.clone(),
                what: "x".into(),
            },
            Error::DamagedPayload {
                path: path.clone(),
                what: "x".into(),
            },
            Error::Truncated {
                path: path.clone(),
                expected: 2,
                actual: 1,
            },
            Error::UnsupportedVersion {
                what: "the format of vault",
                path: path.clone(),
                found: 9,
                supported: 1,
            },
        ];
        for e in damaged {
            assert_eq!(e.exit_code(), exit::DAMAGED, "{e}");
        }
        assert_eq!(
            Error::WrongPassphrase { path }.exit_code(),
            exit::WRONG_PASSPHRASE
        );
    }
}

//! Typed errors of the library: one variant per failure a caller could act on.
//!
//! No variant carries secret material: messages name fields, lengths, labels and paths,
//! never values. Parsers report path-free problems ([`crate::vault::format::FormatError`],
//! [`JsonProblem`], [`NotExport`]), which the caller that knows the file
//! turns into an [`Error`] naming it. What a person should do next, and the process exit
//! code, are the command line's business (`src/cli/report.rs`), not the library's. The
//! errors of backups are in `backup`, what refuses an entry in `entry`, those of a
//! command's inputs in `input` (with `paste`: a value given as one part of a key that is
//! another thing), the parsers' problems in `problems`, what of a sheet did not come back
//! and why in `unread`, why a sheet could not be read at all in `unreadable`.

use crate::untrusted::quoted;
use std::path::PathBuf;

mod backup;
mod entry;
mod input;
pub mod paste;
mod problems;
mod unread;
mod unreadable;
pub use backup::{BackupError, NotRestored, PaperError};
pub use entry::{EntryProblem, Link};
pub use input::InputError;
pub use problems::{Altered, JsonProblem, NotAge, NotExport};
pub use unread::{ItemProblem, SetAside, TooMuch, Unread, not_mended};
pub use unreadable::{NoKey, NumberedShare, ShareProblem, ShareUnread, SplitOf, Unreadable};

/// Everything that can go wrong in the library: one enum per kind of operation, so that a
/// front end decides, for every variant, what it tells the user (see `src/cli/report.rs`).
///
/// `#[non_exhaustive]` (as every error enum of the library), so that a new variant is not
/// a breaking change for front ends that match with a `_` arm; a front end that decides for
/// every variant (the command line: `src/cli/report.rs`) turns on the `exhaustive` feature,
/// which leaves the attribute out, so that a new variant does not compile there until it is
/// decided.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Opening, unlocking, locking and saving a vault; key derivation.
    #[error(transparent)]
    Vault(#[from] VaultError),

    /// An operation on entries: finding, adding, changing, rotating, handing out a key.
    #[error(transparent)]
    Entry(#[from] EntryError),

    /// Reading and writing age backups (exports), and merging them into a vault.
    #[error(transparent)]
    Backup(#[from] BackupError),

    /// Printed sheets, scans and Kraken key QR codes.
    #[error(transparent)]
    Paper(#[from] PaperError),

    /// What a command is given: files, descriptors, standard input, new passphrases.
    #[error(transparent)]
    Input(#[from] InputError),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("internal error: {0}")]
    Internal(String),

    #[error("the system's random generator failed: {0}")]
    NoRandomness(String),
}

/// A vault file: opening, unlocking, its lock, saving it, deriving its key.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("wrong passphrase for vault {}", .path.display())]
    WrongPassphrase { path: PathBuf },

    #[error(
        "the key held for vault {} is not one of its keyslots' (its passphrase was changed \
         since the key was obtained)",
        .path.display()
    )]
    KeyNotInVault { path: PathBuf },

    /// An [`crate::vault::Unlock`] that had no key to give (nobody answered its question);
    /// the front end that asked knows why, and says so instead.
    #[error("vault {} was not unlocked: no key was given", .path.display())]
    NotUnlocked { path: PathBuf },

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

    /// The wait for the lock ended before it was taken (the agent that ran the change is
    /// stopping): nothing was changed.
    #[error(
        "the wait for the lock of vault {} ended before it was taken; nothing was changed",
        .path.display()
    )]
    WaitEnded { path: PathBuf },

    #[error("invalid KDF setting: {0}")]
    KdfSetting(String),

    #[error("the key derivation needs {memory_mib} MiB of memory and could not get it")]
    KdfOutOfMemory { memory_mib: u32 },

    #[error("no keyslot of vault {} opens with the identities given", .path.display())]
    NoSlotForIdentity { path: PathBuf },

    #[error("the age plugin {binary} is not installed (it was looked for on PATH)")]
    PluginNotInstalled { binary: String },

    #[error("the age plugin {binary} failed: {why}")]
    PluginFailed { binary: String, why: String },

    #[error("the age plugin {binary} was cancelled: a question it asked got no answer")]
    PluginCancelled { binary: String },

    #[error("the passphrase of the SSH key {name} was asked and not given")]
    SshPassphraseUnanswered { name: String },

    #[error("wrong passphrase for the SSH key {name}")]
    WrongSshPassphrase { name: String },

    #[error("the keyslot recipient {shown} is not usable: {why}")]
    BadSlotRecipient { shown: String, why: String },

    #[error("vault {} has no keyslot named {}", .path.display(), quoted(.name))]
    SlotNotFound { path: PathBuf, name: String },

    #[error("vault {} already has a keyslot named {}", .path.display(), quoted(.name))]
    SlotExists { path: PathBuf, name: String },

    #[error(
        "keyslot {} is the last one of vault {} that opens without hardware (a passphrase, \
         an age or an SSH key); it was not removed",
        quoted(.name), .path.display()
    )]
    LastSlotWithoutHardware { path: PathBuf, name: String },

    #[error("keyslot name {}: {why}", quoted(.name))]
    BadSlotName { name: String, why: &'static str },

    #[error("vault {} has no room for another keyslot: {why}", .path.display())]
    SlotsFull { path: PathBuf, why: String },
}

/// An operation on the entries of a vault.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("no entry labelled {}{}", quoted(.label), did_you_mean(.similar))]
    EntryNotFound {
        label: String,
        /// Labels of the vault close to the one asked for.
        similar: Vec<String>,
    },

    #[error("an entry labelled {} already exists", quoted(.label))]
    LabelExists { label: String },

    #[error("entry {} was refused: {}", quoted(.label), joined(.problems))]
    Invalid {
        label: String,
        problems: Vec<EntryProblem>,
    },

    #[error("{} has no current key to rotate", quoted(.label))]
    NothingToRotate { label: String },

    #[error("{}: {problem}; nothing was changed", quoted(.label))]
    EditRefused { label: String, problem: String },

    #[error("the new {part} is the one {} {held}; nothing was rotated", quoted(.label))]
    RotationReuses {
        label: String,
        part: &'static str,
        held: String,
    },

    #[error(
        "{} is in no export or print as it is now; back up first (keycellar export or \
         print)",
        quoted(.label)
    )]
    NotBackedUp { label: String },

    #[error("{} is {status}; its key is not handed out unless asked for on purpose", quoted(.label))]
    NotActive { label: String, status: &'static str },

    #[error(
        "the key {} is in use by {held_by}{}; one key signing from two processes breaks the \
         exchange's nonces",
        quoted(.label),
        .pid.map(|p| format!(" (process {p})")).unwrap_or_default()
    )]
    KeyInUse {
        label: String,
        pid: Option<u32>,
        held_by: HeldBy,
    },

    #[error(
        "{} has no authenticator seed{}",
        quoted(.label),
        match .two_factor {
            Some(kind) => format!(" (its key needs a 2FA {kind})"),
            None => " (its key needs no 2FA code)".into(),
        }
    )]
    NoAuthenticator {
        label: String,
        /// The 2FA the key needs instead (`password`), if any.
        two_factor: Option<&'static str>,
    },

    #[error("the {exchange} secret is not valid base64")]
    SecretEncoding { exchange: &'static str },

    /// The keys asked for cannot be handed to one command as asked (a label given twice,
    /// two keys setting one variable, a profile an entry does not fit).
    #[error("{problem}")]
    NotHandedOver { problem: String },

    #[error("unknown {exchange} permission {}; known: {}", .unknown.join(", "), .known.join(", "))]
    UnknownPermission {
        exchange: &'static str,
        /// Each unknown name, quoted.
        unknown: Vec<String>,
        known: &'static [&'static str],
    },

    #[error("verification failed: {}", verify_summary(.labels))]
    VerifyFailed { labels: Vec<String> },
}

/// What runs with a key that another run was refused beside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeldBy {
    /// A run of the same kind: one that does not share the key, or that the other would not
    /// share it with.
    AnotherRun,
    /// A signing service, which issues the key's nonces itself: no bot that holds the
    /// secret runs beside it.
    SigningService,
    /// A bot that holds the secret itself: no signing service runs beside it.
    SecretHolder,
    /// Another start of a run of the key, which did not end in the time given (stopped or
    /// stuck).
    AnotherStart,
}

impl std::fmt::Display for HeldBy {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            HeldBy::AnotherRun => "another `keycellar exec`",
            HeldBy::SigningService => "a signing service of `keycellar exec`",
            HeldBy::SecretHolder => "a `keycellar exec` whose bot holds the secret",
            HeldBy::AnotherStart => "another `keycellar exec` that has not finished starting",
        })
    }
}

fn skipped_list(skipped: &[String]) -> String {
    match skipped.is_empty() {
        true => String::new(),
        false => format!("; found {}", skipped.join("; ")),
    }
}

fn verify_summary(labels: &[String]) -> String {
    let noun = if labels.len() == 1 {
        "entry"
    } else {
        "entries"
    };
    format!("{} {noun}: {}", labels.len(), quoted_list(labels))
}

/// The distinct labels, quoted, at most twenty, and how many there were in all when that is
/// more: a backup may repeat one label a hundred thousand times.
fn quoted_few(labels: &[String]) -> String {
    let mut distinct: Vec<String> = Vec::new();
    for label in labels {
        let label = quoted(label);
        if distinct.len() == 20 {
            break;
        }
        if !distinct.contains(&label) {
            distinct.push(label);
        }
    }
    let shown = distinct.join(", ");
    if labels.len() > distinct.len() {
        format!("{shown} ({} entries in all)", labels.len())
    } else {
        shown
    }
}

fn quoted_list(labels: &[String]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| quoted(l)).collect();
    quoted.join(", ")
}

impl Error {
    /// True for every way a vault file can be damaged, truncated or of another version:
    /// the failures that are never a wrong passphrase.
    pub fn is_damaged_vault(&self) -> bool {
        matches!(
            self,
            Error::Vault(VaultError::NotAVault { .. })
                | Error::Vault(VaultError::DamagedHeader { .. })
                | Error::Vault(VaultError::DamagedPayload { .. })
                | Error::Vault(VaultError::Truncated { .. })
                | Error::Vault(VaultError::UnsupportedVersion { .. })
                | Error::Vault(VaultError::KdfOutOfBounds { .. })
        )
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

/// `; did you mean "a" or "b"?` for labels close to a mistyped one, or nothing.
/// Every problem of a refused entry, in the order found.
fn joined(problems: &[EntryProblem]) -> String {
    let texts: Vec<String> = problems.iter().map(EntryProblem::to_string).collect();
    texts.join("; ")
}

fn did_you_mean(similar: &[String]) -> String {
    let quoted: Vec<String> = similar.iter().map(|l| quoted(l)).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

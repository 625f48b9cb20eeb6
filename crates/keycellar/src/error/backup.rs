//! The errors of backups: age exports, and paper sheets.

use super::{Altered, Error, NotAge, NotExport, quoted_few};
use super::{Unread, Unreadable};
use crate::untrusted::quoted;
use std::path::PathBuf;

/// An age backup (an export): reading, decrypting, writing, merging into a vault.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("no identity given can open {name}")]
    NoMatchingIdentity { name: String },

    #[error("wrong passphrase for {name}")]
    WrongBackupPassphrase { name: String },

    #[error("backup {name} is damaged: it {what}")]
    DamagedBackup { name: String, what: String },

    #[error(
        "{name} asks for scrypt work factor {required}; keycellar allows up to {allowed} \
         unless told otherwise (each step doubles the time and memory a try costs)"
    )]
    WorkFactorTooHigh {
        name: String,
        required: u8,
        allowed: u8,
    },

    #[error("backup {name} is refused: its age header {why}")]
    AgeHeaderRefused { name: String, why: String },

    #[error("{name} is not an age file: {what}")]
    NotAnAgeFile { name: String, what: NotAge },

    #[error(
        "scrypt needs {memory_mib} MiB of memory for this passphrase backup and could not get \
         it"
    )]
    ScryptOutOfMemory { memory_mib: u64 },

    #[error(
        "{name}: keycellar stopped trying the passphrase; what was read asks for more scrypt \
         work in all than any sheet and its shares do"
    )]
    ScryptWorkExhausted { name: String },

    #[error("{name} is encrypted to age recipients; it needs an identity to decrypt")]
    NeedIdentity { name: String },

    /// The [`crate::backup::agefile::Prompts`] had no backup passphrase to give (nobody
    /// answered); the front end that asked knows why, and says so instead.
    #[error("{name} is encrypted to a passphrase, and none was given")]
    NoBackupPassphrase { name: String },

    #[error("{name}: {problem}")]
    NotAnExport { name: String, problem: NotExport },

    #[error("{name} does not hold what it says; nothing was imported: {}", joined(.problems))]
    BackupAltered {
        name: String,
        problems: Vec<Altered>,
    },

    #[error("import refused: {} already held by another key in the vault", quoted_few(.labels))]
    Conflict { labels: Vec<String> },

    #[error("verification failed: {name} {summary}")]
    BackupDiffers { name: String, summary: String },

    #[error("recipient {shown} is not usable: {why}")]
    BadRecipient {
        /// The recipient as given, or a description when it looks like a secret key.
        shown: String,
        why: String,
    },

    #[error("{}, line {line}: {inner}", .path.display())]
    RecipientsFileLine {
        path: PathBuf,
        line: usize,
        inner: Box<Error>,
    },

    #[error("recipients file {} holds no recipient", .path.display())]
    NoRecipients { path: PathBuf },

    #[error("age plugin {name:?} is not usable ({why}); install age-plugin-{name} on PATH")]
    PluginUnusable { name: String, why: String },

    #[error("age encryption failed: {0}")]
    AgeEncryption(String),

    #[error("{name} is neither an age identity file nor an SSH private key")]
    NotAnIdentity { name: String },

    #[error("identity file {name}: {why}")]
    BadIdentity { name: String, why: String },

    #[error("cannot decrypt {name}: {why}")]
    AgeDecryption { name: String, why: String },

    #[error(
        "{}: its {field} does not fit on one line of a pass entry (it holds a line end, or \
         spaces at an end, which pass's lines would lose)",
        crate::untrusted::quoted(.label)
    )]
    NotOneLine { label: String, field: &'static str },

    #[error(
        "the password store has an entry {} already ({}); keycellar does not replace it \
         unless told to",
        crate::untrusted::quoted(.name), .file.display()
    )]
    PassEntryExists { name: String, file: PathBuf },

    #[error(
        "{} is no name in the password store (its parts, between slashes, must not be empty, \
         `.` or `..`)",
        crate::untrusted::quoted(.name)
    )]
    PassNameOutsideStore { name: String },

    #[error("{tool} did not take the keys: {what}; nothing was handed over")]
    HandoffFailed { tool: &'static str, what: String },
}

/// A printed sheet, its scans and typed text, and Kraken key QR codes.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error("{why}")]
    PaperUnreadable { why: Box<Unreadable> },

    #[error("{name}: not everything could be restored:\n  {}", lines(.problems))]
    PaperIncomplete {
        name: String,
        problems: Vec<NotRestored>,
    },

    #[error(
        "{name}: pages are missing that the parity pages cannot make up for: {} more {} \
         needed, any of {} (these are missing); not restored:\n  {}",
        .more,
        if *.more == 1 { "page is" } else { "pages are" },
        .missing.join(", "),
        lines(.problems)
    )]
    PaperNeedsPages {
        name: String,
        more: usize,
        missing: Vec<String>,
        problems: Vec<NotRestored>,
    },

    #[error("share {share} of the split goes to {}, the sheet's own path", .path.display())]
    ShareOnSheet { share: u8, path: PathBuf },

    #[error("a split sheet and its shares are files of their own; they cannot go to {destination}")]
    SplitToOneStream { destination: String },

    #[error("parity pages cover at most {max} pages of codes, and this sheet has {pages}")]
    ParityTooManyPages { pages: usize, max: usize },

    #[error("cannot read image {}: {why}", .path.display())]
    BadImage { path: PathBuf, why: String },

    #[error(
        "image {} has {pixels} pixels; keycellar decodes at most {limit} (a 600 dpi scan of \
         an A4 page has about 35 million)",
        .path.display()
    )]
    ImageTooLarge {
        path: PathBuf,
        pixels: u64,
        limit: u64,
    },

    #[error("no Kraken key QR code (kraken://apikey?...) found in {}", .path.display())]
    NoKrakenQr { path: PathBuf },

    #[error("not a Kraken key URI: {0}")]
    BadKrakenUri(&'static str),

    #[error("no authenticator QR code (otpauth://) found in {}", .path.display())]
    NoAuthenticatorQr { path: PathBuf },
}

/// Each of `problems`, in order, separated by semicolons.
fn joined(problems: &[Altered]) -> String {
    let texts: Vec<String> = problems.iter().map(Altered::to_string).collect();
    texts.join("; ")
}

/// What of a sheet did not come back, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotRestored {
    /// An entry item (`tag`, as `E001`), with the label the sheet's cover gives it when that
    /// was read.
    #[error("{tag}{}: {why}", label_after(.label))]
    Entry {
        tag: String,
        label: Option<String>,
        why: Unread,
    },
    /// Labels asked for that no entry restored has.
    #[error("not restored: {}", all_quoted(.0))]
    Labels(Vec<String>),
    /// The details block (permissions, notes, dates), when more pages could rebuild it.
    #[error("the details block M: {why}")]
    Details { why: Unread },
    /// The sheet key, so nothing at all.
    #[error("{why}")]
    Key { why: Unreadable },
}

/// " ('label')" after an item's tag, when the label is known.
fn label_after(label: &Option<String>) -> String {
    label
        .as_deref()
        .map(|l| format!(" ({})", quoted(l)))
        .unwrap_or_default()
}

/// Every label, quoted, separated by commas.
fn all_quoted(labels: &[String]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| quoted(l)).collect();
    quoted.join(", ")
}

/// Each of `problems` on its own indented line.
fn lines(problems: &[NotRestored]) -> String {
    let texts: Vec<String> = problems.iter().map(NotRestored::to_string).collect();
    texts.join("\n  ")
}

//! Typed errors of the library: one variant per failure a caller could act on.
//!
//! No variant carries secret material: messages name fields, lengths, labels and paths,
//! never values. Parsers report path-free problems ([`crate::vault::format::FormatError`],
//! [`JsonProblem`], [`NotExport`]), which the caller that knows the file
//! turns into an [`Error`] naming it. What a person should do next, and the process exit
//! code, are the command line's business (`src/cli/report.rs`), not the library's.

use crate::untrusted::quoted;
use std::path::PathBuf;

mod problems;
pub use problems::{JsonProblem, NotAge, NotExport};

/// Everything that can go wrong in the library: one enum per kind of operation, so that a
/// front end decides, for every variant, what it tells the user (see `src/cli/report.rs`).
///
/// Not `#[non_exhaustive]`, on purpose: a front end in another crate would then have to
/// match with a `_` arm, and a new variant would compile without a decision there.
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

    #[error("entry {} was refused: {}", quoted(.label), .problems.join("; "))]
    Invalid {
        label: String,
        problems: Vec<String>,
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
        "the key {} is in use by another `keycellar exec`{}; one key signing from two \
         processes breaks the exchange's nonces",
        quoted(.label),
        .pid.map(|p| format!(" (process {p})")).unwrap_or_default()
    )]
    KeyInUse { label: String, pid: Option<u32> },

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

/// An age backup (an export): reading, decrypting, writing, merging into a vault.
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

    #[error("{name}: {problem}")]
    NotAnExport { name: String, problem: NotExport },

    #[error("{name} does not hold what it says; nothing was imported: {}", .problems.join("; "))]
    BackupAltered { name: String, problems: Vec<String> },

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
}

/// A printed sheet, its scans and typed text, and Kraken key QR codes.
#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error("{problem}")]
    PaperUnreadable { problem: String },

    #[error("{name}: not everything could be restored:\n  {}", .problems.join("\n  "))]
    PaperIncomplete { name: String, problems: Vec<String> },

    #[error(
        "{name}: pages are missing that the parity pages cannot make up for: {} more {} \
         needed, any of {} (these are missing); not restored:\n  {}",
        .more,
        if *.more == 1 { "page is" } else { "pages are" },
        .missing.join(", "),
        .problems.join("\n  ")
    )]
    PaperNeedsPages {
        name: String,
        more: usize,
        missing: Vec<String>,
        problems: Vec<String>,
    },

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
}

/// What a command was given to read or write, and a new passphrase.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{} exists; keycellar does not overwrite it unless told to", .path.display())]
    OutputExists { path: PathBuf },

    #[error("{} is a {kind}, not a regular file; keycellar writes only files and pipes, and never replaces anything else", .path.display())]
    NotRegularFile { path: PathBuf, kind: &'static str },

    #[error(
        "only one input can come from standard input (`-`), but the {first} and the {second} \
         both read it; put the others in files"
    )]
    StdinTwice {
        first: &'static str,
        second: &'static str,
    },

    #[error("the {what} from {source_name} is larger than keycellar reads ({limit} bytes)")]
    InputTooLarge {
        what: &'static str,
        source_name: String,
        limit: u64,
    },

    #[error("the {what} from {source_name} is not UTF-8 text")]
    NotText {
        what: &'static str,
        source_name: String,
    },

    #[error("the passphrase from {source_name} is empty")]
    EmptyPassphrase { source_name: String },

    #[error("{source_name}: {problem}")]
    BadJson {
        source_name: String,
        problem: JsonProblem,
    },

    #[error(
        "this {what} is too easy to guess: {cost} (under {kdf}), below keycellar's floor of \
         {floor}{}", .advice.as_ref().map(|a| format!(" ({a})")).unwrap_or_default()
    )]
    WeakPassphrase {
        what: &'static str,
        cost: String,
        kdf: String,
        floor: String,
        advice: Option<String>,
    },

    #[error("a generated passphrase has {min} to {max} words, not {words}")]
    WordCount {
        words: usize,
        min: usize,
        max: usize,
    },
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
fn did_you_mean(similar: &[String]) -> String {
    let quoted: Vec<String> = similar.iter().map(|l| quoted(l)).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

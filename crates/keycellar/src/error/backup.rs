//! The errors of backups: age exports, and paper sheets.

use super::{Altered, Error, NotAge, NotExport, quoted_few};
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

    #[error("{tool} did not take the keys: {what}; nothing was handed over")]
    HandoffFailed { tool: &'static str, what: String },
}

/// A printed sheet, its scans and typed text, and Kraken key QR codes.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error("{problem}")]
    PaperUnreadable { problem: String },

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
    #[error("{problem}")]
    Key { problem: String },
}

/// Why one item of a sheet (an entry, the details block, a share) did not come back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unread {
    /// No code or typed line of the item (`tag`, as `E001`) was read.
    #[error("no code or line of {tag} was read")]
    NotRead { tag: String },
    /// Its codes or lines were read but do not make one text: each problem as the reader
    /// of codes or typed lines words it.
    #[error("{}", .0.join("; "))]
    NotAssembled(Vec<String>),
    #[error("its text is not valid base32")]
    NotBase32,
    /// Typed `lines` had corrections that fit their checks, and no correction lets the item
    /// (`tag`) pass age's authentication (`why`, age's words): a line has more than one
    /// mistake.
    #[error("{}", not_mended_all(.lines, &format!("age's authentication of {tag} ({why})")))]
    NotMended {
        lines: Vec<String>,
        tag: String,
        why: String,
    },
    /// It does not open with the sheet's key (`why`, age's words).
    #[error(
        "it does not open with this sheet's key ({why}): a line is missing at its end or was \
         typed wrongly although its check matched, or it is from another sheet"
    )]
    WrongKey { why: String },
    /// It opened, but what it holds is not a valid entry or details block (the reader's
    /// words).
    #[error("{0}")]
    Damaged(String),
    /// The entry's key does not give the fingerprint the sheet recorded for it.
    #[error("its key gives fingerprint {computed} but the sheet recorded {recorded}")]
    FingerprintDiffers { computed: String, recorded: String },
}

/// A share of a split sheet that was read and set aside: it does not fit the shares the key
/// came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetAside {
    /// Share `share` (a second share with its number when `duplicate`) does not combine
    /// with the shares `used` to the key they were made from: it was altered.
    #[error(
        "{} was set aside: it does not combine with the other shares to the key they were \
         made from, so it was altered (the key came from shares {}); ask its holder for the \
         printed share, or print a new split",
        if *.duplicate { format!("a second share numbered {share}") } else { format!("share {share}") },
        numbers(.used)
    )]
    Altered {
        share: u8,
        duplicate: bool,
        used: Vec<u8>,
    },
    /// Shares `odd` do not lie on one polynomial with shares `used` (which gave the key that
    /// matches the split's digest): several were altered, and which cannot be told.
    #[error(
        "shares {} do not lie on one polynomial with shares {}, from which the key came (it \
         matches the split's digest): several shares were altered, and keycellar cannot tell \
         which; print a new split",
        numbers(.odd),
        numbers(.used)
    )]
    Unfitting { odd: Vec<u8>, used: Vec<u8> },
}

/// Share numbers, separated by commas.
fn numbers(shares: &[u8]) -> String {
    let numbers: Vec<String> = shares.iter().map(u8::to_string).collect();
    numbers.join(", ")
}

/// The problem reported for a typed line whose every correction that fits its check leaves
/// its item failing `whole` (the `END` line's check, or age's authentication): the line has
/// more than one mistake, and a wrong correction fit its check by chance.
pub fn not_mended(line: &str, whole: &str) -> String {
    format!(
        "line {line}: a typing mistake (its check value does not match, and no correction \
         that fits it passes {whole}); compare it with the paper character by character"
    )
}

/// [`not_mended`] for each of `lines`, separated by semicolons.
fn not_mended_all(lines: &[String], whole: &str) -> String {
    let named: Vec<String> = lines.iter().map(|line| not_mended(line, whole)).collect();
    named.join("; ")
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

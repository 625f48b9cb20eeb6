//! The command line's failures and how each is reported: the library's errors plus the few
//! that only a command line has (usage, no terminal to ask on, a confirmation refused), each
//! with a stable `kind`, an exit code and a hint saying what to do next.
//!
//! The kinds and exit codes are a contract (README.md, docs/JSON.md, the vector manifests);
//! a new library variant maps onto an existing kind unless the docs change with it.

mod identity;
mod unanswered;

use super::ui;
pub use identity::IdentityFailure;
use keycellar::Error;
use keycellar::backup::agefile::NotAge;
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
            Failure::Library(error) => library_exit_code(error),
            Failure::Unanswered(unanswered) => unanswered.exit_code(),
            Failure::Usage(_) => exit::USAGE,
            Failure::AuditHigh(_) => exit::AUDIT_HIGH,
            Failure::Identity(failure) => failure.exit_code(),
            Failure::CommandNotRunnable { code, .. } => *code,
            Failure::NotConfirmed | Failure::EmptyNewPassphrase | Failure::PassphrasesDiffer => {
                exit::FAILURE
            }
        }
    }

    /// A stable name for the class of failure (snake_case), printed in `--json` errors so
    /// scripts and tests can tell classes apart that share an exit code.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Library(error) => library_kind(error),
            Failure::Usage(_) => "usage",
            Failure::Unanswered(unanswered) => unanswered.kind(),
            Failure::AuditHigh(_) => "audit_high",
            Failure::Identity(failure) => failure.kind(),
            Failure::CommandNotRunnable { code: 127, .. } => "command_not_found",
            Failure::CommandNotRunnable { .. } => "command_not_executable",
            Failure::NotConfirmed | Failure::EmptyNewPassphrase | Failure::PassphrasesDiffer => {
                "bad_input"
            }
        }
    }

    /// One line telling the user what to do next.
    pub fn hint(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Failure::Library(error) => library_hint(error),
            Failure::Usage(_) => "See `keycellar help` for how to call this command.",
            Failure::Unanswered(unanswered) => return unanswered.hint().into(),
            Failure::Identity(failure) => return failure.hint().into(),
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

fn library_exit_code(error: &Error) -> i32 {
    match error {
        Error::WrongPassphrase { .. }
        | Error::NoMatchingIdentity { .. }
        | Error::WrongBackupPassphrase { .. } => exit::WRONG_PASSPHRASE,
        Error::VerifyFailed { .. } | Error::BackupAltered { .. } | Error::BackupDiffers { .. } => {
            exit::MISMATCH
        }
        Error::NotAVault { .. }
        | Error::DamagedHeader { .. }
        | Error::DamagedPayload { .. }
        | Error::Truncated { .. }
        | Error::UnsupportedVersion { .. }
        | Error::KdfOutOfBounds { .. }
        | Error::WorkFactorTooHigh { .. }
        | Error::ScryptWorkExhausted { .. }
        | Error::DamagedBackup { .. }
        | Error::AgeHeaderRefused { .. }
        | Error::NotAnAgeFile { .. } => exit::DAMAGED,
        Error::VaultNotFound { .. } | Error::EntryNotFound { .. } => exit::NOT_FOUND,
        Error::Busy { .. } | Error::KeyInUse { .. } => exit::BUSY,
        Error::NeedIdentity { .. }
        | Error::StdinTwice { .. }
        | Error::KdfSetting(_)
        | Error::WordCount { .. } => exit::USAGE,
        _ => exit::FAILURE,
    }
}

fn library_kind(error: &Error) -> &'static str {
    match error {
        Error::WrongPassphrase { .. } => "wrong_passphrase",
        Error::NotAVault { .. } => "not_a_vault",
        Error::DamagedHeader { .. } => "damaged_header",
        Error::DamagedPayload { .. } => "damaged_payload",
        Error::Truncated { .. } => "truncated",
        Error::UnsupportedVersion { .. } => "unsupported_version",
        Error::KdfOutOfBounds { .. }
        | Error::WorkFactorTooHigh { .. }
        | Error::ScryptWorkExhausted { .. } => "kdf_out_of_bounds",
        Error::VaultNotFound { .. } => "vault_not_found",
        Error::VaultExists { .. } => "vault_exists",
        Error::Busy { .. } => "busy",
        Error::KeyInUse { .. } => "key_in_use",
        Error::EntryNotFound { .. } => "entry_not_found",
        Error::LabelExists { .. } => "label_exists",
        Error::Invalid { .. } => "invalid_entry",
        Error::NoMatchingIdentity { .. } => "no_matching_identity",
        Error::WrongBackupPassphrase { .. } => "wrong_backup_passphrase",
        // A file that is not age at all keeps the kind such files always had.
        Error::DamagedBackup { .. }
        | Error::AgeHeaderRefused { .. }
        | Error::NotAnAgeFile { .. } => "damaged_backup",
        Error::Conflict { .. } => "conflict",
        Error::VerifyFailed { .. } | Error::BackupAltered { .. } | Error::BackupDiffers { .. } => {
            "mismatch"
        }
        Error::NeedIdentity { .. } | Error::StdinTwice { .. } | Error::WordCount { .. } => "usage",
        Error::KdfSetting(_) => "kdf_setting",
        Error::WeakPassphrase { .. } => "weak_passphrase",
        Error::KdfOutOfMemory { .. } | Error::ScryptOutOfMemory { .. } => "kdf_out_of_memory",
        Error::Io { .. } => "io",
        Error::Internal(_) | Error::NoRandomness(_) => "internal",
        // Listed one by one, so that a new variant needs a decision here.
        Error::NothingToRotate { .. }
        | Error::NotActive { .. }
        | Error::RotationReuses { .. }
        | Error::EditRefused { .. }
        | Error::NotBackedUp { .. }
        | Error::SecretEncoding { .. }
        | Error::NotAnExport { .. }
        | Error::BadRecipient { .. }
        | Error::RecipientsFileLine { .. }
        | Error::NoRecipients { .. }
        | Error::PluginUnusable { .. }
        | Error::AgeEncryption(_)
        | Error::NotAnIdentity { .. }
        | Error::BadIdentity { .. }
        | Error::AgeDecryption { .. }
        | Error::PaperUnreadable { .. }
        | Error::PaperIncomplete { .. }
        | Error::BadImage { .. }
        | Error::ImageTooLarge { .. }
        | Error::NoKrakenQr { .. }
        | Error::BadKrakenUri(_)
        | Error::OutputExists { .. }
        | Error::NotRegularFile { .. }
        | Error::InputTooLarge { .. }
        | Error::NotText { .. }
        | Error::EmptyPassphrase { .. }
        | Error::BadJson { .. } => "bad_input",
    }
}

fn library_hint(error: &Error) -> &'static str {
    if error.is_damaged_vault() || matches!(error, Error::WrongPassphrase { .. }) {
        return vault_file_hint(error);
    }
    if let Some(hint) = backup_hint(error) {
        return hint;
    }
    match error {
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
        Error::KeyInUse { .. } => {
            "Stop the other bot first, give this one its own key, or pass --shared if the \
             two truly may share it."
        }
        Error::NotActive { .. } => {
            "Check `keycellar status` and the exchange's key page; to hand out a retired key \
             on purpose, pass --allow-inactive."
        }
        Error::LabelExists { .. } => "Choose another label, or `keycellar edit` the entry.",
        Error::EditRefused { .. } => "`keycellar show LABEL` shows what the entry holds.",
        Error::RotationReuses { .. } => {
            "Give the key the exchange has just made: its public key with --key and its \
             secret with --secret-file; `keycellar history LABEL` lists the keys the label \
             held."
        }
        Error::WeakPassphrase { .. } => {
            "Choose a longer one (five or more uncommon words), or let keycellar make one with \
             --generate-passphrase; --allow-weak-passphrase takes it anyway."
        }
        Error::Invalid { .. } => {
            "Fix what is listed above and run the command again; nothing was saved."
        }
        Error::VerifyFailed { .. } | Error::BackupDiffers { .. } => {
            "The value you compared against is not the one stored. Check for typos; if the \
             stored entry is wrong, restore it from a backup."
        }
        Error::NeedIdentity { .. } | Error::StdinTwice { .. } | Error::WordCount { .. } => {
            "See `keycellar help` for how to call this command."
        }
        Error::KdfSetting(_) => "See `keycellar init --help` for the allowed KDF settings.",
        Error::KdfOutOfMemory { .. } => {
            "Close other programs or use a machine with more free memory (the vault's memory \
             cost was chosen at init; `keycellar status` shows it)."
        }
        Error::Internal(_) => "This is a bug in keycellar; please report it (SECURITY.md).",
        _ => input_output_hint(error),
    }
}

/// The hints of failures to read a backup (an export, a sheet, a share).
fn backup_hint(error: &Error) -> Option<&'static str> {
    Some(match error {
        Error::NoMatchingIdentity { .. } => {
            "Give the age identity file or SSH private key the backup was made for (-i FILE); \
             if you did, the backup's header is damaged (age cannot tell the two apart)."
        }
        Error::WrongBackupPassphrase { .. } => {
            "Try the backup passphrase again; it may differ from the vault passphrase."
        }
        Error::DamagedBackup { .. }
        | Error::BackupAltered { .. }
        | Error::AgeHeaderRefused { .. } => {
            "Use another copy of the backup; this one cannot be trusted."
        }
        Error::NotAnAgeFile { what, .. } => not_age_hint(*what),
        Error::ScryptWorkExhausted { .. } => {
            "It holds more passphrase-encrypted parts, or ways to read them, than a sheet and \
             its shares: compare the typed lines with the paper, or use another copy."
        }
        Error::ScryptOutOfMemory { .. } => {
            "Close other programs, raise the memory limit (`ulimit -v`), or use a machine with \
             more free memory."
        }
        Error::Conflict { .. } => {
            "Nothing was imported. Choose --on-conflict skip, replace or rename, or see what \
             would change with --dry-run."
        }
        Error::WorkFactorTooHigh { .. } => {
            "If you trust the file and have the memory, allow it with --max-work-factor N (at \
             most 22, which needs 4 GiB)."
        }
        _ => return None,
    })
}

/// What to do with a file given as an age backup that is not one.
fn not_age_hint(what: NotAge) -> &'static str {
    match what {
        NotAge::Pdf => {
            "A printed sheet is restored with `keycellar restore`: render its pages with \
             `pdftoppm -r 300 -png sheet.pdf page` for --image, or give `pdftotext -layout \
             sheet.pdf` text to --text."
        }
        NotAge::Image => "A scan of a printed sheet is restored with `keycellar restore --image`.",
        NotAge::Vault => {
            "A vault is opened with --vault FILE; import and verify --backup read the .age \
             file that `keycellar export` writes."
        }
        _ => {
            "Check the path: import and verify --backup read the .age file that `keycellar \
             export` writes."
        }
    }
}

/// Hints for the files a command reads and writes: scans, typed text, outputs.
fn input_output_hint(error: &Error) -> &'static str {
    match error {
        Error::ImageTooLarge { .. } => "Scan at 300 dpi, or scale the image down.",
        Error::PaperUnreadable { .. } => {
            "Scan the pages with the codes named above again (300 dpi is best), or type their \
             lines from the paper into a text file and use --text."
        }
        Error::PaperIncomplete { .. } => {
            "What came back is restored. A typing mistake: compare the line named with the \
             paper and run the command again with --label for the rest; a code not read: \
             scan its page again."
        }
        Error::InputTooLarge { .. } => {
            "Check that the path names the right file; keycellar never reads a file that large."
        }
        Error::OutputExists { .. } | Error::NotRegularFile { .. } => {
            "Choose another output path (-o), or `-o -` for standard output."
        }
        Error::Io { context, .. } if context == super::output::STDOUT => {
            "Standard output could not be written (a full disk, or a closed file). Anything \
             the command saved before that is saved: `keycellar status` shows the vault."
        }
        Error::Io { source, .. } => match source.kind() {
            std::io::ErrorKind::NotFound => "Check the path.",
            std::io::ErrorKind::PermissionDenied => {
                "Check the permissions of the file and of its directory."
            }
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                "Free some disk space, then run the command again; nothing was changed."
            }
            _ => "Check the path and its permissions.",
        },
        _ => "Check the input and run the command again.",
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

/// What to do about a vault file that does not open.
fn vault_file_hint(error: &Error) -> &'static str {
    match error {
        Error::WrongPassphrase { .. } => {
            "The file itself is intact (its checksums match); try the passphrase again, \
             minding keyboard layout and caps lock."
        }
        Error::NotAVault { .. } => {
            "Check the --vault path (or KEYCELLAR_VAULT); if it is the right file, restore it \
             from a generation (.1, .2) or a backup."
        }
        Error::DamagedHeader { .. } | Error::DamagedPayload { .. } | Error::Truncated { .. } => {
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
        _ => "Check the --vault path (or KEYCELLAR_VAULT).",
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
    use std::path::PathBuf;

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
            assert_eq!(Failure::from(e).exit_code(), exit::DAMAGED);
        }
        let wrong = Failure::from(Error::WrongPassphrase { path });
        assert_eq!(wrong.exit_code(), exit::WRONG_PASSPHRASE);
    }
}

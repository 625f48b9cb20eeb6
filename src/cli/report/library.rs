//! The kind and exit code of each library error, one function per error enum. Every match
//! lists every variant (no `_` arm): a new variant does not compile until it has a kind and
//! an exit code here, and a hint in `hints`. The kinds and codes are the contract of
//! README.md, docs/JSON.md and the vector manifests; a new variant takes an existing one.

use super::exit;
use keycellar::Error;
use keycellar::error::paste::Given;
use keycellar::error::{BackupError, EntryError, InputError, PaperError, VaultError};

/// The exit code of a library error.
pub fn exit_code(error: &Error) -> i32 {
    match error {
        Error::Vault(error) => vault_exit_code(error),
        Error::Entry(error) => entry_exit_code(error),
        Error::Backup(error) => backup_exit_code(error),
        Error::Paper(error) => paper_exit_code(error),
        Error::Input(error) => input_exit_code(error),
        Error::Io { .. } | Error::Internal(_) | Error::NoRandomness(_) => exit::FAILURE,
    }
}

/// The kind of a library error, printed in `--json` errors.
pub fn kind(error: &Error) -> &'static str {
    match error {
        Error::Vault(error) => vault_kind(error),
        Error::Entry(error) => entry_kind(error),
        Error::Backup(error) => backup_kind(error),
        Error::Paper(error) => paper_kind(error),
        Error::Input(error) => input_kind(error),
        Error::Io { .. } => "io",
        Error::Internal(_) | Error::NoRandomness(_) => "internal",
    }
}

fn vault_exit_code(error: &VaultError) -> i32 {
    match error {
        VaultError::WrongPassphrase { .. } | VaultError::KeyNotInVault { .. } => {
            exit::WRONG_PASSPHRASE
        }
        VaultError::NotAVault { .. }
        | VaultError::DamagedHeader { .. }
        | VaultError::DamagedPayload { .. }
        | VaultError::Truncated { .. }
        | VaultError::UnsupportedVersion { .. }
        | VaultError::KdfOutOfBounds { .. } => exit::DAMAGED,
        VaultError::VaultNotFound { .. } => exit::NOT_FOUND,
        VaultError::Busy { .. } | VaultError::WaitEnded { .. } => exit::BUSY,
        VaultError::NotUnlocked { .. } | VaultError::KdfSetting(_) => exit::USAGE,
        VaultError::VaultExists { .. } | VaultError::KdfOutOfMemory { .. } => exit::FAILURE,
        VaultError::NoSlotForIdentity { .. } => exit::WRONG_PASSPHRASE,
        VaultError::PluginNotInstalled { .. } => exit::PLUGIN_NOT_INSTALLED,
        VaultError::PluginFailed { .. } => exit::PLUGIN_FAILED,
        VaultError::PluginCancelled { .. } => exit::PLUGIN_CANCELLED,
        VaultError::SshPassphraseUnanswered { .. } => exit::USAGE,
        VaultError::WrongSshPassphrase { .. } => exit::WRONG_PASSPHRASE,
        VaultError::SlotNotFound { .. } => exit::NOT_FOUND,
        VaultError::BadSlotRecipient { .. }
        | VaultError::SlotExists { .. }
        | VaultError::BadSlotName { .. }
        | VaultError::LastSlotWithoutHardware { .. }
        | VaultError::SlotsFull { .. } => exit::FAILURE,
    }
}

fn vault_kind(error: &VaultError) -> &'static str {
    match error {
        VaultError::WrongPassphrase { .. } | VaultError::KeyNotInVault { .. } => "wrong_passphrase",
        VaultError::NotAVault { .. } => "not_a_vault",
        VaultError::DamagedHeader { .. } => "damaged_header",
        VaultError::DamagedPayload { .. } => "damaged_payload",
        VaultError::Truncated { .. } => "truncated",
        VaultError::UnsupportedVersion { .. } => "unsupported_version",
        VaultError::KdfOutOfBounds { .. } => "kdf_out_of_bounds",
        VaultError::VaultNotFound { .. } => "vault_not_found",
        VaultError::VaultExists { .. } => "vault_exists",
        VaultError::Busy { .. } | VaultError::WaitEnded { .. } => "busy",
        VaultError::NotUnlocked { .. } => "usage",
        VaultError::KdfSetting(_) => "kdf_setting",
        VaultError::KdfOutOfMemory { .. } => "kdf_out_of_memory",
        VaultError::NoSlotForIdentity { .. } => "no_slot_for_identity",
        VaultError::PluginNotInstalled { .. } => "plugin_not_installed",
        VaultError::PluginFailed { .. } => "plugin_failed",
        VaultError::PluginCancelled { .. } => "plugin_cancelled",
        VaultError::SshPassphraseUnanswered { .. } => "no_terminal",
        VaultError::WrongSshPassphrase { .. } => "wrong_ssh_passphrase",
        VaultError::BadSlotRecipient { .. } => "bad_slot_recipient",
        VaultError::SlotNotFound { .. } => "slot_not_found",
        VaultError::SlotExists { .. } => "slot_exists",
        VaultError::BadSlotName { .. } => "bad_slot_name",
        VaultError::LastSlotWithoutHardware { .. } => "last_slot_without_hardware",
        VaultError::SlotsFull { .. } => "slots_full",
    }
}

fn entry_exit_code(error: &EntryError) -> i32 {
    match error {
        EntryError::VerifyFailed { .. } => exit::MISMATCH,
        EntryError::EntryNotFound { .. } => exit::NOT_FOUND,
        EntryError::KeyInUse { .. } => exit::BUSY,
        EntryError::UnknownPermission { .. } | EntryError::NotHandedOver { .. } => exit::USAGE,
        EntryError::LabelExists { .. }
        | EntryError::Invalid { .. }
        | EntryError::NothingToRotate { .. }
        | EntryError::EditRefused { .. }
        | EntryError::RotationReuses { .. }
        | EntryError::NotBackedUp { .. }
        | EntryError::NotActive { .. }
        | EntryError::NoAuthenticator { .. }
        | EntryError::SecretEncoding { .. } => exit::FAILURE,
    }
}

fn entry_kind(error: &EntryError) -> &'static str {
    match error {
        EntryError::EntryNotFound { .. } => "entry_not_found",
        EntryError::LabelExists { .. } => "label_exists",
        EntryError::UnknownPermission { .. } | EntryError::NotHandedOver { .. } => "usage",
        EntryError::Invalid { .. } => "invalid_entry",
        EntryError::KeyInUse { .. } => "key_in_use",
        EntryError::VerifyFailed { .. } => "mismatch",
        EntryError::NothingToRotate { .. }
        | EntryError::EditRefused { .. }
        | EntryError::RotationReuses { .. }
        | EntryError::NotBackedUp { .. }
        | EntryError::NotActive { .. }
        | EntryError::NoAuthenticator { .. }
        | EntryError::SecretEncoding { .. } => "bad_input",
    }
}

fn backup_exit_code(error: &BackupError) -> i32 {
    match error {
        BackupError::NoMatchingIdentity { .. } | BackupError::WrongBackupPassphrase { .. } => {
            exit::WRONG_PASSPHRASE
        }
        BackupError::BackupAltered { .. } | BackupError::BackupDiffers { .. } => exit::MISMATCH,
        BackupError::WorkFactorTooHigh { .. }
        | BackupError::ScryptWorkExhausted { .. }
        | BackupError::DamagedBackup { .. }
        | BackupError::AgeHeaderRefused { .. }
        | BackupError::NotAnAgeFile { .. } => exit::DAMAGED,
        BackupError::NeedIdentity { .. }
        | BackupError::NoBackupPassphrase { .. }
        | BackupError::PassNameOutsideStore { .. } => exit::USAGE,
        BackupError::ScryptOutOfMemory { .. }
        | BackupError::NotAnExport { .. }
        | BackupError::Conflict { .. }
        | BackupError::BadRecipient { .. }
        | BackupError::RecipientsFileLine { .. }
        | BackupError::NoRecipients { .. }
        | BackupError::PluginUnusable { .. }
        | BackupError::AgeEncryption(_)
        | BackupError::NotAnIdentity { .. }
        | BackupError::BadIdentity { .. }
        | BackupError::AgeDecryption { .. }
        | BackupError::NotOneLine { .. }
        | BackupError::PassEntryExists { .. }
        | BackupError::HandoffFailed { .. } => exit::FAILURE,
    }
}

fn backup_kind(error: &BackupError) -> &'static str {
    match error {
        BackupError::NoMatchingIdentity { .. } => "no_matching_identity",
        BackupError::WrongBackupPassphrase { .. } => "wrong_backup_passphrase",
        BackupError::WorkFactorTooHigh { .. } | BackupError::ScryptWorkExhausted { .. } => {
            "kdf_out_of_bounds"
        }
        // A file that is not age at all keeps the kind such files always had.
        BackupError::DamagedBackup { .. }
        | BackupError::AgeHeaderRefused { .. }
        | BackupError::NotAnAgeFile { .. } => "damaged_backup",
        BackupError::Conflict { .. } => "conflict",
        BackupError::BackupAltered { .. } | BackupError::BackupDiffers { .. } => "mismatch",
        BackupError::NeedIdentity { .. }
        | BackupError::NoBackupPassphrase { .. }
        | BackupError::PassNameOutsideStore { .. } => "usage",
        BackupError::ScryptOutOfMemory { .. } => "kdf_out_of_memory",
        BackupError::NotAnExport { .. }
        | BackupError::BadRecipient { .. }
        | BackupError::RecipientsFileLine { .. }
        | BackupError::NoRecipients { .. }
        | BackupError::PluginUnusable { .. }
        | BackupError::AgeEncryption(_)
        | BackupError::NotAnIdentity { .. }
        | BackupError::BadIdentity { .. }
        | BackupError::AgeDecryption { .. }
        | BackupError::NotOneLine { .. }
        | BackupError::PassEntryExists { .. } => "bad_input",
        BackupError::HandoffFailed { .. } => "handoff_failed",
    }
}

fn paper_exit_code(error: &PaperError) -> i32 {
    match error {
        PaperError::PaperNeedsPages { .. } => exit::PAPER_NEEDS_PAGES,
        PaperError::ShareOnSheet { .. } | PaperError::SplitToOneStream { .. } => exit::USAGE,
        PaperError::PaperUnreadable { .. }
        | PaperError::PaperIncomplete { .. }
        | PaperError::ParityTooManyPages { .. }
        | PaperError::BadImage { .. }
        | PaperError::ImageTooLarge { .. }
        | PaperError::NoKrakenQr { .. }
        | PaperError::NoAuthenticatorQr { .. }
        | PaperError::BadKrakenUri(_) => exit::FAILURE,
    }
}

fn paper_kind(error: &PaperError) -> &'static str {
    match error {
        PaperError::PaperUnreadable { .. }
        | PaperError::PaperIncomplete { .. }
        | PaperError::ParityTooManyPages { .. }
        | PaperError::BadImage { .. }
        | PaperError::ImageTooLarge { .. }
        | PaperError::NoKrakenQr { .. }
        | PaperError::NoAuthenticatorQr { .. }
        | PaperError::BadKrakenUri(_) => "bad_input",
        PaperError::PaperNeedsPages { .. } => "paper_needs_pages",
        PaperError::ShareOnSheet { .. } | PaperError::SplitToOneStream { .. } => "usage",
    }
}

fn input_exit_code(error: &InputError) -> i32 {
    match error {
        InputError::StdinTwice { .. }
        | InputError::WordCount { .. }
        | InputError::PlaintextDestination { .. }
        | InputError::Misplaced(_)
        | InputError::Swapped { .. } => exit::USAGE,
        InputError::OutputExists { .. }
        | InputError::NotRegularFile { .. }
        | InputError::NotAPlainFile { .. }
        | InputError::OutputIsVault { .. }
        | InputError::ChangedMeanwhile { .. }
        | InputError::BadAuthenticator { .. }
        | InputError::InputTooLarge { .. }
        | InputError::NotText { .. }
        | InputError::EmptyPassphrase { .. }
        | InputError::BadJson { .. }
        | InputError::BadLine { .. }
        | InputError::NoKeys { .. }
        | InputError::EncryptedSource { .. }
        | InputError::WeakPassphrase { .. } => exit::FAILURE,
    }
}

fn input_kind(error: &InputError) -> &'static str {
    match error {
        InputError::Misplaced(misplaced) if misplaced.exposed() => "secret_in_history",
        InputError::Swapped {
            key_given: Given::CommandLine,
        } => "secret_in_history",
        InputError::Misplaced(_) | InputError::Swapped { .. } => "misplaced_value",
        InputError::StdinTwice { .. }
        | InputError::WordCount { .. }
        | InputError::PlaintextDestination { .. } => "usage",
        InputError::WeakPassphrase { .. } => "weak_passphrase",
        InputError::OutputExists { .. }
        | InputError::NotRegularFile { .. }
        | InputError::NotAPlainFile { .. }
        | InputError::OutputIsVault { .. }
        | InputError::ChangedMeanwhile { .. }
        | InputError::BadAuthenticator { .. }
        | InputError::InputTooLarge { .. }
        | InputError::NotText { .. }
        | InputError::EmptyPassphrase { .. }
        | InputError::BadJson { .. }
        | InputError::BadLine { .. }
        | InputError::NoKeys { .. }
        | InputError::EncryptedSource { .. } => "bad_input",
    }
}

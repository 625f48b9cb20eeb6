//! What to do next after each library error: one line, naming the flags and commands that
//! help (the library's messages state facts only). One function per error enum, each
//! listing every variant, so a new variant does not compile without its hint.

use keycellar::Error;
use keycellar::backup::agefile::NotAge;
use keycellar::error::{BackupError, EntryError, HeldBy, InputError, PaperError, VaultError};

/// The hint of a library error.
pub fn hint(error: &Error) -> &'static str {
    match error {
        Error::Vault(error) => vault_hint(error),
        Error::Entry(error) => entry_hint(error),
        Error::Backup(error) => backup_hint(error),
        Error::Paper(error) => paper_hint(error),
        Error::Input(error) => input_hint(error),
        Error::Io { context, .. } if context == crate::cli::output::STDOUT => {
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
        Error::Internal(_) => "This is a bug in keycellar; please report it (SECURITY.md).",
        Error::NoRandomness(_) => CHECK_INPUT,
    }
}

const CHECK_INPUT: &str = "Check the input and run the command again.";

const SEE_HELP: &str = "See `keycellar help` for how to call this command.";

/// What to do about a vault file that does not open, or cannot be used.
fn vault_hint(error: &VaultError) -> &'static str {
    match error {
        VaultError::WrongPassphrase { .. } => {
            "The file itself is intact (its checksums match); try the passphrase again, \
             minding keyboard layout and caps lock."
        }
        VaultError::KeyNotInVault { .. } => "Unlock the vault again with its current passphrase.",
        VaultError::NotUnlocked { .. } => "Give the vault passphrase (or --passphrase-file).",
        VaultError::NotAVault { .. } => {
            "Check the --vault path (or KEYCELLAR_VAULT); if it is the right file, restore it \
             from a generation (.1, .2) or a backup."
        }
        VaultError::DamagedHeader { .. }
        | VaultError::DamagedPayload { .. }
        | VaultError::Truncated { .. } => {
            "Do not overwrite it. Restore from the previous generations next to the vault \
             (VAULT.1, VAULT.2) or from a backup, and keep the damaged file for inspection."
        }
        VaultError::UnsupportedVersion { .. } => {
            "Open it with the newer keycellar that wrote it; this version will not guess."
        }
        VaultError::KdfOutOfBounds { .. } => {
            "The file asks for more work than keycellar allows; it is damaged or was not \
             written by keycellar. Restore from a generation or a backup."
        }
        VaultError::VaultNotFound { .. } => {
            "Create one with `keycellar init`, or point --vault (or KEYCELLAR_VAULT) at it."
        }
        VaultError::VaultExists { .. } => {
            "keycellar never overwrites a file on init; choose another --vault path."
        }
        VaultError::Busy { .. } | VaultError::WaitEnded { .. } => {
            "Wait for the other keycellar command to finish, then run this one again."
        }
        VaultError::KdfSetting(_) => {
            "See `keycellar init --help` for the allowed KDF settings (--kdf-memory, \
             --kdf-time, --kdf-parallelism)."
        }
        VaultError::KdfOutOfMemory { .. } => {
            "Close other programs or use a machine with more free memory (the vault's memory \
             cost was chosen at init; `keycellar status` shows it)."
        }
        VaultError::NoSlotForIdentity { .. }
        | VaultError::PluginNotInstalled { .. }
        | VaultError::PluginFailed { .. }
        | VaultError::PluginCancelled { .. }
        | VaultError::SshPassphraseUnanswered { .. }
        | VaultError::WrongSshPassphrase { .. }
        | VaultError::BadSlotRecipient { .. }
        | VaultError::SlotNotFound { .. }
        | VaultError::SlotExists { .. }
        | VaultError::BadSlotName { .. }
        | VaultError::LastSlotWithoutHardware { .. }
        | VaultError::SlotsFull { .. } => slot_hint(error),
    }
}

/// What to do about a keyslot, or the identity or plugin that should open one. (The
/// vault file's own failures are [`vault_hint`]'s; each function matches every variant.)
fn slot_hint(error: &VaultError) -> &'static str {
    match error {
        VaultError::NoSlotForIdentity { .. } => {
            "`keycellar slot list` shows the recipients the vault's slots are wrapped to; give \
             the identity of one (--identity FILE), or leave --identity out to use the \
             passphrase."
        }
        VaultError::PluginNotInstalled { .. } => {
            "Install the plugin named (it must be on PATH), or open with the passphrase."
        }
        VaultError::PluginFailed { .. } => {
            "Check that the token is plugged in and its PIN is right; the vault was not changed. \
             The passphrase still opens it."
        }
        VaultError::PluginCancelled { .. } => {
            "Run the command again on a terminal and answer the plugin's question (PIN, touch)."
        }
        VaultError::SshPassphraseUnanswered { .. } => {
            "Run the command on a terminal to type the SSH key's passphrase, or give an \
             identity that is not encrypted."
        }
        VaultError::WrongSshPassphrase { .. } => {
            "Type the passphrase of that SSH key (the one ssh-keygen set), not the vault's; \
             nothing was changed."
        }
        VaultError::BadSlotRecipient { .. } => {
            "Give a public age recipient (age1..., age1tag1..., age1NAME1...) or a whole \
             ssh-ed25519 / ssh-rsa public key line."
        }
        VaultError::SlotNotFound { .. } => "`keycellar slot list` shows the keyslots' names.",
        VaultError::SlotExists { .. } | VaultError::BadSlotName { .. } => {
            "Choose another name with --name."
        }
        VaultError::LastSlotWithoutHardware { .. } => {
            "Add another slot that opens without hardware first (an age key kept on paper or \
             by a second person: `keycellar slot add -r age1...`), then remove this one."
        }
        VaultError::SlotsFull { .. } => "Remove a keyslot you no longer use first.",
        VaultError::WrongPassphrase { .. }
        | VaultError::KeyNotInVault { .. }
        | VaultError::NotUnlocked { .. }
        | VaultError::NotAVault { .. }
        | VaultError::DamagedHeader { .. }
        | VaultError::DamagedPayload { .. }
        | VaultError::Truncated { .. }
        | VaultError::UnsupportedVersion { .. }
        | VaultError::KdfOutOfBounds { .. }
        | VaultError::VaultNotFound { .. }
        | VaultError::VaultExists { .. }
        | VaultError::Busy { .. }
        | VaultError::WaitEnded { .. }
        | VaultError::KdfSetting(_)
        | VaultError::KdfOutOfMemory { .. } => vault_hint(error),
    }
}

fn entry_hint(error: &EntryError) -> &'static str {
    match error {
        EntryError::EntryNotFound { .. } => "Run `keycellar list` to see the labels.",
        EntryError::KeyInUse {
            held_by: HeldBy::AnotherRun,
            ..
        } => {
            "Stop the other bot first, give this one its own key, or pass --shared if the \
             two truly may share it."
        }
        EntryError::KeyInUse {
            held_by: HeldBy::SigningService,
            ..
        } => {
            "Run this bot through the signing service too (--profile sign), or stop the \
             service first; --shared does not share a key with a signing service."
        }
        EntryError::KeyInUse {
            held_by: HeldBy::SecretHolder,
            ..
        } => {
            "Stop the bot that holds the secret first, or run it through the signing \
             service too (--profile sign)."
        }
        EntryError::KeyInUse {
            held_by: HeldBy::AnotherStart,
            ..
        } => {
            "Try again, or wait longer with --lock-timeout; if it persists, a process holds \
             the key's start-* lock in ~/.local/state/keycellar (`fuser` names it: a stopped \
             `keycellar exec`, or anything of yours that took it): let it go on or end it."
        }
        EntryError::NotActive { .. } => {
            "Check `keycellar status` and the exchange's key page; to hand out a retired key \
             on purpose, pass --allow-inactive."
        }
        EntryError::LabelExists { .. } => "Choose another label, or `keycellar edit` the entry.",
        EntryError::EditRefused { .. } => "`keycellar show LABEL` shows what the entry holds.",
        EntryError::RotationReuses { .. } => {
            "Give the key the exchange has just made: its public key with --key and its \
             secret with --secret-file; `keycellar history LABEL` lists the keys the label \
             held."
        }
        EntryError::NotBackedUp { .. } => {
            "Run `keycellar export` or `keycellar print` first; to rotate without a backup, \
             pass --no-backup-check."
        }
        EntryError::Invalid { problems, .. } => problems
            .iter()
            .find_map(super::checks::problem_hint)
            .unwrap_or("Fix what is listed above and run the command again; nothing was saved."),
        EntryError::VerifyFailed { .. } => {
            "The value you compared against is not the one stored. Check for typos; if the \
             stored entry is wrong, restore it from a backup."
        }
        EntryError::NoAuthenticator { .. } => {
            "`keycellar show LABEL` says which 2FA the key needs. A seed is recorded with the \
             key it belongs to: --otp-file or --otp-qr of `add` or `rotate`."
        }
        EntryError::NothingToRotate { .. } | EntryError::SecretEncoding { .. } => CHECK_INPUT,
        EntryError::NotHandedOver { .. } => {
            "See `keycellar exec --help` and `keycellar exec --list-profiles`."
        }
        EntryError::UnknownPermission { .. } => {
            "A permission this list lacks can be given with --permission-other (add, rotate) \
             or --add-permission-other (edit)."
        }
    }
}

/// The hints of failures to read or write a backup (an export, a sheet, a share).
fn backup_hint(error: &BackupError) -> &'static str {
    match error {
        BackupError::NoMatchingIdentity { .. } => {
            "Give the age identity file or SSH private key the backup was made for (-i FILE); \
             if you did, the backup's header is damaged (age cannot tell the two apart)."
        }
        BackupError::WrongBackupPassphrase { .. } => {
            "Try the backup passphrase again; it may differ from the vault passphrase."
        }
        BackupError::DamagedBackup { .. }
        | BackupError::BackupAltered { .. }
        | BackupError::AgeHeaderRefused { .. } => {
            "Use another copy of the backup; this one cannot be trusted."
        }
        BackupError::NotAnAgeFile { what, .. } => not_age_hint(*what),
        BackupError::ScryptWorkExhausted { .. } => {
            "It holds more passphrase-encrypted parts, or ways to read them, than a sheet and \
             its shares: compare the typed lines with the paper, or use another copy."
        }
        BackupError::ScryptOutOfMemory { .. } => {
            "Close other programs, raise the memory limit (`ulimit -v`), or use a machine with \
             more free memory."
        }
        BackupError::Conflict { .. } => {
            "Nothing was imported. Choose --on-conflict skip, replace or rename, or see what \
             would change with --dry-run."
        }
        BackupError::WorkFactorTooHigh { .. } => {
            "If you trust the file and have the memory, allow it with --max-work-factor N (at \
             most 22, which needs 4 GiB)."
        }
        BackupError::BackupDiffers { .. } => {
            "The value you compared against is not the one stored. Check for typos; if the \
             stored entry is wrong, restore it from a backup."
        }
        BackupError::NeedIdentity { .. } => {
            "Give the identity the backup was encrypted to with -i FILE; see `keycellar help`."
        }
        BackupError::NoBackupPassphrase { .. } => {
            "Give the backup passphrase (or --backup-passphrase-file)."
        }
        BackupError::NotAnExport { .. }
        | BackupError::BadRecipient { .. }
        | BackupError::RecipientsFileLine { .. }
        | BackupError::NoRecipients { .. }
        | BackupError::PluginUnusable { .. }
        | BackupError::AgeEncryption(_)
        | BackupError::NotAnIdentity { .. }
        | BackupError::BadIdentity { .. }
        | BackupError::AgeDecryption { .. } => CHECK_INPUT,
        BackupError::NotOneLine { .. } => {
            "Hand this key over as KeePass XML (export --format keepass-xml), which keeps any \
             value, or fix the value with `keycellar edit`."
        }
        BackupError::PassEntryExists { .. } => {
            "Choose another name, or replace the entry with --force."
        }
        BackupError::PassNameOutsideStore { .. } => {
            "Give a name inside the store, as `pass insert` takes it (exchange/NAME)."
        }
        BackupError::HandoffFailed { .. } => {
            "Check that pass is installed and its store set up (`pass init GPG-ID`); its own \
             message is above."
        }
    }
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
        NotAge::Empty | NotAge::Json | NotAge::Text | NotAge::Binary => {
            "Check the path: import and verify --backup read the .age file that `keycellar \
             export` writes."
        }
    }
}

/// Hints for printed sheets and scans.
fn paper_hint(error: &PaperError) -> &'static str {
    match error {
        PaperError::ImageTooLarge { .. } => "Scan at 300 dpi, or scale the image down.",
        PaperError::PaperUnreadable { .. } => {
            "Scan the pages with the codes named above again (300 dpi is best), or type their \
             lines from the paper into a text file and use --text."
        }
        PaperError::PaperIncomplete { .. } => {
            "What came back is restored. A typing mistake: compare the line named with the \
             paper and run the command again with --label for the rest; a code not read: \
             scan its page again."
        }
        PaperError::PaperNeedsPages { .. } => {
            "Scan as many more of the missing pages as it says (any of those named) and run \
             the command again with every scan; what came back is restored."
        }
        PaperError::SplitToOneStream { .. } => SEE_HELP,
        PaperError::ShareOnSheet { .. } => {
            "Give the sheet another name (-o) or the shares another directory (--share-dir)."
        }
        PaperError::ParityTooManyPages { .. } => {
            "Print the entries on more than one sheet (naming their labels), or print \
             without parity pages (--parity-pages 0)."
        }
        PaperError::NoAuthenticatorQr { .. } => {
            "Give the screenshot of the QR code Kraken shows when the key's 2FA is set to an \
             authenticator, or its setup key with --otp-file."
        }
        PaperError::BadImage { .. }
        | PaperError::NoKrakenQr { .. }
        | PaperError::BadKrakenUri(_) => CHECK_INPUT,
    }
}

/// Hints for the files a command reads and writes, and for new passphrases.
fn input_hint(error: &InputError) -> &'static str {
    match error {
        InputError::InputTooLarge { .. } => {
            "Check that the path names the right file; keycellar never reads a file that large."
        }
        InputError::OutputExists { .. } => {
            "Choose another output path (-o), or `-o -` for standard output; --force \
             replaces the file."
        }
        InputError::PlaintextDestination { .. } => {
            "Pipe it into the password manager: `keepassxc-cli import -p <(keycellar export \
             --format keepass-xml) keys.kdbx`; --force-plaintext writes the file anyway."
        }
        InputError::ChangedMeanwhile { .. } => {
            "The keys are in the vault already; run the same command again to take them out \
             of the file as it is now."
        }
        InputError::NotRegularFile { .. } => {
            "Choose another output path (-o), or `-o -` for standard output."
        }
        InputError::NotAPlainFile { .. } => {
            "Something not made by keycellar is at a name it writes (a share, a man page): \
             remove it, or write into a directory only you can write (--share-dir, man -o)."
        }
        InputError::OutputIsVault { .. } => {
            "Write the backup somewhere else (-o): a backup lives apart from the vault it \
             keeps."
        }
        InputError::WeakPassphrase { .. } => {
            "Choose a longer one (five or more uncommon words), or let keycellar make one with \
             --generate-passphrase; --allow-weak-passphrase takes it anyway."
        }
        InputError::StdinTwice { .. } | InputError::WordCount { .. } => SEE_HELP,
        InputError::NotText { .. }
        | InputError::EmptyPassphrase { .. }
        | InputError::BadJson { .. }
        | InputError::BadLine { .. } => CHECK_INPUT,
        InputError::BadAuthenticator { .. } => {
            "Give the seed as the authenticator app's setup key shows it (base32), or the \
             otpauth://totp/ URI of Kraken's 2FA QR code (--otp-file), or that QR code \
             itself (--otp-qr)."
        }
        InputError::Misplaced(misplaced) => super::paste::hint(misplaced),
        InputError::Swapped { key_given } => super::paste::swapped_hint(*key_given),
        InputError::NoKeys { .. } => {
            "check that --from names the file's format (`keycellar import --help`), and that \
             the file holds a key and its secret; nothing was imported"
        }
        InputError::EncryptedSource { .. } => {
            "export it unencrypted straight into keycellar, with no file between: `bw export \
             --format json --raw | keycellar import --from bitwarden -`, or `keepassxc-cli \
             export DATABASE | keycellar import --from keepassxc -`; nothing was imported"
        }
    }
}

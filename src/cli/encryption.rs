//! Who can open a new backup (recipients or a passphrase), and opening an existing one
//! (identities, or the backup passphrase asked only when one is needed).

use super::args::BackupUnlockArgs;
use super::new_passphrase;
use super::prompt::{self, TerminalPrompts};
use super::report::{Failure, Result};
use keycellar::backup::agefile::{self, Encryption, Identities, Recipients};
use keycellar::backup::export::Imported;
use keycellar::ops::ExportFile;
use keycellar::passphrase::cost::Kdf;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The identities given with `-i`, and the backup passphrase (asked only when a file
/// encrypted to one is met).
pub fn identities(unlock: &BackupUnlockArgs) -> Result<Identities> {
    let prompts = TerminalPrompts {
        backup_passphrase_file: unlock.backup_passphrase_file.clone(),
    };
    let mut identities = Identities::with_prompts(Arc::new(prompts));
    identities.set_max_work_factor(unlock.max_work_factor);
    for path in &unlock.identities {
        identities.add_file(path)?;
    }
    Ok(identities)
}

/// Who can open a new backup: recipients, or a passphrase (asked twice, or from a file).
pub fn choose(
    recipients: &[String],
    recipients_files: &[PathBuf],
    passphrase: new_passphrase::Request,
) -> Result<Encryption> {
    let by_recipients = !recipients.is_empty() || !recipients_files.is_empty();
    if by_recipients && passphrase.args.given() {
        return Err(Failure::Usage(
            "a backup for recipients has no passphrase; leave out --generate-passphrase and \
             --allow-weak-passphrase"
                .into(),
        ));
    }
    if !by_recipients {
        let kdf = Kdf::Scrypt {
            log_n: agefile::SCRYPT_WORK_FACTOR,
        };
        // Before the passphrase is asked for: encrypting checks again.
        agefile::check_scrypt_memory(agefile::SCRYPT_WORK_FACTOR)?;
        let passphrase = new_passphrase::choose(passphrase, kdf)?;
        return Ok(Encryption::Passphrase(passphrase));
    }
    let mut parsed = Recipients::with_prompts(Arc::new(TerminalPrompts::default()));
    for r in recipients {
        parsed.add(r)?;
    }
    for file in recipients_files {
        parsed.add_file(file)?;
    }
    Ok(Encryption::Recipients(parsed))
}

/// Reads, decrypts and checks an export.
pub fn open_export(file: &Path, unlock: &BackupUnlockArgs) -> Result<Imported> {
    let export = ExportFile::read(file)?;
    let identities = identities(unlock)?;
    export
        .open(&identities)
        .map_err(|e| prompt::unless_unanswered(e.into()))
}

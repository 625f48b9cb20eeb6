use super::*;
use crate::error::{BackupError, InputError};
use crate::passphrase::{NewPassphrase, Purpose};
use crate::secret::Secret;
use std::path::Path;

fn identity_file(dir: &Path) -> (std::path::PathBuf, String) {
    let (text, public) = keygen("2026-11-22T00:00:00Z");
    let path = dir.join("key.txt");
    std::fs::write(&path, text.as_bytes()).unwrap();
    (path, public)
}

/// Gives its passphrase as the backup passphrase, and counts the times it was asked.
struct Answering(&'static str, std::sync::atomic::AtomicUsize);

impl Prompts for Answering {
    fn backup_passphrase(&self, _backup: &str) -> Option<Secret> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Some(Secret::new(self.0.into()))
    }
}

/// No identities; a passphrase-encrypted file is opened with `passphrase`.
fn answering(passphrase: &'static str) -> (Identities, std::sync::Arc<Answering>) {
    let prompts = std::sync::Arc::new(Answering(passphrase, Default::default()));
    (Identities::with_prompts(prompts.clone()), prompts)
}

#[test]
fn recipients_round_trip_and_other_identities_do_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = identity_file(dir.path());
    let mut recipients = Recipients::default();
    recipients.add(&public).unwrap();
    let file = encrypt(&Encryption::Recipients(recipients), b"hello", true).unwrap();
    assert!(file.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    let mut ids = Identities::default();
    ids.add_file(&key).unwrap();
    assert_eq!(&decrypt(&file, &ids, "t").unwrap()[..], b"hello");

    let other = tempfile::tempdir().unwrap();
    let (other_key, _) = identity_file(other.path());
    let mut wrong = Identities::default();
    wrong.add_file(&other_key).unwrap();
    let err = decrypt(&file, &wrong, "t").unwrap_err();
    assert!(
        matches!(err, Error::Backup(BackupError::NoMatchingIdentity { .. })),
        "{err}"
    );
}

#[test]
fn passphrase_files_tell_a_wrong_passphrase_from_damage() {
    let passphrase = || NewPassphrase::typed(Secret::new("backup pass".into()), Purpose::Export);
    // Below the floor, nothing is encrypted unless the person accepted it so.
    let weak = encrypt(&Encryption::Passphrase(passphrase()), b"hi", false).unwrap_err();
    assert!(
        matches!(weak, Error::Input(InputError::WeakPassphrase { .. })),
        "{weak}"
    );
    let accepted = Encryption::Passphrase(passphrase().accepting_weak(true));
    let file = encrypt(&accepted, b"hi", false).unwrap();
    let (given, asked) = answering("backup pass");
    assert_eq!(&decrypt(&file, &given, "t").unwrap()[..], b"hi");
    let wrong = decrypt(&file, &answering("nope").0, "t").unwrap_err();
    assert!(
        matches!(
            wrong,
            Error::Backup(BackupError::WrongBackupPassphrase { .. })
        ),
        "{wrong}"
    );
    let mut damaged = file.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    let err = decrypt(&damaged, &given, "t").unwrap_err();
    assert!(
        matches!(err, Error::Backup(BackupError::DamagedBackup { .. })),
        "{err}"
    );
    let err = decrypt(b"not age at all", &given, "t").unwrap_err();
    assert!(
        matches!(err, Error::Backup(BackupError::DamagedBackup { .. })),
        "{err}"
    );
    // Asked once for the three files these identities opened.
    assert_eq!(asked.1.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Prompts that have no answer: the file is not opened, and nothing else is tried.
    let err = decrypt(&file, &Identities::default(), "t").unwrap_err();
    assert!(
        matches!(err, Error::Backup(BackupError::NoBackupPassphrase { .. })),
        "{err}"
    );
}

#[test]
fn recipient_files_allow_comments_and_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = identity_file(dir.path());
    let file = dir.path().join("recipients.txt");
    std::fs::write(&file, format!("# team\n\n{public}\n")).unwrap();
    let mut recipients = Recipients::default();
    recipients.add_file(&file).unwrap();
    assert_eq!(recipients.described, vec![public]);
    std::fs::write(&file, "# team\nage1notarecipient\n").unwrap();
    let err = Recipients::default()
        .add_file(&file)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2") && err.contains("age1notarecipient"),
        "{err}"
    );
    let err = Recipients::default().add("hello").unwrap_err().to_string();
    assert!(err.contains("\"hello\""), "{err}");
}

use super::*;
use crate::error::BackupError;
use std::path::Path;

fn identity_file(dir: &Path) -> (std::path::PathBuf, String) {
    let (text, public) = keygen("2026-11-22T00:00:00Z");
    let path = dir.join("key.txt");
    std::fs::write(&path, text.as_bytes()).unwrap();
    (path, public)
}

fn no_passphrase() -> Result<Secret> {
    panic!("a recipient file must not ask for a passphrase")
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
    assert_eq!(
        &decrypt(&file, &ids, no_passphrase, "t").unwrap()[..],
        b"hello"
    );

    let other = tempfile::tempdir().unwrap();
    let (other_key, _) = identity_file(other.path());
    let mut wrong = Identities::default();
    wrong.add_file(&other_key).unwrap();
    let err = decrypt(&file, &wrong, no_passphrase, "t").unwrap_err();
    assert!(
        matches!(err, Error::Backup(BackupError::NoMatchingIdentity { .. })),
        "{err}"
    );
}

#[test]
fn passphrase_files_tell_a_wrong_passphrase_from_damage() {
    let pass = || Ok(Secret::new("backup pass".into()));
    let file = encrypt(&Encryption::Passphrase(pass().unwrap()), b"hi", false).unwrap();
    let none = Identities::default();
    assert_eq!(&decrypt(&file, &none, pass, "t").unwrap()[..], b"hi");
    let wrong = decrypt(&file, &none, || Ok(Secret::new("nope".into())), "t").unwrap_err();
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
    let err = decrypt(&damaged, &none, pass, "t").unwrap_err();
    assert!(
        matches!(err, Error::Backup(BackupError::DamagedBackup { .. })),
        "{err}"
    );
    let err = decrypt(b"not age at all", &none, pass, "t").unwrap_err();
    assert!(
        matches!(err, Error::Backup(BackupError::DamagedBackup { .. })),
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

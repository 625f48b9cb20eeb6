//! Backups leaving the vault, as every front end writes them: an export (one age file) or
//! a printed sheet (a PDF, and a split's share PDFs beside it). An [`Outgoing`] holds the
//! documents and what the vault's record of the backup will say (its kind, the entries it
//! holds, who can open it), taken from what was encrypted, never from the caller; the
//! change that records it is handed over only once every document is written, so that a
//! vault never records a backup that is not there.

use super::{ChangeRequest, ExportDocument};
use crate::backup::agefile::{self, Encryption};
use crate::backup::paper::layout::{self, Printed};
use crate::backup::paper::pdf::Paper;
use crate::backup::paper::sheet::{Sheet, share_files};
use crate::error::{Error, PaperError, Result};
use crate::vault::backup_log::BackupKind;
use crate::vault::store::{self, Named};
use std::path::{Path, PathBuf};

/// A backup made and not yet written: its documents in the order they are written (a
/// split's shares before its sheet, so that no sheet is there without its shares), and the
/// change that records it in the vault.
#[must_use = "a backup is recorded in the vault only once it is written"]
pub struct Outgoing {
    documents: Vec<(PathBuf, Vec<u8>, Named)>,
    record: ChangeRequest,
}

impl Outgoing {
    /// `exported` encrypted to `encryption` (armored when `armor`), to go to `output`.
    pub fn export(
        exported: &ExportDocument,
        encryption: &Encryption,
        armor: bool,
        output: &Path,
    ) -> Result<Outgoing> {
        let plaintext = exported.document.expose().as_bytes();
        let file = agefile::encrypt(encryption, plaintext, armor)?;
        Ok(Outgoing {
            documents: vec![(output.to_path_buf(), file, Named::ByUser)],
            record: ChangeRequest::RecordBackup {
                kind: BackupKind::Export,
                entries: exported.fingerprints.clone(),
                recipients: encryption.described(),
            },
        })
    }

    /// `sheet` as `printed`, to go to `output`, with the pages of its shares on `paper`
    /// (every one of them), named as `sheet::share_paths` names them for `share_dir`.
    pub fn sheet(
        sheet: &Sheet,
        printed: &Printed,
        paper: Paper,
        output: &Path,
        share_dir: Option<&Path>,
    ) -> Result<Outgoing> {
        let shares = layout::render_shares(sheet, paper)?;
        let n = sheet.split().map_or(0, |split| split.threshold.n);
        // The shares' names are made up here: a link found at one is replaced, not followed.
        let mut documents: Vec<_> = share_files(output, share_dir, n)
            .into_iter()
            .zip(shares)
            .map(|(path, share)| (path, share.pdf, Named::ByKeycellar))
            .collect();
        documents.push((output.to_path_buf(), printed.pdf.clone(), Named::ByUser));
        Ok(Outgoing {
            documents,
            record: ChangeRequest::RecordBackup {
                kind: BackupKind::Print,
                entries: sheet.entries.iter().map(|e| e.fingerprint).collect(),
                recipients: sheet.readers.clone(),
            },
        })
    }

    /// Where each document goes, in the order they are written.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.documents.iter().map(|(path, _, _)| path.as_path())
    }

    /// Writes every document to its file (private, atomically, all before the first is
    /// named; a file already there is replaced only when `overwrite`), and gives back the
    /// change that records the backup.
    pub fn write(self, overwrite: bool) -> Result<ChangeRequest> {
        let files: Vec<(&Path, &[u8], Named)> = (self.documents.iter())
            .map(|(path, bytes, named)| (path.as_path(), &bytes[..], *named))
            .collect();
        store::write_files(&files, overwrite, store::Visibility::Private)?;
        Ok(self.record)
    }

    /// Gives the one document to `send`, for a front end that sends it elsewhere (standard
    /// output, named `destination` in an error), and then the change that records the
    /// backup. A split's shares are files of their own: a backup of several documents is
    /// refused, and nothing is sent.
    pub fn send(
        self,
        destination: &str,
        send: impl FnOnce(&[u8]) -> std::io::Result<()>,
    ) -> Result<ChangeRequest> {
        let [(_, bytes, _)] = &self.documents[..] else {
            return Err(Error::Paper(PaperError::SplitToOneStream {
                destination: destination.to_string(),
            }));
        };
        send(bytes).map_err(|e| Error::io(destination, e))?;
        Ok(self.record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::agefile::Recipients;
    use crate::secret::Secret;

    fn exported() -> ExportDocument {
        ExportDocument {
            document: Secret::new("{}".into()),
            fingerprints: Vec::new(),
            labels: Vec::new(),
            vault_fingerprint: "FZF7-EKDN-004C-Y7KP".parse().unwrap(),
        }
    }

    fn to_recipient() -> (Encryption, String) {
        let (_, public) = agefile::new_identity();
        let mut recipients = Recipients::default();
        recipients.add(&public).unwrap();
        (Encryption::Recipients(recipients), public)
    }

    /// The record comes from what was encrypted, and only once the file is written: a
    /// file in the way gives no record at all.
    #[test]
    fn an_export_is_recorded_only_once_written_and_as_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.age");
        let (encryption, public) = to_recipient();
        let outgoing = Outgoing::export(&exported(), &encryption, false, &path).unwrap();
        let ChangeRequest::RecordBackup {
            kind, recipients, ..
        } = outgoing.write(false).unwrap()
        else {
            panic!("an export records a backup");
        };
        assert_eq!((kind, recipients), (BackupKind::Export, vec![public]));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = Outgoing::export(&exported(), &encryption, false, &path).unwrap();
        assert!(again.write(false).is_err());
        let mut sent = Vec::new();
        let again = Outgoing::export(&exported(), &encryption, true, &path).unwrap();
        let send = |bytes: &[u8]| {
            sent.extend_from_slice(bytes);
            Ok(())
        };
        again.send("stdout", send).unwrap();
        assert!(sent.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    }
}

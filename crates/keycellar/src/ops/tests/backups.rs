//! The backup use cases called as a front end calls them, with no command line: what they
//! write, what they record, what they refuse, and what they show.

use super::super::*;
use super::vault_at;
use crate::backup::agefile::{Encryption, Identities, NoPrompts, Recipients, new_identity};
use crate::backup::paper::notes::Note;
use crate::backup::paper::pdf::Paper;
use crate::backup::paper::sheet::SheetKey;
use crate::error::{Error, InputError};
use crate::vault::Passphrase;
use crate::vault::merge::Read;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Remembers the steps it was shown (and runs each), and the files it was told were written
/// and not recorded.
#[derive(Default)]
struct Watching(RefCell<Vec<Working>>, RefCell<Vec<PathBuf>>);

impl Ui for Watching {
    fn working(&self, working: Working, step: Step) {
        self.0.borrow_mut().push(working);
        step(&|_| {})
    }

    fn tell(&self, _note: &Note) {}

    fn not_recorded(&self, written: &[PathBuf]) {
        self.1.borrow_mut().extend_from_slice(written);
    }
}

/// A session whose changes fail: an agent that locked between a backup's two requests, and
/// no passphrase to fall back on.
struct NoChange<'a>(LocalSession<'a>);

impl Session for NoChange<'_> {
    type Error = Error;

    fn run<R: Reply>(&self, request: VaultRequest) -> Result<R, Error> {
        match request {
            VaultRequest::Change { .. } => Err(Error::Internal("no change here".into())),
            reading => self.0.run(reading),
        }
    }

    fn vault(&self) -> &Path {
        self.0.vault()
    }
}

/// A new identity, and encryption to its recipient.
fn to_a_new_recipient() -> (zeroize::Zeroizing<String>, Encryption) {
    let (identity, public) = new_identity();
    let mut recipients = Recipients::default();
    recipients.add(&public).unwrap();
    (identity, Encryption::Recipients(recipients))
}

/// An export of every entry to `output`, in binary age.
fn every_entry<'a>(encryption: &'a Encryption, output: &'a Path) -> ExportPlan<'a> {
    ExportPlan {
        labels: Vec::new(),
        encryption,
        armor: false,
        output,
    }
}

/// An export made through a session is written, recorded in the vault, and reads back
/// equal to the vault.
#[test]
fn an_export_is_written_recorded_and_reads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    let passphrase = vault_at(&vault);
    let mut unlock = Passphrase(&passphrase);
    let session = LocalSession::new(&vault, &mut unlock);
    let (identity, encryption) = to_a_new_recipient();
    let output = dir.path().join("e.age");
    let plan = every_entry(&encryption, &output);
    let files = Destination::Files { overwrite: false };
    let report = export(&session, plan, files, &Silent).unwrap();
    assert_eq!(report.labels, ["bot"]);
    let reply::Status { report } = session.run(VaultRequest::Status {}).unwrap();
    assert!(report.in_no_backup.is_empty(), "the export is recorded");
    let mut identities = Identities::with_prompts(Arc::new(NoPrompts));
    identities
        .add_bytes(identity.as_bytes(), "identity")
        .unwrap();
    let imported = ExportFile::read(&output)
        .unwrap()
        .open(&identities)
        .unwrap();
    let compared = compare_backup(&session, imported.entries, Read::Everything, "e").unwrap();
    assert!(compared.outcome().is_ok());
}

/// A sheet is never written over the vault, even when asked to replace what is there:
/// nothing is recorded and the vault is as it was. Written elsewhere, it shows its two
/// slow steps.
#[test]
fn a_sheet_is_never_written_over_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    let passphrase = vault_at(&vault);
    let before = std::fs::read(&vault).unwrap();
    let mut unlock = Passphrase(&passphrase);
    let session = LocalSession::new(&vault, &mut unlock);
    let (_, encryption) = to_a_new_recipient();
    let plan = |output| PrintPlan {
        labels: Vec::new(),
        key: SheetKey::To(&encryption),
        paper: Paper::A4,
        parity_pages: None,
        output,
        share_dir: None,
    };
    let overwrite = Destination::Files { overwrite: true };
    let refused = print(&session, plan(&vault), overwrite, &Silent).err();
    assert!(
        matches!(
            refused,
            Some(Error::Input(InputError::OutputIsVault { .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&vault).unwrap(), before);
    let watching = Watching::default();
    let sheet = dir.path().join("s.pdf");
    let overwrite = Destination::Files { overwrite: false };
    let report = print(&session, plan(&sheet), overwrite, &watching).unwrap();
    assert!(report.shares.is_empty() && sheet.exists());
    let steps = watching.0.take();
    assert_eq!(steps, [Working::EncryptingSheet, Working::DrawingCodes]);
}

/// A backup written that the vault then does not record fails with why, and its front end
/// is told which files are there: nothing counts them.
#[test]
fn a_backup_written_and_not_recorded_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    let passphrase = vault_at(&vault);
    let mut unlock = Passphrase(&passphrase);
    let session = NoChange(LocalSession::new(&vault, &mut unlock));
    let (_, encryption) = to_a_new_recipient();
    let output = dir.path().join("e.age");
    let plan = every_entry(&encryption, &output);
    let watching = Watching::default();
    let files = Destination::Files { overwrite: false };
    assert!(export(&session, plan, files, &watching).is_err());
    assert!(output.exists());
    assert_eq!(watching.1.take(), [output]);
    let reply::Status { report } = session.run(VaultRequest::Status {}).unwrap();
    assert_eq!(report.in_no_backup.len(), 1, "nothing was recorded");
}

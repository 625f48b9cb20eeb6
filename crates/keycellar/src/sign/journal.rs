//! The journal (docs/SIGNING.md section 6): one JSON line per signature, refusal or error,
//! appended with one `write` to a 0600 file opened with `O_APPEND`. It holds what was asked
//! and what came of it, never a secret, a signature or a header.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An open journal.
pub struct Journal {
    file: Mutex<File>,
    path: PathBuf,
}

/// One line of the journal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// RFC 3339 UTC with milliseconds.
    pub time: String,
    /// The client's process id, from the socket's peer credentials.
    pub pid: Option<i32>,
    pub label: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    /// Hex SHA-256 of what was signed over (docs/SIGNING.md).
    pub body_sha256: Option<String>,
    /// `signed`, `refused` or `error`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Journal {
    /// Opens (creating it 0600 if missing) the journal at `path`, without following a link;
    /// refuses a file that is not a regular file of this user.
    pub fn open(path: &Path) -> Result<Journal> {
        let cannot = |e| Error::io(format!("cannot open the journal {}", path.display()), e);
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            // Without blocking: a FIFO planted at the path is refused below, never waited on.
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
            .map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        if !meta.is_file() || meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(cannot(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "not a regular file of this user",
            )));
        }
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(cannot)?;
        Ok(Journal {
            file: Mutex::new(file),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line, in one write.
    pub(super) fn append(&self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)
    }
}

/// The records of the journal at `path` for `label` (every label with `None`), oldest first.
/// Lines that are not records (a line cut short by a power loss) are skipped and counted.
pub fn read(path: &Path, label: Option<&str>) -> Result<(Vec<Record>, usize)> {
    let cannot = |e| Error::io(format!("cannot read the journal {}", path.display()), e);
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(cannot)?;
    if !file.metadata().map_err(cannot)?.is_file() {
        let not_file = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
        return Err(cannot(not_file));
    }
    let reader = std::io::BufReader::new(file);
    let mut records = Vec::new();
    let mut skipped = 0;
    for line in reader.lines() {
        match serde_json::from_str::<Record>(&line.map_err(cannot)?) {
            Ok(record) if label.is_none() || record.label.as_deref() == label => {
                records.push(record)
            }
            Ok(_) => {}
            Err(_) => skipped += 1,
        }
    }
    Ok((records, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_append_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let journal = Journal::open(&path).unwrap();
        let record = Record {
            time: "2026-01-01T00:00:00.000Z".into(),
            label: Some("a".into()),
            outcome: "signed".into(),
            ..Record::default()
        };
        journal.append(&record).unwrap();
        journal
            .append(&Record {
                label: Some("b".into()),
                ..record.clone()
            })
            .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"cut")
            .unwrap();
        let (records, skipped) = read(&path, Some("a")).unwrap();
        assert_eq!((records, skipped), (vec![record], 1));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "").unwrap();
        let link = dir.path().join("journal");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(Journal::open(&link).is_err());
    }
}

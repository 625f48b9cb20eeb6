//! Where a document the user asked for goes: a file (checked before any work, written
//! atomically, never over the vault when it is a backup) or standard output (never
//! `/dev/null`, where it would be lost).

use super::STDOUT;
use crate::cli::report::Result;
use keycellar::Error;
use keycellar::vault::store;
use std::io::Write as _;
use std::path::Path;

/// True for `-o -`: the document goes to standard output.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

/// Checks, before any work, that a document can go to `path` (see [`write_document`]).
pub fn check_destination(path: &Path, force: bool) -> Result<()> {
    if is_stdout(path) {
        return Ok(());
    }
    Ok(store::check_output(path, force)?)
}

/// [`check_destination`] for a backup of the vault at `vault`, which is never written over
/// the vault or the files kept beside it.
pub fn check_backup_destination(path: &Path, force: bool, vault: &Path) -> Result<()> {
    if !is_stdout(path) {
        store::check_not_vault(path, vault)?;
    }
    check_destination(path, force)
}

/// Writes a document the user asked for: to standard output for `-`, else to a private
/// file written atomically (a pipe is written into; nothing else is ever replaced).
pub fn write_document(path: &Path, bytes: &[u8], force: bool) -> keycellar::Result<()> {
    if !is_stdout(path) {
        return store::write_file(path, bytes, force);
    }
    to_stdout(bytes).map_err(|e| Error::io(STDOUT, e))
}

/// Writes a document's bytes to standard output.
pub fn to_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    // A closed standard output is /dev/null by the time main runs (Rust's start-up opens
    // it there): a backup sent to it would be lost, and yet recorded in the vault.
    if is_null_device(&rustix::fs::fstat(&stdout)?) {
        return Err(std::io::Error::other(
            "it is /dev/null (or was closed), where the document would be lost",
        ));
    }
    let mut stdout = stdout.lock();
    stdout.write_all(bytes).and_then(|()| stdout.flush())
}

/// Whether `stat` is of the null device (character device 1:3 on Linux).
fn is_null_device(stat: &rustix::fs::Stat) -> bool {
    let file_type = rustix::fs::FileType::from_raw_mode(stat.st_mode);
    file_type == rustix::fs::FileType::CharacterDevice
        && rustix::fs::major(stat.st_rdev) == 1
        && rustix::fs::minor(stat.st_rdev) == 3
}

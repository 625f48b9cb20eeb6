//! What someone else plants where keycellar writes: a link or a named pipe at the name of a
//! split's share (a name the user never typed) is refused before anything is written, so
//! a share never goes over the vault or into another reader's pipe; a sheet whose path is a
//! link to one of its shares is refused as the shares' clash with the sheet; and a backup
//! sent to a closed standard output (which is /dev/null by the time keycellar runs) fails
//! and is not recorded in the vault.

use crate::common::*;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

/// `print -o sheet.pdf --split 2-of-2 --force` in the vault's directory.
fn print_split(tv: &TestVault) -> std::process::Output {
    let sheet = tv.dir.path().join("sheet.pdf");
    tv.cmd()
        .args(["print", "-o", sheet.to_str().unwrap(), "--split", "2-of-2"])
        .arg("--force")
        .output()
        .unwrap()
}

fn refused(out: &std::process::Output, says: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
    assert!(
        stderr.contains("--share-dir"),
        "the hint names a way out: {stderr}"
    );
}

#[test]
fn a_link_at_a_share_name_is_refused_and_the_vault_is_untouched() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let before = tv.bytes();
    symlink(&tv.vault, tv.dir.path().join("share-1-of-2.pdf")).unwrap();
    refused(&print_split(&tv), "is a symbolic link");
    assert_eq!(tv.bytes(), before);
    assert!(!tv.dir.path().join("sheet.pdf").exists());
    assert!(!tv.dir.path().join("share-2-of-2.pdf").exists());
}

#[test]
fn a_pipe_at_a_share_name_is_refused_and_nothing_is_written_into_it() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let pipe = tv.dir.path().join("share-1-of-2.pdf");
    run(tool("mkfifo").arg(&pipe));
    // A reader, as someone collecting shares would have: if keycellar wrote into the pipe,
    // the print would succeed and this would hold the share.
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || fs::read(&pipe).unwrap())
    };
    refused(&print_split(&tv), "is a named pipe");
    // Nothing was written: open the pipe for writing and close it, so the reader ends.
    drop(fs::OpenOptions::new().write(true).open(&pipe).unwrap());
    assert!(reader.join().unwrap().is_empty());
    assert!(!tv.dir.path().join("sheet.pdf").exists());
}

#[test]
fn a_sheet_that_is_a_link_to_one_of_its_shares_is_refused() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let share = tv.dir.path().join("share-1-of-2.pdf");
    fs::write(&share, "an older share").unwrap();
    symlink("share-1-of-2.pdf", tv.dir.path().join("sheet.pdf")).unwrap();
    let out = print_split(&tv);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the sheet's own path"), "{stderr}");
    assert_eq!(fs::read_to_string(&share).unwrap(), "an older share");
}

#[test]
fn a_backup_sent_to_a_closed_standard_output_is_not_recorded() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let (_, recipient) = age_identity(tv.dir.path(), "key.txt");
    let status = || tv.json(&["status"]).to_string();
    let before = status();
    let keycellar = assert_cmd::cargo::cargo_bin("keycellar");
    let script = format!(
        "exec \"$0\" --vault {} --passphrase-file {} export -o - -r {recipient} >&-",
        quoted_path(&tv.vault),
        quoted_path(&tv.pass_file),
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .arg(&keycellar)
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .env_remove("KEYCELLAR_VAULT")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(status(), before, "no export was recorded");
}

/// `path` for a shell command line, in single quotes.
fn quoted_path(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

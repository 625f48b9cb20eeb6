//! scrypt, the costliest step of a passphrase backup. Under an address-space limit: age
//! allocated its memory (256 MiB at work factor 18) in one piece, and a failed allocation
//! there aborted the process (exit 134, with a backtrace); keycellar now computes scrypt
//! itself and asks for that memory fallibly, so at every limit, each command that runs
//! scrypt must succeed or fail with `kdf_out_of_memory` (exit 1), like the Argon2id step. And in all: one restore does a bounded scrypt work, however many
//! passphrase files it reads.

use super::*;
use crate::common::paper::pdf_text;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

#[test]
fn scrypt_fails_cleanly_at_every_memory_limit() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let pass = tv.file("backup-pass", "backup-Tn5Vb7Kc3Hj1-passphrase\n");
    let pass = pass.to_str().unwrap();
    let path = |name: &str| tv.dir.path().join(name).display().to_string();
    let (export, sheet) = (path("p.age"), path("sheet.pdf"));
    for args in [
        &["export", "--passphrase", "-o", &export][..],
        &["print", "-o", &sheet],
    ] {
        tv.cmd()
            .args(args)
            .args(["--backup-passphrase-file", pass])
            .assert()
            .success();
    }
    let typed = tv.file("sheet.txt", &pdf_text(sheet.as_ref(), &["-layout"]));
    let typed = typed.to_str().unwrap();
    let limits = [320, 384, 448, 512, 640, 768, 1024];
    for command in ["export", "import", "print", "restore"] {
        let mut outcomes = Vec::new();
        for mib in limits {
            let (out_export, out_sheet) =
                (path(&format!("{mib}.age")), path(&format!("{mib}.pdf")));
            let args: Vec<&str> = match command {
                "export" => vec!["export", "--passphrase", "-o", &out_export],
                "import" => vec!["import", &export, "--dry-run"],
                "print" => vec!["print", "-o", &out_sheet],
                _ => vec!["restore", "--text", typed, "--dry-run"],
            };
            let mut args = args;
            args.extend(["--backup-passphrase-file", pass]);
            let out = limited_to(&tv, mib, &args);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{command} at {mib} MiB ended with {:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            if code != Some(0) {
                let (code, kind, message) = failure(&out);
                assert_eq!(
                    (code, kind.as_str()),
                    (1, "kdf_out_of_memory"),
                    "{command} at {mib} MiB: {message}"
                );
                assert!(message.contains("scrypt needs 256 MiB"), "{message}");
            }
            outcomes.push(code == Some(0));
        }
        // The sweep reaches both sides: too little memory, and enough.
        assert_eq!(outcomes.first(), Some(&false), "{command}: {outcomes:?}");
        assert_eq!(outcomes.last(), Some(&true), "{command}: {outcomes:?}");
    }
}

/// An age file to a passphrase nobody knows: a scrypt stanza with a random salt and body,
/// which makes anyone who tries a passphrase on it run scrypt.
fn scrypt_file(seed: u8) -> Vec<u8> {
    let salt = STANDARD_NO_PAD.encode([seed; 16]);
    let body = STANDARD_NO_PAD.encode([seed ^ 0x5a; 32]);
    let mac = STANDARD_NO_PAD.encode([seed ^ 0xa5; 32]);
    let mut file =
        format!("age-encryption.org/v1\n-> scrypt {salt} 18\n{body}\n--- {mac}\n").into_bytes();
    file.extend([seed; 48]);
    file
}

#[test]
fn a_sheet_key_read_as_dozens_of_passphrase_files_costs_a_bounded_scrypt_work() {
    // Forty codes of the one-part sheet key, each a different passphrase file: before the
    // bound, forty scrypt runs of 256 MiB each; now at most sixteen's worth in all.
    let tv = TestVault::new();
    let base32 = |bytes: &[u8]| base32::encode(base32::Alphabet::Rfc4648 { padding: true }, bytes);
    let texts: Vec<String> = (1..=40u8)
        .map(|seed| code(Item::Key, 1, 1, base32(&scrypt_file(seed))))
        .collect();
    let images = code_images(&tv, "key", &texts);
    let mut args = vec!["--image"];
    args.extend(images.iter().map(|p| p.to_str().unwrap()));
    let (code, kind, message) = restore(&tv, &args);
    assert_eq!((code, kind.as_str()), (5, "kdf_out_of_bounds"), "{message}");
    assert!(
        message.contains("stopped trying the passphrase"),
        "{message}"
    );
}

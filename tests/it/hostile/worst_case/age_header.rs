//! age headers that cost age 0.12 time in the square of their lines (it parses the whole
//! header again after each line): refused by keycellar's own bounded look before age sees
//! them, in every place an age file is read (import, verify --backup, a typed sheet key).

use super::*;
use keycellar::backup::agefile::{MAX_HEADER_LEN, MAX_STANZAS};
use keycellar::backup::paper::codes::Item;
use keycellar::backup::paper::text;
use std::fs;
use std::io::Write;

/// An age file with `count` empty stanzas: 16,000 of them cost age 25 s, and anyone can
/// make one without any key.
fn many_stanzas(count: usize) -> Vec<u8> {
    let mut file = b"age-encryption.org/v1\n".to_vec();
    for _ in 0..count {
        file.extend(b"-> X\n\n");
    }
    file.extend(b"--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    file.extend([0u8; 64]);
    file
}

/// One stanza whose body runs past the header bound, in full 64-character lines.
fn long_header() -> Vec<u8> {
    let mut file = b"age-encryption.org/v1\n-> X25519 AAAA\n".to_vec();
    let line = format!("{}\n", "A".repeat(64));
    file.extend(line.repeat(MAX_HEADER_LEN / 64 * 4).bytes());
    file.extend(b"\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    file
}

fn armored(file: &[u8]) -> Vec<u8> {
    use age::armor::{ArmoredWriter, Format};
    let mut out = Vec::new();
    let mut writer = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).unwrap();
    writer.write_all(file).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn oversized_age_headers_are_refused_before_age_parses_them() {
    let (tv, id, _) = vault_with_identity();
    let cases = [
        ("stanzas.age", many_stanzas(16_000), "stanzas"),
        ("armored.age", armored(&many_stanzas(16_000)), "stanzas"),
        ("just-over.age", many_stanzas(MAX_STANZAS + 1), "stanzas"),
        ("long.age", long_header(), "bytes"),
        ("long-armored.age", armored(&long_header()), "bytes"),
    ];
    for (name, bytes, why) in cases {
        let path = tv.dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let path = path.to_str().unwrap();
        for args in [
            &["import", path, "-i", &id, "--dry-run"][..],
            &["verify", "--backup", path, "-i", &id],
        ] {
            let (code, kind, message) = refused(&tv, args);
            assert_eq!((code, kind.as_str()), (5, "damaged_backup"), "{args:?}");
            assert!(
                message.contains("is refused: its age header") && message.contains(why),
                "{args:?}: {message}"
            );
        }
    }
    // A header within the bounds is age's to judge, and fast to judge.
    let within = tv.dir.path().join("within.age");
    fs::write(&within, many_stanzas(MAX_STANZAS)).unwrap();
    let (code, kind, _) = refused(&tv, &["import", within.to_str().unwrap(), "-i", &id]);
    assert_eq!((code, kind.as_str()), (3, "no_matching_identity"));
}

#[test]
fn a_typed_sheet_key_with_many_stanzas_is_refused_the_same_way() {
    let tv = TestVault::new();
    // A thousand stanzas: 140 typed lines, within the 999 lines an item may have.
    let key = base32::encode(
        base32::Alphabet::Rfc4648 { padding: true },
        &many_stanzas(1_000),
    );
    let mut typed = text::render(Item::Key, &key, "sheet key").join("\n");
    typed.push('\n');
    let sheet = tv.file("sheet.txt", &typed);
    let pass = tv.file("sheet-pass", "sheet-Xk4Pz9Qm2Rv7-passphrase\n");
    let (code, kind, message) = refused(
        &tv,
        &[
            "restore",
            "--text",
            sheet.to_str().unwrap(),
            "--backup-passphrase-file",
            pass.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert_eq!((code, kind.as_str()), (5, "damaged_backup"), "{message}");
    assert!(
        message.contains("more than 256 recipient stanzas"),
        "{message}"
    );
}

//! Files and text made by an attacker, and children that go looking: every untrusted input
//! has a bound checked before the costly step (each bound is tried here under a 1.5 GiB
//! address-space limit and must end in a clear error, exit 5 or 1; `worst_case` builds the
//! input that costs each parser most); stored text cannot drive the terminal; a failed
//! write to stdout is an error, not a panic; and `exec`'s child inherits neither the
//! passphrase descriptor nor a stdin that carried a secret.

use crate::common::*;
use predicates::prelude::*;
use std::fs;
use std::path::Path;
use std::process::Command;

mod worst_case;

/// `keycellar ARGS` for `tv` under a 1.5 GiB address-space limit.
fn limited(tv: &TestVault, args: &[&str]) -> std::process::Output {
    limited_to(tv, 1536, args)
}

/// `keycellar --json ARGS` for `tv` under an address-space limit of `mib` MiB. A run that
/// outlives the backstop (ten minutes, far beyond any bound here) is killed and fails its
/// test with exit 124; no test measures time.
fn limited_to(tv: &TestVault, mib: u64, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec timeout 600 \"$0\" \"$@\"",
            mib * 1024
        ))
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .arg("--json")
        .args(args)
        .output()
        .unwrap()
}

/// The error document of a failed run: its exit code and kind.
fn failure(out: &std::process::Output) -> (i32, String, String) {
    let doc: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|_| panic!("not a JSON error: {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code().unwrap(),
        doc["error"]["kind"].as_str().unwrap().to_string(),
        doc["error"]["message"].as_str().unwrap().to_string(),
    )
}

fn sparse(path: &Path, len: u64) {
    fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn oversized_files_are_refused_before_they_are_read() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let id = tv.dir.path().join("id.txt");
    let out = tv.cmd().args(["keygen", "-o"]).arg(&id).assert().success();
    let recipient = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let export = tv.dir.path().join("e.age");
    tv.cmd()
        .args(["export", "-r", recipient.trim(), "-o"])
        .arg(&export)
        .assert()
        .success();
    let export = export.to_str().unwrap();
    let big = tv.dir.path().join("big");
    sparse(&big, 8 << 30);
    let big = big.to_str().unwrap();
    let id = id.to_str().unwrap();
    for args in [
        &["import", big, "-i", id][..],
        &["restore", "--text", big, "-i", id],
        &["restore", "--image", big, "-i", id],
        &["export", "-o", "x.age", "-R", big],
        &["import", export, "-i", big],
    ] {
        let (code, kind, message) = failure(&limited(&tv, args));
        assert_eq!(
            (code, kind.as_str()),
            (1, "bad_input"),
            "{args:?}: {message}"
        );
        assert!(message.contains("larger than keycellar reads"), "{message}");
    }
    // A vault path naming a huge file.
    let huge = TestVault::empty();
    sparse(&huge.vault, 8 << 30);
    let (code, _, message) = failure(&limited(&huge, &["list"]));
    assert_eq!(code, 1, "{message}");
    assert!(message.contains("larger than keycellar reads"), "{message}");
}

/// A PNG whose header claims `width` x `height` grey pixels, with almost no data.
fn claimed_png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(data);
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&out[start..]);
        out.extend(crc.to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = width.to_be_bytes().to_vec();
    header.extend(height.to_be_bytes());
    header.extend([8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    // An empty zlib stream: the decoder fails later, if it ever gets that far.
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn a_huge_image_is_refused_by_its_header() {
    let tv = TestVault::new();
    let png = tv.dir.path().join("huge.png");
    fs::write(&png, claimed_png(23_000, 23_000)).unwrap();
    let png = png.to_str().unwrap();
    for args in [
        &[
            "restore",
            "--image",
            png,
            "--backup-passphrase-file",
            "pass",
        ][..],
        &["add", "k", "--qr", png],
    ] {
        let (code, kind, message) = failure(&limited(&tv, args));
        assert_eq!((code, kind.as_str()), (1, "bad_input"), "{message}");
        assert!(message.contains("529000000 pixels"), "{message}");
    }
    // The PDF itself, given as a scan, is named as such with the command that renders it.
    let pdf = tv.file("sheet.pdf", "%PDF-1.7\n");
    let out = limited(
        &tv,
        &["restore", "--image", pdf.to_str().unwrap(), "-i", "x"],
    );
    assert!(
        failure(&out).2.contains("pdftoppm -r 300"),
        "{:?}",
        failure(&out)
    );
}

#[test]
fn an_age_file_asking_for_too_much_scrypt_work_is_refused_at_once() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let backup_pass = tv.file("backup-pass", "backup-Tn5Vb7Kc3Hj1-passphrase\n");
    let export = tv.dir.path().join("p.age");
    tv.cmd()
        .args(["export", "--passphrase", "-o"])
        .arg(&export)
        .arg("--backup-passphrase-file")
        .arg(&backup_pass)
        .assert()
        .success();
    // The scrypt stanza names its work factor in clear: ask for 2^22 (4 GiB).
    let file = fs::read(&export).unwrap();
    let text = String::from_utf8_lossy(&file[..120]).to_string();
    let stanza = text.lines().find(|l| l.starts_with("-> scrypt ")).unwrap();
    let costly = stanza.replace(" 18", " 22");
    let mut edited = file.clone();
    let at = file
        .windows(stanza.len())
        .position(|w| w == stanza.as_bytes())
        .unwrap();
    edited.splice(at..at + stanza.len(), costly.bytes());
    let costly_file = tv.dir.path().join("costly.age");
    fs::write(&costly_file, edited).unwrap();
    let args = [
        "import",
        costly_file.to_str().unwrap(),
        "--backup-passphrase-file",
        backup_pass.to_str().unwrap(),
    ];
    let out = limited(&tv, &args);
    let (code, kind, message) = failure(&out);
    assert_eq!((code, kind.as_str()), (5, "kdf_out_of_bounds"), "{message}");
    assert!(
        message.contains("work factor 22") && message.contains("up to 20"),
        "{message}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--max-work-factor")
    );
}

#[test]
fn a_header_asking_for_too_much_argon2_work_in_total_is_refused_before_any() {
    use keycellar::kdf::KdfParams;
    use keycellar::vault::format::keyslot::PassphraseSlot;
    use keycellar::vault::format::{Header, encode_header, keyslot::Keyslot};
    // 32 slots at 1 GiB and 16 passes each: each is allowed, together they are not.
    let slot = PassphraseSlot {
        params: KdfParams {
            memory_kib: 1 << 20,
            time: 16,
            parallelism: 4,
        },
        salt: vec![7; 32],
        nonce: [1; 24],
        wrapped_key: [2; 48],
    };
    let header = Header {
        vault_id: [3; 16],
        generation: 1,
        payload_nonce: [4; 24],
        keyslots: vec![Keyslot::Passphrase(slot); 32],
    };
    let sealed = vec![5u8; 64];
    let mut file = encode_header(&header, sealed.len() as u64);
    file.extend(&sealed);
    let trailer = keycellar::crypto::sha256(&[&file]);
    file.extend(trailer);
    let tv = TestVault::empty();
    fs::write(&tv.vault, &file).unwrap();
    let (code, kind, message) = failure(&limited(&tv, &["list"]));
    assert_eq!((code, kind.as_str()), (5, "kdf_out_of_bounds"), "{message}");
    assert!(message.contains("over all keyslots"), "{message}");
}

#[test]
fn stored_text_cannot_drive_the_terminal() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let note = "paid \u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e}txt.exe";
    tv.cmd()
        .args([
            "edit",
            "bot",
            "--note",
            note,
            "--add-used-by",
            "app\u{1b}[31m",
        ])
        .assert()
        .success();
    for args in [&["show", "bot"][..], &["list"], &["history", "bot"]] {
        let out = tv
            .cmd()
            .args(args)
            .arg("--color")
            .arg("never")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
            "{args:?}: {text:?}"
        );
    }
    let shown = tv.stdout(&["show", "bot"]);
    assert!(shown.contains("paid \\u{1b}[2J"), "{shown}");
    // JSON keeps the exact value.
    assert_eq!(tv.json(&["show", "bot"])["notes"], note);
    // Labels refuse invisible characters, naming where.
    tv.add_kraken("bo\u{200b}t")
        .code(1)
        .stderr(predicate::str::contains("U+200B) at position 3"));
}

#[test]
fn a_failed_write_to_stdout_is_an_error_not_a_panic() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let pass = tv.pass_file.to_str().unwrap();
    for args in [
        "list",
        "show bot",
        "status",
        "audit",
        "verify",
        "fingerprint",
        "history bot",
        "completions bash",
        "keygen -o -",
        &format!("print -o - --backup-passphrase-file {pass}"),
        "--json list",
    ] {
        let script = format!(
            "'{}' --vault '{}' --passphrase-file '{pass}' {args} > /dev/full",
            assert_cmd::cargo::cargo_bin("keycellar").display(),
            tv.vault.display()
        );
        let out = sh(&script);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "{args}: {stderr}"
        );
    }
}

#[test]
fn exec_gives_the_child_neither_the_passphrase_descriptor_nor_a_secret_stdin() {
    let tv = TestVault::new();
    tv.add_kraken("bot").success();
    let bin = assert_cmd::cargo::cargo_bin("keycellar");
    // The child reads every descriptor it inherited, and its stdin from the start.
    let child = "for fd in /proc/self/fd/*; do case ${fd##*/} in 1|2) continue;; esac; \
                 timeout 2 cat \"$fd\" 2>/dev/null; done; \
                 timeout 2 python3 -c 'import os,sys; os.lseek(0,0,0); \
                 sys.stdout.write(os.read(0,4096).decode())' 2>/dev/null; true";
    let user = format!("KEYCELLAR_TEST_USER_DIRS='{}'", tv.user.path().display());
    let through_fd = format!(
        "{user} '{}' --vault '{}' --passphrase-fd 3 exec bot -- sh -c '{}' 3< '{}'",
        bin.display(),
        tv.vault.display(),
        child.replace('\'', "'\\''"),
        tv.pass_file.display()
    );
    let through_stdin = format!(
        "{user} '{}' --vault '{}' --passphrase-file - exec bot -- sh -c '{}' < '{}'",
        bin.display(),
        tv.vault.display(),
        child.replace('\'', "'\\''"),
        tv.pass_file.display()
    );
    for script in [through_fd, through_stdin] {
        let out = sh(&script);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let seen = String::from_utf8_lossy(&out.stdout);
        assert!(
            !seen.contains(PASSPHRASE),
            "the child read the passphrase: {script}"
        );
    }
}

#[test]
fn a_passphrase_file_others_can_read_is_warned_about() {
    let tv = TestVault::new();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&tv.pass_file, fs::Permissions::from_mode(0o644)).unwrap();
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "can be read by other users (mode 0644)",
        ));
}

//! `print --split 3-of-5`: the data sheet without its key and five share PDFs. Through
//! real peers (pdftoppm renders read back by keycellar, pdftotext copies): every 3 shares
//! with the data sheet restore the golden fixture exactly, from scans and from typed text,
//! in any order; every 2 say one more is needed; the data sheet alone says 3 are needed;
//! a share of another split is refused by name; a mistyped character in a share's line is
//! caught by its check and mended. Shares printed with a passphrase open with it alone: a
//! forged share another passphrase opens is set aside, and one encrypted to the user's own
//! identity is never opened with it.

use crate::common::paper::*;
use crate::common::*;
use keycellar::backup::agefile::{self, Encryption};
use keycellar::passphrase::{NewPassphrase, Purpose};
use keycellar::secret::Secret;
use std::fs;
use std::path::{Path, PathBuf};

struct Split {
    tv: TestVault,
    sheet: PathBuf,
    shares: Vec<PathBuf>,
}

fn split(tv: TestVault, name: &str) -> Split {
    let dir = tv.dir.path().join(name);
    fs::create_dir_all(&dir).unwrap();
    let sheet = dir.join("sheet.pdf");
    let report = tv.json(&["print", "-o", sheet.to_str().unwrap(), "--split", "3-of-5"]);
    assert_eq!(report["split"], "3-of-5");
    let shares: Vec<PathBuf> = (1..=5)
        .map(|x| dir.join(format!("share-{x}-of-5.pdf")))
        .collect();
    for share in &shares {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(share).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", share.display());
        let info = text_of(tool("pdfinfo").arg(share));
        assert!(
            info.lines()
                .any(|l| l.starts_with("Pages:") && l.ends_with(" 1")),
            "{info}"
        );
        let text = pdf_text(share, &["-layout"]);
        assert!(text.contains("3 needed") && text.contains(report["sheet"].as_str().unwrap()));
    }
    Split { tv, sheet, shares }
}

fn fixture() -> TestVault {
    let tv = TestVault::empty();
    fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vault-v1.kc"),
        &tv.vault,
    )
    .unwrap();
    fs::write(&tv.pass_file, format!("{FIXTURE_PASSPHRASE}\n")).unwrap();
    tv
}

fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    (0u32..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
        .collect()
}

/// `verify --paper` of the pages and shares given: compares with the vault, writes nothing.
fn verify(tv: &TestVault, source: &[&str], files: &[PathBuf]) -> std::process::Output {
    tv.cmd()
        .args(["verify", "--paper"])
        .args(source)
        .args(files)
        .output()
        .unwrap()
}

fn typed(split: &Split, dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let write = |pdf: &Path, name: &str| {
        let path = dir.join(name);
        fs::write(&path, pdf_text(pdf, &["-layout"])).unwrap();
        path
    };
    let sheet = write(&split.sheet, "sheet.txt");
    let shares = (0..5)
        .map(|i| write(&split.shares[i], &format!("share{}.txt", i + 1)))
        .collect();
    (sheet, shares)
}

#[test]
fn every_three_shares_restore_and_two_never_do() {
    let split = split(fixture(), "a");
    let tv = &split.tv;
    let dir = tv.dir.path().join("read");
    let sheet_scans = render(&split.sheet, 150, &dir.join("sheet"));
    let share_scans: Vec<Vec<PathBuf>> = (0..5)
        .map(|i| render(&split.shares[i], 150, &dir.join(format!("share{i}"))))
        .collect();
    let (sheet_text, share_texts) = typed(&split, &dir);

    for subset in subsets(5, 3) {
        // Shares first, then the data pages: any order is read.
        let mut scans: Vec<PathBuf> = subset
            .iter()
            .flat_map(|&i| share_scans[i].clone())
            .collect();
        scans.extend(sheet_scans.iter().cloned());
        let out = tv
            .cmd()
            .args(["verify", "--paper"])
            .args(&scans)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{subset:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut texts: Vec<PathBuf> = subset.iter().map(|&i| share_texts[i].clone()).collect();
        texts.push(sheet_text.clone());
        let out = verify(tv, &["--text"], &texts);
        assert!(
            out.status.success(),
            "{subset:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for subset in subsets(5, 2) {
        let numbers: Vec<String> = subset.iter().map(|i| (i + 1).to_string()).collect();
        let read = format!(
            "2 shares were read (number {}); 1 more is needed",
            numbers.join(", ")
        );
        let mut texts: Vec<PathBuf> = subset.iter().map(|&i| share_texts[i].clone()).collect();
        texts.push(sheet_text.clone());
        let mut scans: Vec<PathBuf> = sheet_scans.clone();
        scans.extend(subset.iter().flat_map(|&i| share_scans[i].clone()));
        for out in [verify(tv, &["--text"], &texts), verify(tv, &[], &scans)] {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{subset:?}: {stderr}");
            assert!(stderr.contains(&read), "{subset:?}: {stderr}");
        }
    }
    let out = verify(tv, &["--text"], std::slice::from_ref(&sheet_text));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("split 3-of-5: 0 shares were read (none); 3 more are needed"),
        "{stderr}"
    );

    // A real restore into a new vault: the fixture comes back exactly.
    let files = vec![
        share_texts[4].clone(),
        sheet_text,
        share_texts[0].clone(),
        share_texts[2].clone(),
    ];
    let target = TestVault::empty();
    target
        .cmd()
        .args(["restore", "--init"])
        .args(FAST_KDF)
        .arg("--text")
        .args(&files)
        .assert()
        .success();
    assert_eq!(contents(&target).1, FIXTURE_FINGERPRINT);
}

#[test]
fn a_share_of_another_split_is_refused_and_a_typo_is_mended() {
    let first = split(fixture(), "a");
    let second = split(fixture(), "b");
    let dir = first.tv.dir.path().join("read");
    fs::create_dir_all(&dir).unwrap();
    let (sheet_text, share_texts) = typed(&first, &dir);
    let other_dir = first.tv.dir.path().join("other");
    fs::create_dir_all(&other_dir).unwrap();
    let (_, other_texts) = typed(&second, &other_dir);

    let mixed = vec![
        sheet_text.clone(),
        share_texts[0].clone(),
        share_texts[1].clone(),
        other_texts[2].clone(),
    ];
    let out = verify(&first.tv, &["--text"], &mixed);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another split"), "{stderr}");

    // One character of share 2's first line typed wrongly: its check finds and mends it.
    let text = fs::read_to_string(&share_texts[1]).unwrap();
    let line = text.lines().find(|l| l.starts_with("S02 01 ")).unwrap();
    let data_at = "S02 01 ".len();
    let wrong = if &line[data_at..data_at + 1] == "A" {
        "B"
    } else {
        "A"
    };
    let mistyped = format!("{}{wrong}{}", &line[..data_at], &line[data_at + 1..]);
    let typo = dir.join("share2-typo.txt");
    fs::write(&typo, text.replace(line, &mistyped)).unwrap();
    let files = vec![
        sheet_text,
        share_texts[0].clone(),
        typo,
        share_texts[4].clone(),
    ];
    let out = verify(&first.tv, &["--text"], &files);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("mended") && stderr.contains("S02"),
        "{stderr}"
    );
}

/// `--share-passphrase`: each share is also an age file to a passphrase, so K holders
/// cannot combine their shares alone; with the passphrase they restore, with a wrong one
/// the restore says so (exit 3).
#[test]
fn shares_with_a_passphrase_need_it_to_combine() {
    let tv = fixture();
    let dir = tv.dir.path().join("p");
    fs::create_dir_all(&dir).unwrap();
    let sheet = dir.join("sheet.pdf");
    let pass = tv.file("share-pass", "share-Pq7Zx3Lw9Kv2-pass\n");
    tv.cmd()
        .args(["print", "-o", sheet.to_str().unwrap(), "--split", "2-of-3"])
        .arg("--share-passphrase")
        .arg("--backup-passphrase-file")
        .arg(&pass)
        .assert()
        .success();
    let typed = |name: &str| {
        let path = dir.join(format!("{name}.txt"));
        fs::write(
            &path,
            pdf_text(&dir.join(format!("{name}.pdf")), &["-layout"]),
        )
        .unwrap();
        path
    };
    let share_text = fs::read_to_string(typed("share-1-of-3")).unwrap();
    assert!(share_text.contains("also encrypted"), "{share_text}");
    let files = [typed("sheet"), typed("share-1-of-3"), typed("share-3-of-3")];
    // `verify --paper` of the files, and any `more`, with the share passphrase in `pass`.
    let with_more = |pass: &Path, more: &[&Path]| {
        tv.cmd()
            .args(["verify", "--paper", "--text"])
            .args(&files)
            .args(more)
            .arg("--backup-passphrase-file")
            .arg(pass)
            .output()
            .unwrap()
    };
    let with = |pass: &Path| with_more(pass, &[]);
    let out = with(&pass);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wrong = tv.file("wrong", "not-the-share-passphrase\n");
    assert_eq!(with(&wrong).status.code(), Some(3));
    // A page whose share another passphrase opens, beside the two the right one opens, is
    // set aside: a hostile page cannot end the restore with "wrong passphrase".
    let genuine = fs::read_to_string(typed("share-2-of-3")).unwrap();
    let (tag, _) = typed_share(&genuine);
    let other = NewPassphrase::typed(Secret::new("a forger's passphrase".into()), Purpose::Shares);
    let other = Encryption::Passphrase(other.accepting_weak(true));
    let forged = agefile::encrypt(&other, b"not a share", false).unwrap();
    let forged_page = dir.join("forged-share-2.txt");
    fs::write(&forged_page, with_typed_share(&genuine, &tag, &forged)).unwrap();
    let out = with_more(&pass, &[&forged_page]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let combined = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/vectors/combine_shares.py"
        ))
        .args(&files[1..])
        .output()
        .unwrap();
    assert!(
        !combined.status.success(),
        "encrypted shares are not share records"
    );
}

/// Shares are opened with the share passphrase alone: a share encrypted to the user's own
/// age identity (a forger needs only its public recipient) is not opened with `-i`, so a
/// hostile page cannot make an SSH key or a plugin ask its question, nor stand in for a
/// share; it is a share not read.
#[test]
fn a_share_encrypted_to_the_users_identity_is_not_opened_with_it() {
    let tv = fixture();
    let dir = tv.dir.path().join("i");
    fs::create_dir_all(&dir).unwrap();
    let sheet = dir.join("sheet.pdf");
    let args = ["print", "-o", sheet.to_str().unwrap(), "--split", "2-of-3"];
    tv.cmd().args(args).assert().success();
    let typed = |name: &str| pdf_text(&dir.join(format!("{name}.pdf")), &["-layout"]);
    let (identity, recipient) = age_identity(&dir, "user-key.txt");
    let genuine = typed("share-2-of-3");
    let (tag, record) = typed_share(&genuine);
    let record_file = dir.join("record");
    fs::write(&record_file, &record).unwrap();
    let to_user = run(tool("age").args(["-r", &recipient]).arg(&record_file));
    let files = [
        tv.file("sheet.txt", &typed("sheet")),
        tv.file("share-1.txt", &typed("share-1-of-3")),
        tv.file("forged.txt", &with_typed_share(&genuine, &tag, &to_user)),
    ];
    let pass = tv.file("share-pass", "any passphrase\n");
    let out = tv
        .cmd()
        .args(["--json", "verify", "--paper", "--text"])
        .args(&files)
        .arg("-i")
        .arg(&identity)
        .arg("--backup-passphrase-file")
        .arg(&pass)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("S02 was not read"), "{stderr}");
}

//! Helpers for the paper tests: a sheet printed from the golden fixture, pages rendered
//! with pdftoppm, text pulled out with pdftotext, restores into a new vault.

use super::*;
use std::path::Path;

pub const FIXTURE_PASSPHRASE: &str = "keycellar-fixture-v1";
pub const SHEET_PASSPHRASE: &str = "sheet-Xk4Pz9Qm2Rv7-passphrase";
pub const FIXTURE_FINGERPRINT: &str = "FAGW-ZBN7-XBSE-2C32";

/// A copy of the golden fixture (4 entries) and a sheet printed from it.
pub struct Printed {
    pub tv: TestVault,
    pub pdf: PathBuf,
    pub report: serde_json::Value,
    pub sheet_pass: PathBuf,
}

pub fn print(paper: &str) -> Printed {
    let tv = TestVault::empty();
    fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vault-v1.kc"),
        &tv.vault,
    )
    .unwrap();
    fs::write(&tv.pass_file, format!("{FIXTURE_PASSPHRASE}\n")).unwrap();
    let sheet_pass = tv.file("sheet-pass", &format!("{SHEET_PASSPHRASE}\n"));
    let pdf = tv.dir.path().join("backup.pdf");
    let out = tv
        .cmd()
        .args(["--json", "print", "--paper", paper, "-o"])
        .arg(&pdf)
        .arg("--backup-passphrase-file")
        .arg(&sheet_pass)
        .assert()
        .success();
    let report = serde_json::from_slice(&out.get_output().stdout).unwrap();
    Printed {
        tv,
        pdf,
        report,
        sheet_pass,
    }
}

pub fn text_of(cmd: &mut std::process::Command) -> String {
    String::from_utf8_lossy(&run(cmd)).into_owned()
}

/// `pdftotext` of a whole PDF with extra options (`-layout`, `-raw`, or none).
pub fn pdf_text(pdf: &Path, options: &[&str]) -> String {
    text_of(tool("pdftotext").args(options).arg(pdf).arg("-"))
}

/// Renders every page to `DIR/scanN.png` (N from 1) and returns the paths.
pub fn render(pdf: &Path, dpi: u32, dir: &Path) -> Vec<PathBuf> {
    fs::create_dir_all(dir).unwrap();
    run(tool("pdftoppm")
        .args(["-r", &dpi.to_string(), "-png"])
        .arg(pdf)
        .arg(dir.join("page")));
    let mut pages: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    pages.sort();
    pages
        .into_iter()
        .enumerate()
        .map(|(i, page)| {
            let scan = dir.join(format!("scan{}.png", i + 1));
            fs::rename(&page, &scan).unwrap();
            scan
        })
        .collect()
}

/// `keycellar restore --init` of `source` (e.g. `--image` and scans, or `--text` and a
/// file) into a new vault; when it succeeds, returns the new vault too.
pub fn restore_new(
    sheet_pass: &Path,
    source: &[&str],
    files: &[PathBuf],
    extra: &[&str],
) -> (assert_cmd::assert::Assert, TestVault) {
    let target = TestVault::empty();
    let assert = target
        .cmd()
        .args(["restore", "--init"])
        .args(FAST_KDF)
        .arg("--backup-passphrase-file")
        .arg(sheet_pass)
        .args(extra)
        .args(source)
        .args(files)
        .assert();
    (assert, target)
}

/// The labels and vault fingerprint of a vault.
pub fn contents(tv: &TestVault) -> (Vec<String>, String) {
    let list = tv.json(&["list"]);
    let labels = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["label"].as_str().unwrap().to_string())
        .collect();
    (labels, list["vault_fingerprint"].as_str().unwrap().into())
}

/// The share item of a typed share page: its tag (`S02`) and its bytes as printed (a share
/// record, or an age file when the share was printed with a passphrase).
pub fn typed_share(text: &str) -> (String, Vec<u8>) {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with('S') && l.as_bytes().get(1).is_some_and(u8::is_ascii_digit))
        .collect();
    let tag = lines[0].split_whitespace().next().unwrap().to_string();
    let data: String = lines
        .iter()
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[2..words.len() - 1].to_vec()
        })
        .collect::<String>()
        .replace('=', "");
    let padded = keycellar::backup::paper::text::padded(&data);
    let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: true }, &padded).unwrap();
    (tag, bytes)
}

/// `text` (a typed share page) with share `tag` holding `bytes` instead, every line's check
/// computed again as a forger would, so that only what the bytes say can tell.
pub fn with_typed_share(text: &str, tag: &str, bytes: &[u8]) -> String {
    use keycellar::backup::paper::{codes::Item, text};
    let data = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, bytes);
    let rendered = text::render(Item::parse(tag).unwrap(), &data, "altered");
    let start = text.find(&format!("== {tag} ")).unwrap();
    let end_line = format!("== END {tag} ");
    let end = start + text[start..].find(&end_line).unwrap();
    let end = end + text[end..].find('\n').unwrap();
    format!("{}{}{}", &text[..start], rendered.join("\n"), &text[end..])
}

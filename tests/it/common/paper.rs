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

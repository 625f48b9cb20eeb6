//! Paper backups through real peers: pdftoppm renders our PDFs, zbarimg reads every code,
//! pdftotext reads the text, `age` restores with the steps printed on the page, and
//! `keycellar restore` reads renders (also rotated, blurred and blotted) and typed text.

mod common;

use common::*;
use predicates::prelude::*;
use rexpect::session::spawn_command;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn text_of(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&run(cmd)).into_owned()
}

const FIXTURE_PASSPHRASE: &str = "keycellar-fixture-v1";
const SHEET_PASSPHRASE: &str = "a sheet passphrase";
const FIXTURE_FINGERPRINT: &str = "FAGW-ZBN7-XBSE-2C32";

/// A copy of the golden fixture (4 entries) and a sheet printed from it.
struct Printed {
    tv: TestVault,
    pdf: PathBuf,
    report: serde_json::Value,
    sheet_pass: PathBuf,
}

fn print(paper: &str) -> Printed {
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

/// Renders every page to `DIR/scanN.png` (N from 1) and returns the paths.
fn render(pdf: &Path, dpi: u32, dir: &Path) -> Vec<PathBuf> {
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

fn restore_into_new_vault(
    p: &Printed,
    scans: &[PathBuf],
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    let target = TestVault::empty();
    let assert = target
        .cmd()
        .args(["restore", "--init"])
        .args(FAST_KDF)
        .arg("--backup-passphrase-file")
        .arg(&p.sheet_pass)
        .args(extra)
        .arg("--image")
        .args(scans)
        .assert();
    if assert.get_output().status.success() {
        let list = target.json(&["list"]);
        let fingerprint = list["vault_fingerprint"].as_str().unwrap().to_string();
        let labels: Vec<String> = list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["label"].as_str().unwrap().to_string())
            .collect();
        if extra.is_empty() {
            assert_eq!(fingerprint, FIXTURE_FINGERPRINT, "restored {labels:?}");
        }
    }
    assert
}

#[test]
fn every_code_reads_with_zbarimg_at_300_and_150_dpi_on_a4_and_letter() {
    for paper in ["a4", "letter"] {
        let p = print(paper);
        let codes = p.report["codes"].as_u64().unwrap() as usize;
        let status = p.tv.json(&["status"]);
        assert_eq!(
            status["last_print"]["vault_fingerprint"],
            FIXTURE_FINGERPRINT
        );
        assert!(p.report["max_qr_version"].as_u64().unwrap() <= 16);
        let size = text_of(tool("pdfinfo").arg(&p.pdf));
        assert!(
            size.contains(if paper == "a4" { "(A4)" } else { "(letter)" }),
            "{size}"
        );
        for dpi in [300, 150] {
            // zbar misses about one code in a hundred on a given image (a known zbar bug);
            // as a person would rescan, a missed code may be read from a second render at a
            // slightly different resolution. Every code must read at one of the two.
            let mut read = std::collections::BTreeSet::new();
            for attempt_dpi in [dpi, dpi + 10] {
                let dir = p.tv.dir.path().join(format!("r{attempt_dpi}"));
                for scan in render(&p.pdf, attempt_dpi, &dir) {
                    // The same symbologies the printed stock steps ask for: with every
                    // decoder on, zbar now and then reads a line of text as a 1D barcode.
                    let out = tool("zbarimg")
                        .args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"])
                        .arg(&scan)
                        .output()
                        .unwrap();
                    read.extend(
                        String::from_utf8_lossy(&out.stdout)
                            .lines()
                            .map(str::to_string),
                    );
                }
                if read.len() == codes {
                    break;
                }
            }
            assert_eq!(read.len(), codes, "{paper} at {dpi} dpi: {read:?}");
            assert!(read.iter().all(|c| c.starts_with("KC1 ")));
        }
        let text = text_of(tool("pdftotext").args(["-layout"]).arg(&p.pdf).arg("-"));
        for fp in [
            "YP2B-D3HQ-448X-E7RS",
            "CYE4-C33R-9PJ0-CDFY",
            FIXTURE_FINGERPRINT,
        ] {
            assert!(text.contains(fp), "{fp} missing from the printed text");
        }
        assert!(text.contains("RESTORE WITH STOCK TOOLS ONLY"));
        assert!(text.contains("IF THIS SHEET IS LOST OR STOLEN"));
        assert!(!text.contains(KRAKEN_SECRET) && !text.contains(SHEET_PASSPHRASE));
    }
}

#[test]
fn the_printed_stock_tool_steps_restore_an_entry() {
    let p = print("a4");
    let work = p.tv.dir.path().join("stock");
    render(&p.pdf, 300, &work);
    let text = text_of(
        tool("pdftotext")
            .args(["-layout", "-f", "1", "-l", "1"])
            .arg(&p.pdf)
            .arg("-"),
    );
    let steps: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("$ "))
        .filter(|cmd| !cmd.starts_with("keycellar"))
        .map(str::to_string)
        .collect();
    assert!(steps.len() >= 5, "{steps:?}");
    let mut entry_json = String::new();
    for step in steps.iter().take_while(|s| !s.starts_with("sed ")) {
        let mut sh = Command::new("sh");
        sh.args(["-c", step]).current_dir(&work);
        let mut session = spawn_command(sh, Some(60_000)).unwrap();
        if step.starts_with("age -d -o key.txt") {
            session.exp_string("passphrase").unwrap();
            session.send_line(SHEET_PASSPHRASE).unwrap();
        }
        let out = session.exp_eof().unwrap();
        if step.starts_with("age -d -i key.txt") {
            entry_json = out;
        }
    }
    let start = entry_json.find('{').expect("the entry JSON");
    let doc: serde_json::Value = serde_json::from_str(entry_json[start..].trim()).unwrap();
    assert_eq!(doc["entries"][0]["label"], "kraken-grid-bot");
    assert_eq!(doc["entries"][0]["secret"], KRAKEN_SECRET);
}

#[test]
fn restore_reads_clean_rotated_blurred_and_blotted_renders() {
    let p = print("a4");
    let scans = render(&p.pdf, 300, &p.tv.dir.path().join("clean"));
    restore_into_new_vault(&p, &scans, &[]).success();

    // Rotate by 2 degrees, blur slightly, and white out about 10% of the first code's area.
    let damaged_dir = p.tv.dir.path().join("damaged");
    fs::create_dir_all(&damaged_dir).unwrap();
    let mut damaged = Vec::new();
    for (i, scan) in scans.iter().enumerate() {
        let out = damaged_dir.join(format!("scan{}.png", i + 1));
        let mut convert = tool("convert");
        convert.arg(scan);
        if i == 1 {
            // The square sits on the first code of page 2: a good share of it is dark.
            let page = image::open(scan).unwrap().to_luma8();
            let dark = (600..810)
                .flat_map(|x| (600..810).map(move |y| (x, y)))
                .filter(|&(x, y)| page.get_pixel(x, y)[0] < 128)
                .count();
            assert!(
                dark > 210 * 210 / 5,
                "the blot misses the code ({dark} dark pixels)"
            );
            convert.args(["-fill", "white", "-draw", "rectangle 600,600 810,810"]);
        }
        convert
            .args(["-background", "white", "-rotate", "2", "-blur", "0x1"])
            .arg(&out);
        run(&mut convert);
        // A rotated page is larger than the original: proof that the filter really ran.
        assert_ne!(
            image::image_dimensions(&out).unwrap(),
            image::image_dimensions(scan).unwrap()
        );
        damaged.push(out);
    }
    restore_into_new_vault(&p, &damaged, &[]).success();
    restore_into_new_vault(&p, &damaged, &["--label", "okx-tax"])
        .success()
        .stdout(predicate::str::contains("okx-tax"))
        .stdout(predicate::str::contains("kraken-grid-bot").not());
}

#[test]
fn restore_reports_missing_codes_and_foreign_pages() {
    let p = print("a4");
    let scans = render(&p.pdf, 150, &p.tv.dir.path().join("r150"));
    let without_page_3: Vec<PathBuf> = scans
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, s)| s.clone())
        .collect();
    restore_into_new_vault(&p, &without_page_3, &[])
        .failure()
        .stderr(predicate::str::contains("were not read"));
    let other = print("a4");
    let other_scans = render(&other.pdf, 150, &other.tv.dir.path().join("r150"));
    let mut mixed = scans.clone();
    mixed.push(other_scans[1].clone());
    restore_into_new_vault(&p, &mixed, &[])
        .success()
        .stderr(predicate::str::contains("another sheet"));
    p.tv.cmd()
        .args(["verify", "--paper"])
        .args(&scans)
        .arg("--backup-passphrase-file")
        .arg(&p.sheet_pass)
        .assert()
        .success();
}

/// The typed fallback as a person would type it: the == lines and the numbered lines.
fn typed_copy(p: &Printed) -> String {
    let text = text_of(tool("pdftotext").args(["-layout"]).arg(&p.pdf).arg("-"));
    text.lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("==")
                || l.split(' ')
                    .next()
                    .is_some_and(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn typed_text_restores_and_a_typo_or_swap_names_its_line() {
    let p = print("letter");
    let typed = typed_copy(&p);
    let restore = |text: &str| {
        let file = p.tv.file("typed.txt", text);
        let target = TestVault::empty();
        target
            .cmd()
            .args(["restore", "--init"])
            .args(FAST_KDF)
            .arg("--backup-passphrase-file")
            .arg(&p.sheet_pass)
            .arg("--text")
            .arg(file)
            .assert()
    };
    restore(&typed).success();
    let line = typed.lines().find(|l| l.starts_with("0005")).unwrap();
    let data_at = 8;
    let original = line.as_bytes()[data_at] as char;
    let replacement = if original == 'A' { 'B' } else { 'A' };
    let mut typo = line.to_string();
    typo.replace_range(data_at..data_at + 1, &replacement.to_string());
    restore(&typed.replacen(line, &typo, 1))
        .code(5)
        .stderr(predicate::str::contains("typo on line 0005"));
    let bytes = line.as_bytes();
    let swap_at = (data_at..line.len() - 6)
        .find(|&i| bytes[i] != bytes[i + 1] && bytes[i] != b' ' && bytes[i + 1] != b' ')
        .unwrap();
    let mut swapped = line.to_string();
    swapped.replace_range(
        swap_at..swap_at + 2,
        &format!("{}{}", bytes[swap_at + 1] as char, bytes[swap_at] as char),
    );
    restore(&typed.replacen(line, &swapped, 1))
        .code(5)
        .stderr(predicate::str::contains("typo on line 0005"));
}

#[test]
fn add_reads_a_kraken_key_qr_screenshot() {
    let tv = TestVault::new();
    let png = tv.dir.path().join("kraken-qr.png");
    run(tool("qrencode")
        .args(["-s", "6", "-o"])
        .arg(&png)
        .arg(format!(
            "kraken://apikey?key={KRAKEN_KEY}&secret={KRAKEN_SECRET}"
        )));
    tv.cmd()
        .args(["add", "from-screenshot", "--qr"])
        .arg(&png)
        .assert()
        .success();
    assert_eq!(
        tv.json(&["show", "from-screenshot"])["fingerprint"],
        "YP2B-D3HQ-448X-E7RS"
    );
}

#[test]
fn twenty_kraken_keys_fit_in_a_bounded_sheet() {
    use base64::Engine;
    let tv = TestVault::new();
    let entries: Vec<String> = (0..20u8)
        .map(|i| {
            let secret = base64::engine::general_purpose::STANDARD.encode([i.wrapping_mul(7).wrapping_add(1); 64]);
            let key = format!("{}{:02}", &KRAKEN_KEY[..54], i);
            format!(r#"{{"label":"kraken-{i:02}","exchange":"kraken","api_key":"{key}","secret":"{secret}","permissions":["query-funds","modify-trades"]}}"#)
        })
        .collect();
    tv.cmd()
        .args(["add", "--from-json", "-"])
        .write_stdin(format!("[{}]", entries.join(",")))
        .assert()
        .success();
    let pass = tv.file("sheet", "sheet pass\n");
    let pdf = tv.dir.path().join("twenty.pdf");
    let report = tv
        .cmd()
        .args(["--json", "print", "-o"])
        .arg(&pdf)
        .arg("--backup-passphrase-file")
        .arg(&pass)
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&report.get_output().stdout).unwrap();
    eprintln!("20 Kraken keys: {report}");
    assert!(report["max_qr_version"].as_u64().unwrap() <= 16);
    assert!(report["pages"].as_u64().unwrap() <= 20, "{report}");
    assert!(
        report["pdf_bytes"].as_u64().unwrap() < 1_000_000,
        "{report}"
    );
}

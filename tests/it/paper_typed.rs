//! Restoring from typed text as people and text extractors leave it: `pdftotext` in each
//! of its modes, hand-typed lines without the `==` lines, every mistake named in one pass,
//! single mistakes mended, and each entry restoring on its own.

use crate::common::paper::*;
use crate::common::*;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

mod mistakes;

/// The data lines of a typed copy (`E001 01  MFRGG ...  7A1F`), as printed.
fn data_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            let mut words = l.split_whitespace();
            let tag = words.next().unwrap_or_default();
            let number = words.next().unwrap_or_default();
            (tag == "K" || tag == "M" || (tag.len() == 4 && tag.starts_with('E')))
                && number.len() == 2
                && number.bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

fn restore_text(
    tv: &TestVault,
    sheet_pass: &Path,
    name: &str,
    text: &str,
    extra: &[&str],
) -> (assert_cmd::assert::Assert, TestVault) {
    let file = tv.file(name, text);
    restore_new(sheet_pass, &["--text"], &[file], extra)
}

/// The typed copy of `fixtures/sheet-v2` (`pdftotext -layout` of a printed sheet), so that
/// every run reads the same lines: a fresh print's lines differ each time, and whether a
/// mistake meets a wrong correction that fits a 16-bit check with them.
fn fixture_typed() -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures/sheet-v2/typed.txt"]
        .iter()
        .collect();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_text_extraction_and_hand_typing_restores() {
    let p = print("a4");
    let layout = pdf_text(&p.pdf, &["-layout"]);
    // As a person types: data lines only, lower case, uneven spacing, tabs, CRLF, a BOM.
    let by_hand = format!(
        "\u{feff}{}\r\n",
        data_lines(&layout)
            .iter()
            .map(|l| l
                .to_lowercase()
                .replace("  ", "\t ")
                .replacen(' ', "   ", 2))
            .collect::<Vec<_>>()
            .join("\r\n\r\n")
    );
    for (name, text) in [
        ("plain.txt", pdf_text(&p.pdf, &[])),
        ("layout.txt", layout.clone()),
        ("raw.txt", pdf_text(&p.pdf, &["-raw"])),
        ("by-hand.txt", by_hand),
    ] {
        let (assert, target) = restore_text(&p.tv, &p.sheet_pass, name, &text, &[]);
        assert.success();
        assert_eq!(contents(&target).1, FIXTURE_FINGERPRINT, "{name}");
    }
    let typed = p.tv.file("typed.txt", &layout);
    p.tv.cmd()
        .args(["verify", "--paper", "--text"])
        .arg(&typed)
        .arg("--backup-passphrase-file")
        .arg(&p.sheet_pass)
        .assert()
        .success()
        .stdout(predicate::str::contains("exactly"));
    p.tv.cmd()
        .args(["verify", "--paper"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--text"));
}

/// Replaces character `at` of the data line `line` of `text` by `with`.
fn retype(text: &str, line: &str, at: usize, with: &str) -> String {
    let mut changed = line.to_string();
    changed.replace_range(at..at + 1, with);
    text.replacen(line, &changed, 1)
}

#[test]
fn every_mistake_is_named_in_one_pass_and_single_ones_are_mended() {
    let tv = TestVault::empty();
    let sheet_pass = tv.file("sheet-pass", "keycellar-fixture-sheet-v2\n");
    let text = fixture_typed();
    let lines = data_lines(&text);
    let line = |tag: &str| lines.iter().find(|l| l.starts_with(tag)).unwrap().clone();
    let other = |c: char| if c == 'Q' { "G" } else { "Q" };
    // E001 03: one wrong character (mended). E002 02: two (named). E003 04: left out.
    // E004 01: typed without its check value.
    let e001 = line("E001 03");
    let at = 8 + 6 + 2; // after `E001 03 `: group 2, character 3
    let paper_char = e001.as_bytes()[at] as char;
    let mut damaged = retype(&text, &e001, at, other(paper_char));
    let e002 = line("E002 02");
    let twice = retype(&e002, &e002, 9, other(e002.as_bytes()[9] as char));
    let twice = retype(&twice, &twice, 20, other(e002.as_bytes()[20] as char));
    damaged = damaged.replacen(&e002, &twice, 1);
    damaged = damaged.replacen(&line("E003 04"), "", 1);
    let e004 = line("E004 01");
    damaged = damaged.replacen(&e004, e004.rsplit_once(' ').unwrap().0, 1);

    let (assert, target) = restore_text(&tv, &sheet_pass, "damaged.txt", &damaged, &["--json"]);
    let out = assert.code(1).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for problem in [
        "line E002 02: a typing mistake",
        "line E003 04 is missing",
        "line E004 01 has no check value",
    ] {
        assert!(stderr.contains(problem), "{problem}: {stderr}");
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mended = &report["mended"][0];
    assert_eq!(mended["line"], "E001 03");
    assert_eq!(mended["part"], "data");
    assert_eq!(mended["column"], 8);
    assert_eq!(mended["paper"], paper_char.to_string());
    assert_eq!(contents(&target).0, ["kraken-grid-bot"]);

    // Only the damaged entries' lines matter: okx-tax alone restores, and says nothing of
    // the others.
    let (assert, target) = restore_text(
        &tv,
        &sheet_pass,
        "damaged.txt",
        &damaged,
        &["--label", "kraken-grid-bot"],
    );
    assert
        .success()
        .stderr(predicate::str::contains(format!(
            "mended line E001 03, column 8 (group 2, character 3): the paper probably says {paper_char}"
        )))
        .stderr(predicate::str::contains("E002").not());
    assert_eq!(contents(&target).0, ["kraken-grid-bot"]);
}

/// `verify --paper --text` of every subset of the kinds of typed lines (K, the entries' E
/// lines, M): with K and every entry it compares what was read and says whether the
/// details (M) were checked; without them it fails, never calling anything CHANGED. What
/// was read is compared still: a key the vault lost shows without M, a permission changed
/// since only with M.
#[test]
fn verify_paper_compares_what_was_typed_and_says_what_was_not() {
    let p = print("a4");
    let lines = data_lines(&pdf_text(&p.pdf, &["-layout"]));
    let typed = |kinds: &[char]| -> PathBuf {
        let chosen: Vec<&str> = lines
            .iter()
            .filter(|l| kinds.contains(&l.chars().next().unwrap()))
            .map(String::as_str)
            .collect();
        let name: String = kinds.iter().collect();
        p.tv.file(&format!("typed-{name}.txt"), &chosen.join("\n"))
    };
    let verify = |file: &PathBuf, json: bool| {
        let mut cmd = p.tv.cmd();
        if json {
            cmd.arg("--json");
        }
        cmd.args(["verify", "--paper", "--text"])
            .arg(file)
            .arg("--backup-passphrase-file")
            .arg(&p.sheet_pass)
            .output()
            .unwrap()
    };
    for mask in 0..8 {
        let kinds: Vec<char> = ['K', 'E', 'M']
            .into_iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, kind)| kind)
            .collect();
        let file = typed(&kinds);
        let text = verify(&file, false);
        let said = String::from_utf8_lossy(&text.stdout);
        let complained = String::from_utf8_lossy(&text.stderr);
        if !(kinds.contains(&'K') && kinds.contains(&'E')) {
            assert_eq!(text.status.code(), Some(1), "{kinds:?}: {complained}");
            assert!(!said.contains("CHANGED"), "{kinds:?}: {said}");
            continue;
        }
        assert!(text.status.success(), "{kinds:?}: {said}{complained}");
        let json = verify(&file, true);
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let with_details = kinds.contains(&'M');
        assert_eq!(report["matches"], true, "{kinds:?}");
        assert_eq!(report["details_checked"], with_details, "{kinds:?}");
        assert_eq!(said.contains("were not checked"), !with_details, "{said}");
    }

    let (all, keys_only) = (typed(&['K', 'E', 'M']), typed(&['K', 'E']));
    let label = p.tv.json(&["list"])["entries"][0]["label"]
        .as_str()
        .unwrap()
        .to_string();
    p.tv.cmd()
        .args(["edit", &label, "--add-permission", "export-data"])
        .assert()
        .success();
    let changed = verify(&all, false);
    assert_eq!(changed.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&changed.stdout).contains("permissions"));
    assert!(verify(&keys_only, false).status.success());
    p.tv.cmd()
        .args(["remove", &label, "--yes"])
        .assert()
        .success();
    for file in [&all, &keys_only] {
        let out = verify(file, true);
        assert_eq!(out.status.code(), Some(4));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["extra"][0], label.as_str());
    }
}

//! Lost pages of the 50-key sheet's typed copy, rebuilt from its parity lines: the text of
//! each page as `pdftotext -layout` writes it, pulled out once and combined in-process.

use super::scans::Rendered;
use crate::common::paper::*;
use crate::common::*;
use keycellar::backup::paper;
use std::fs;
use std::path::PathBuf;

/// The text of each page, and the pages that hold typed data lines and parity lines.
pub(super) struct Pages {
    text: Vec<String>,
    data: Vec<usize>,
    parity: Vec<usize>,
}

/// The typed lines of a page, as their words: tag, number, groups, check value.
fn typed_lines(page: &str) -> Vec<Vec<&str>> {
    let tag = |t: &str| {
        matches!(t, "K" | "M" | "T")
            || (t.len() == 4 && t.starts_with('E'))
            || (t.len() == 2 && t.starts_with('P'))
    };
    page.lines()
        .map(|l| l.split_whitespace().collect::<Vec<&str>>())
        .filter(|w| w.len() >= 4 && tag(w[0]) && w[1].bytes().all(|b| b.is_ascii_digit()))
        .collect()
}

pub(super) fn pages(r: &Rendered) -> Pages {
    let all = pdf_text(&r.pdf, &["-layout"]);
    let mut text: Vec<String> = all.split('\u{c}').map(str::to_string).collect();
    if text.last().is_some_and(|t| t.trim().is_empty()) {
        text.pop();
    }
    let with = |parity: bool| -> Vec<usize> {
        (0..text.len())
            .filter(|&n| {
                let lines = typed_lines(&text[n]);
                let p = lines.iter().filter(|w| w[0].starts_with('P')).count();
                !lines.is_empty() && (p == lines.len()) == parity
            })
            .collect()
    };
    let (data, parity) = (with(false), with(true));
    assert!(data.len() >= 8, "{data:?}");
    assert_eq!(
        parity.len(),
        2,
        "a page of parity lines for each parity page"
    );
    Pages { text, data, parity }
}

/// The items the typed text of the pages less `lost` gives, as comparable text, how many
/// more pages parity asked for, and how many runs of lines it rebuilt.
fn read_without(p: &Pages, lost: &[usize]) -> (Vec<String>, Option<usize>, usize) {
    let kept: Vec<&str> = (0..p.text.len())
        .filter(|n| !lost.contains(n))
        .map(|n| p.text[n].as_str())
        .collect();
    let sheet = paper::read_typed(&kept.join("\n"), "typed").unwrap();
    let items = sheet.items.iter().map(|i| format!("{i:?}")).collect();
    let more = sheet.parity.need_more.map(|n| n.more);
    (items, more, sheet.parity.lines.len())
}

/// Every single and every pair of lost pages of typed lines comes back; three lost ask for
/// one more page or, when no column of lines lost three, come back; never a wrong item.
/// Damaged parity lines change nothing while the data lines are read.
pub(super) fn sweep(p: &Pages) {
    let (whole, none, rebuilt) = read_without(p, &[]);
    assert_eq!((none, rebuilt), (None, 0));
    assert!(whole.iter().all(|i| i.contains("Ok(")), "{whole:?}");
    // Every parity line's first group altered (its check no longer matches).
    let mut damaged = p.text.clone();
    for &n in &p.parity {
        let alter = |line: &str| {
            let mut words: Vec<&str> = line.split_whitespace().collect();
            if let ["P1" | "P2", _, group, ..] = words.as_mut_slice() {
                *group = if *group == "AAAAA" { "BBBBB" } else { "AAAAA" };
            }
            words.join(" ")
        };
        damaged[n] = damaged[n].lines().map(alter).collect::<Vec<_>>().join("\n");
        assert_ne!(damaged[n], p.text[n]);
    }
    let damaged = Pages {
        text: damaged,
        data: p.data.clone(),
        parity: p.parity.clone(),
    };
    assert_eq!(read_without(&damaged, &[]), (whole.clone(), None, 0));
    let typed: Vec<usize> = p.data.iter().chain(&p.parity).copied().collect();
    for (x, &a) in typed.iter().enumerate() {
        for &b in &typed[x..] {
            let (items, more, _) = read_without(p, &[a, b]);
            assert_eq!((items, more), (whole.clone(), None), "lost {a}, {b}");
        }
    }
    let mut asked = 0;
    for (x, &a) in typed.iter().enumerate() {
        for (y, &b) in typed.iter().enumerate().skip(x + 1) {
            for &c in &typed[y + 1..] {
                let (items, more, _) = read_without(p, &[a, b, c]);
                // With every parity page lost nothing tells of parity: the missing items
                // are named as on a sheet without it.
                let parity_left = p.parity.iter().any(|n| ![a, b, c].contains(n));
                if more.is_none() && parity_left {
                    assert_eq!(items, whole, "lost {a}, {b}, {c}");
                    continue;
                }
                assert_eq!(more, parity_left.then_some(1), "lost {a}, {b}, {c}");
                assert_ne!(items, whole);
                if !parity_left {
                    // As without parity: an item whose last lines and END line were lost
                    // reads short, and only age's authentication refuses it.
                    continue;
                }
                asked += 1;
                // The map gives every item its line count: none reads short.
                for item in items.iter().filter(|i| i.contains("Ok(")) {
                    assert!(whole.contains(item), "lost {a}, {b}, {c}: {item}");
                }
            }
        }
    }
    assert!(asked > 0);
}

/// The pages' text less `lost`, written to a file.
fn kept_file(r: &Rendered, p: &Pages, lost: &[usize]) -> PathBuf {
    let path = r.tv.dir.path().join("typed.txt");
    let kept: Vec<&str> = (0..p.text.len())
        .filter(|n| !lost.contains(n))
        .map(|n| p.text[n].as_str())
        .collect();
    fs::write(&path, kept.join("\n")).unwrap();
    path
}

/// `rebuild_page.py` on the typed text of the pages left prints exactly the data lines of
/// every lost page of typed lines, and of a pair; past that it asks for one more page.
pub(super) fn script(r: &Rendered, p: &Pages) {
    let mut cases: Vec<Vec<usize>> = p.data.iter().map(|&d| vec![d]).collect();
    cases.push(vec![p.data[0], p.parity[1]]);
    cases.push(vec![p.data[1], *p.data.last().unwrap()]);
    cases.push(vec![p.data[2], p.data[3], p.data[4]]);
    for lost in cases {
        let mut cmd = tool("python3");
        cmd.arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/vectors/rebuild_page.py"
        ));
        let out = cmd.arg(kept_file(r, p, &lost)).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if lost.len() > 2 {
            assert_eq!(out.status.code(), Some(2), "{lost:?}: {stderr}");
            assert!(
                stderr.contains("1 more page(s) needed, any of lines "),
                "{stderr}"
            );
            continue;
        }
        assert!(out.status.success(), "{lost:?}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut printed = typed_lines(&stdout);
        let mut expected: Vec<Vec<&str>> = (lost.iter())
            .flat_map(|&n| typed_lines(&p.text[n]))
            .filter(|w| !w[0].starts_with('P'))
            .collect();
        printed.sort();
        expected.sort();
        assert!(!expected.is_empty());
        assert_eq!(printed, expected, "{lost:?}");
    }
}

/// `restore --text` and `verify --paper --text` themselves: the page with the sheet key's
/// lines lost comes back and is named, on stderr or, with `--json`, in the document alone;
/// with three lost it says how many more pages it needs and which lines are missing.
pub(super) fn commands(r: &Rendered, p: &Pages) {
    let restore = |lost: &[usize], json: &[&str]| {
        let target = TestVault::empty();
        let assert = (target.cmd())
            .args(json)
            .args(["restore", "--init"])
            .args(FAST_KDF)
            .arg("-i")
            .arg(&r.identity)
            .arg("--text")
            .arg(kept_file(r, p, lost))
            .assert();
        (assert, target)
    };
    let (assert, target) = restore(&[p.data[0]], &["--json"]);
    let out = assert.success().get_output().clone();
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rebuilt = &document["rebuilt"];
    assert_eq!(rebuilt["pages"], serde_json::json!([]), "{document}");
    assert!(
        rebuilt["lines"][0].as_str().unwrap().starts_with("K 01"),
        "{document}"
    );
    // Under --json stderr holds a JSON document only (here the test KDF's warning).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Rebuilt"), "{stderr}");
    if !out.stderr.is_empty() {
        serde_json::from_slice::<serde_json::Value>(&out.stderr).unwrap();
    }
    assert_eq!(contents(&target).1, contents(&r.tv).1);
    let verify = (r.tv.cmd())
        .args(["verify", "--paper", "-i"])
        .arg(&r.identity)
        .arg("--text")
        .arg(kept_file(r, p, &[p.data[0]]))
        .assert()
        .success();
    let said = String::from_utf8_lossy(&verify.get_output().stderr).into_owned();
    assert!(said.contains("Rebuilt typed lines K 01"), "{said}");
    let (assert, _) = restore(&[p.data[0], p.data[1], p.data[2]], &[]);
    let said = String::from_utf8_lossy(&assert.code(12).get_output().stderr).into_owned();
    assert!(
        said.contains("1 more page is needed, any of lines K 01"),
        "{said}"
    );
}

//! Lost pages of a 50-key sheet's renders, rebuilt from its parity pages.

use crate::common::paper::*;
use crate::common::*;
use keycellar::backup::paper::{self, qr};
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

/// A vault of 50 Kraken keys (with permissions, an allow-list and a user each).
fn fifty_keys() -> TestVault {
    use base64::Engine;
    let tv = TestVault::new();
    let entries: Vec<String> = (0..50u8)
        .map(|i| {
            let secret = base64::engine::general_purpose::STANDARD
                .encode([i.wrapping_mul(7).wrapping_add(1); 64]);
            let key = format!("{}{:02}", &KRAKEN_KEY[..54], i);
            format!(
                r#"{{"label":"kraken-bot-{i:02}","exchange":"kraken","api_key":"{key}","secret":"{secret}","permissions":["query-funds","modify-trades"],"ip_allowlist":["203.0.113.7"],"used_by":["gridbot"]}}"#
            )
        })
        .collect();
    tv.cmd()
        .args(["add", "--from-json", "-"])
        .write_stdin(format!("[{}]", entries.join(",")))
        .assert()
        .success();
    tv
}

/// `print` of `tv` to an age recipient with `extra` arguments: the PDF and its report.
fn print_to(tv: &TestVault, recipient: &str, extra: &[&str]) -> (PathBuf, serde_json::Value) {
    let pdf = tv.dir.path().join(format!("sheet{}.pdf", extra.join("")));
    let out = tv
        .cmd()
        .args(["--json", "print", "-r", recipient, "-o"])
        .arg(&pdf)
        .args(extra)
        .assert()
        .success();
    (
        pdf,
        serde_json::from_slice(&out.get_output().stdout).unwrap(),
    )
}

/// The items of a sheet read from `pages` less those in `lost`, as comparable text, and
/// how many more pages parity asked for.
fn read_without(pages: &[Vec<String>], lost: &[usize]) -> (Vec<String>, Option<usize>) {
    let kept = (0..pages.len()).filter(|n| !lost.contains(n));
    let texts = kept.flat_map(|n| pages[n].iter().map(String::as_str));
    let (sheet, _) = paper::read_codes(texts);
    let items = sheet.items.iter().map(|i| format!("{i:?}")).collect();
    (items, sheet.parity.need_more.map(|n| n.more))
}

fn restore(
    identity: &PathBuf,
    scans: &[PathBuf],
    lost: &[usize],
) -> (assert_cmd::assert::Assert, TestVault) {
    let kept: Vec<PathBuf> = (0..scans.len())
        .filter(|n| !lost.contains(n))
        .map(|n| scans[n].clone())
        .collect();
    let target = TestVault::empty();
    let assert = target
        .cmd()
        .args(["restore", "--init"])
        .args(FAST_KDF)
        .arg("-i")
        .arg(identity)
        .arg("--image")
        .args(&kept)
        .assert();
    (assert, target)
}

/// A 50-key sheet with two parity pages, rendered at 150 dpi, each page decoded once.
pub(super) struct Rendered {
    pub(super) tv: TestVault,
    pub(super) identity: PathBuf,
    pub(super) pdf: PathBuf,
    scans: Vec<PathBuf>,
    /// The codes read on each page (none on the cover and the typed copy).
    pages: Vec<Vec<String>>,
    /// The pages that have codes, and those among them that are parity pages.
    code_pages: Vec<usize>,
    parity: Vec<usize>,
}

pub(super) fn rendered() -> Rendered {
    let tv = fifty_keys();
    let (identity, recipient) = age_identity(tv.dir.path(), "sheet-identity");
    let (pdf, report) = print_to(&tv, &recipient, &["--parity-pages", "2"]);
    let scans = render(&pdf, 150, &tv.dir.path().join("r150"));
    assert_eq!(scans.len() as u64, report["pages"].as_u64().unwrap());
    let pages: Vec<Vec<String>> = scans
        .iter()
        .map(|s| qr::read(&qr::load(s).unwrap()))
        .collect();
    let codes: usize = pages.iter().map(Vec::len).sum();
    assert_eq!(
        codes as u64,
        report["codes"].as_u64().unwrap(),
        "every code read once"
    );
    let code_pages: Vec<usize> = (0..pages.len()).filter(|&n| !pages[n].is_empty()).collect();
    let parity: Vec<usize> = code_pages
        .iter()
        .copied()
        .filter(|&n| pages[n].iter().any(|c| is_parity_code(c)))
        .collect();
    // Each parity page starts a page of its own, and a page holds one parity page's codes.
    let tags = |n: usize| -> BTreeSet<&str> { pages[n].iter().map(|c| tag(c)).collect() };
    assert!(parity.iter().all(|&n| tags(n).len() == 1));
    let all: BTreeSet<&str> = parity.iter().flat_map(|&n| tags(n)).collect();
    assert_eq!(all, BTreeSet::from(["P1", "P2"]));
    Rendered {
        tv,
        identity,
        pdf,
        scans,
        pages,
        code_pages,
        parity,
    }
}

/// A code's item tag.
fn tag(code: &str) -> &str {
    code.split(' ').nth(2).unwrap_or_default()
}

fn is_parity_code(code: &str) -> bool {
    tag(code).starts_with('P')
}

/// What the reader must ask for with the pages in `lost` gone, worked out from where each
/// code was printed: in each slot, the codes of data pages lost less the parity pages whose
/// codes of that slot were all read. `None` when that is nothing in every slot, and when
/// every parity page is lost: nothing read then tells of parity (FORMAT.md 8.8).
fn expected_more(r: &Rendered, lost: &[usize]) -> Option<usize> {
    if r.parity.iter().all(|n| lost.contains(n)) {
        return None;
    }
    // A parity code's data starts with the digit that says how many codes a slot takes.
    let first = &r.pages[r.parity[0]][0];
    let per_slot = usize::from(first.split(' ').nth(4).unwrap().as_bytes()[0] - b'0');
    let slots = first.split(['/', ' ']).nth(4).unwrap();
    let slots = slots.parse::<usize>().unwrap() / per_slot;
    let parity_pages = 2;
    let mut worst = 0;
    for slot in 1..=slots {
        let erased = (r.code_pages.iter())
            .filter(|&&n| !r.parity.contains(&n) && lost.contains(&n))
            .filter(|&&n| r.pages[n].len() >= slot)
            .count();
        let parity_lost: BTreeSet<&str> = (lost.iter())
            .filter(|&n| r.parity.contains(n))
            .flat_map(|&n| r.pages[n].iter())
            .filter(|c| {
                let part: usize = c.split(['/', ' ']).nth(3).unwrap().parse().unwrap();
                part.div_ceil(per_slot) == slot
            })
            .map(|c| tag(c))
            .collect();
        worst = worst.max(erased.saturating_sub(parity_pages - parity_lost.len()));
    }
    (worst > 0).then_some(worst)
}

/// Every single and every pair of lost pages comes back; every three lost pages of codes
/// ask for one more and give no wrong item; damaged parity codes change nothing.
pub(super) fn sweep(r: &Rendered) {
    let (whole, none) = read_without(&r.pages, &[]);
    assert_eq!(none, None);
    assert!(whole.iter().all(|i| i.contains("Ok(")), "{whole:?}");
    let damaged: Vec<Vec<String>> = r
        .pages
        .iter()
        .map(|page| {
            let damage = |c: &String| match is_parity_code(c) {
                true => format!("{}987654321", &c[..c.len() - 9]),
                false => c.clone(),
            };
            page.iter().map(damage).collect()
        })
        .collect();
    assert_ne!(damaged, r.pages);
    assert_eq!(read_without(&damaged, &[]), (whole.clone(), None));
    for a in 0..r.pages.len() {
        for b in a..r.pages.len() {
            let read = read_without(&r.pages, &[a, b]);
            assert_eq!(read, (whole.clone(), None), "lost {a}, {b}");
        }
    }
    // Three pages of codes lost: what each slot lacks decides, as worked out from where
    // every code was printed (a parity page whose slots take two codes spans two pages).
    let code_pages = &r.code_pages;
    let (mut short, mut whole_again) = (0, 0);
    for (x, &a) in code_pages.iter().enumerate() {
        for (y, &b) in code_pages.iter().enumerate().skip(x + 1) {
            for &c in &code_pages[y + 1..] {
                let lost = [a, b, c];
                let (items, more) = read_without(&r.pages, &lost);
                let expected = expected_more(r, &lost);
                assert_eq!(more, expected, "lost {lost:?}");
                let spared = expected.is_none() && !r.parity.iter().all(|n| lost.contains(n));
                if spared {
                    assert_eq!(items, whole, "lost {lost:?}");
                    whole_again += 1;
                    continue;
                }
                short += 1;
                assert_ne!(items, whole, "lost {lost:?}");
                // Never a wrong item: what was read or rebuilt is what was printed.
                for item in items.iter().filter(|i| i.contains("Ok(")) {
                    assert!(whole.contains(item), "lost {lost:?}: {item}");
                }
            }
        }
    }
    // Each parity page on one printed page: no three pages of codes lost spare every slot.
    assert!(short > 0, "{short} short, {whole_again} whole");
}

/// The restore command itself: a lost page of codes comes back and is named; with three
/// lost it says how many more pages it needs and which are missing.
pub(super) fn commands(r: &Rendered) {
    let lost_one = r.code_pages[2];
    let (assert, target) = restore(&r.identity, &r.scans, &[lost_one]);
    let assert = assert.success();
    let said = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let rebuilt = format!("Rebuilt the codes of page {} ", lost_one + 1);
    assert!(said.contains(&rebuilt), "{said}");
    assert_eq!(contents(&target).1, contents(&r.tv).1);
    let lost = [r.code_pages[0], r.code_pages[2], r.code_pages[3]];
    let (assert, _) = restore(&r.identity, &r.scans, &lost);
    let out = assert.code(12);
    let said = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let names = lost.map(|n| format!("page {}", n + 1)).join(", ");
    let needed = format!("1 more page is needed, any of {names}");
    assert!(said.contains(&needed), "{said}");
}

/// `rebuild_page.py` on the codes of the pages left prints exactly the lost pages' codes,
/// for every lost data page, a pair, and asks for one more page past that.
pub(super) fn script(r: &Rendered) {
    let data_pages: Vec<usize> = r
        .code_pages
        .iter()
        .copied()
        .filter(|n| !r.parity.contains(n))
        .collect();
    let page = |n: usize| format!("page {}", n + 1);
    let mut cases: Vec<(Vec<usize>, Option<String>)> =
        data_pages.iter().map(|&d| (vec![d], None)).collect();
    cases.push((vec![data_pages[0], *data_pages.last().unwrap()], None));
    // Past two: with parity page 1 lost too, each slot lacks one page; so it does with three
    // data pages lost.
    let (d0, d1, d2) = (data_pages[0], data_pages[1], data_pages[2]);
    let p1 = *(r.parity.iter())
        .find(|&&n| tag(&r.pages[n][0]) == "P1")
        .unwrap();
    let needed = format!("{}, {}, parity page 1", page(d0), page(d1));
    cases.push((vec![d0, d1, p1], Some(needed)));
    let needed = format!("{}, {}, {}", page(d0), page(d1), page(d2));
    cases.push((vec![d0, d1, d2], Some(needed)));
    for (lost, needed) in cases {
        let codes = r.tv.dir.path().join("codes.txt");
        let kept = (0..r.pages.len()).filter(|n| !lost.contains(n));
        let lines: Vec<String> = kept
            .flat_map(|n| r.pages[n].iter().map(|c| format!("{c}\n")))
            .collect();
        fs::write(&codes, lines.concat()).unwrap();
        let mut cmd = tool("python3");
        cmd.arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/vectors/rebuild_page.py"
        ));
        let out = cmd.arg(&codes).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(names) = needed {
            assert_eq!(out.status.code(), Some(2), "{lost:?}: {stderr}");
            let needed = format!("1 more page(s) needed, any of {names}\n");
            assert!(stderr.ends_with(&needed), "{lost:?}: {stderr}");
            continue;
        }
        assert!(out.status.success(), "{lost:?}: {stderr}");
        let mut printed: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
        let mut expected: Vec<&str> = lost
            .iter()
            .flat_map(|&n| r.pages[n].iter().map(String::as_str))
            .collect();
        printed.sort();
        expected.sort();
        assert_eq!(printed, expected, "{lost:?}");
    }
}

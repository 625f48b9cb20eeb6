//! Parity pages without keycellar: `fixtures/vectors/rebuild_page.py`, written from
//! docs/FORMAT.md section 8.8, rebuilds any two lost pages of parity keycellar computed, and
//! says how many more pages it needs when three are lost.

use crate::common::*;
use keycellar::backup::paper::parity;
use std::fs;
use std::path::{Path, PathBuf};

const DATA_PAGES: usize = 5;
const PARITY_PAGES: usize = 2;
const SLOTS: usize = 12;

/// The slots of data page `d`: code-like lines of varied length, the last page part empty.
fn page(d: usize) -> Vec<String> {
    (0..SLOTS)
        .map(|j| {
            if d == DATA_PAGES - 1 && j >= 7 {
                return String::new();
            }
            let len = 500 + (d * 131 + j * 57) % 180;
            let data: String = (0..len)
                .map(|n| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(n * 7 + d + j) % 32]))
                .collect();
            format!("KC2 7F3A9C2E E{:03} 01/01 {data}", d * SLOTS + j + 1)
        })
        .collect()
}

/// Writes the data pages (a slot a line) and the parity pages (a slot's parity a line, in
/// hex) and returns their paths, data pages first.
fn write_pages(dir: &Path) -> Vec<PathBuf> {
    let pages: Vec<Vec<String>> = (0..DATA_PAGES).map(page).collect();
    let mut parity_lines = vec![Vec::new(); PARITY_PAGES];
    for j in 0..SLOTS {
        let texts: Vec<&[u8]> = pages.iter().map(|p| p[j].as_bytes()).collect();
        for (i, block) in parity::encode(&texts, PARITY_PAGES).into_iter().enumerate() {
            let hex: String = block.iter().map(|b| format!("{b:02x}")).collect();
            parity_lines[i].push(hex);
        }
    }
    let all = pages.into_iter().chain(parity_lines);
    all.enumerate()
        .map(|(n, lines)| {
            let path = dir.join(format!("page{n}.txt"));
            fs::write(
                &path,
                lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
            )
            .unwrap();
            path
        })
        .collect()
}

/// `rebuild_page.py` with the pages in `lost` given as `-`.
fn rebuild(paths: &[PathBuf], lost: &[usize]) -> std::process::Output {
    let arg = |n: usize| match lost.contains(&n) {
        true => "-".to_string(),
        false => paths[n].display().to_string(),
    };
    let mut cmd = tool("python3");
    cmd.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/vectors/rebuild_page.py"
    ));
    cmd.args((0..DATA_PAGES).map(arg)).arg("--parity");
    cmd.args((DATA_PAGES..DATA_PAGES + PARITY_PAGES).map(arg));
    cmd.output().unwrap()
}

#[test]
fn the_script_rebuilds_every_pair_of_lost_pages_and_asks_for_more_past_that() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_pages(dir.path());
    let total = DATA_PAGES + PARITY_PAGES;
    for a in 0..total {
        for b in a..total {
            let lost = [a, b];
            let out = rebuild(&paths, &lost);
            assert!(
                out.status.success(),
                "{lost:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let mut expected = String::new();
            for d in (0..DATA_PAGES).filter(|d| lost.contains(d)) {
                if expected.contains(&format!("== page {} ==", d + 1)) {
                    continue;
                }
                expected += &format!("== page {} ==\n{}\n", d + 1, page(d).join("\n"));
            }
            assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{lost:?}");
        }
    }
    let out = rebuild(&paths, &[0, 2, 5]);
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8(out.stderr).unwrap();
    assert!(
        message.contains("1 more page(s) needed, any of pages 1, 3, 6"),
        "{message}"
    );
}

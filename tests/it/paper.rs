//! Paper backups through real peers: pdftoppm renders our PDFs, zbarimg reads every code,
//! pdftotext reads the text, `age` restores with the steps printed on the page, and
//! `keycellar restore` reads renders (also rotated, blurred and blotted) and typed text.

use crate::common::paper::*;
use crate::common::*;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn restore_into_new_vault(
    p: &Printed,
    scans: &[PathBuf],
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    let (assert, target) = restore_new(&p.sheet_pass, &["--image"], scans, extra);
    if assert.get_output().status.success() && extra.is_empty() {
        let (labels, fingerprint) = contents(&target);
        assert_eq!(fingerprint, FIXTURE_FINGERPRINT, "restored {labels:?}");
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
            assert!(read.iter().all(|c| c.starts_with("KC2 ")));
        }
        let text = pdf_text(&p.pdf, &["-layout"]);
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
        if i == 2 {
            // The square sits on the first code of page 3: a good share of it is dark.
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

/// The top `percent` of a page, as a scan that missed the rest of it.
fn top_of(scan: &Path, percent: u32, out: &Path) -> PathBuf {
    run(tool("convert")
        .arg(scan)
        .args([
            "-gravity",
            "North",
            "-crop",
            &format!("100%x{percent}%+0+0"),
            "+repage",
        ])
        .arg(out));
    out.to_path_buf()
}

#[test]
fn restore_reports_missing_codes_and_foreign_pages() {
    // The fixture sheet, for a layout that stays put: page 3 holds every code, three to a
    // row: K E001 E002 / E003 E004 M1 / M2.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sheet-v2");
    let scans: Vec<PathBuf> = (1..=5)
        .map(|n| fixture.join(format!("scan{n}.png")))
        .collect();
    let p = print("a4");
    let sheet_pass =
        p.tv.file("fixture-sheet-pass", "keycellar-fixture-sheet-v2\n");
    let dir = p.tv.dir.path().join("cropped");
    fs::create_dir_all(&dir).unwrap();
    let with_page_3 = |page: PathBuf| {
        let mut chosen = scans.clone();
        chosen[2] = page;
        chosen
    };
    // Without the last row only the details are incomplete: every key comes back.
    let two_rows = with_page_3(top_of(&scans[2], 60, &dir.join("two-rows.png")));
    let (assert, target) = restore_new(&sheet_pass, &["--image"], &two_rows, &[]);
    assert
        .success()
        .stderr(predicate::str::contains(
            "M is incomplete: part 2/2 was not read",
        ))
        .stderr(predicate::str::contains("the details block M was not read"));
    assert_eq!(contents(&target).1, FIXTURE_FINGERPRINT);
    // Without the last two rows, E003 and E004 are named and the rest is restored.
    let one_row = with_page_3(top_of(&scans[2], 33, &dir.join("one-row.png")));
    let (assert, target) = restore_new(&sheet_pass, &["--image"], &one_row, &[]);
    assert
        .code(1)
        .stderr(predicate::str::contains(
            "E003: no code or line of E003 was read",
        ))
        .stderr(predicate::str::contains(
            "E004: no code or line of E004 was read",
        ));
    assert_eq!(contents(&target).0, ["kraken-grid-bot", "okx-tax"]);

    let other_scans = render(&p.pdf, 150, &p.tv.dir.path().join("r150"));
    let mut mixed = scans.clone();
    mixed.push(other_scans[2].clone());
    restore_new(&sheet_pass, &["--image"], &mixed, &[])
        .0
        .success()
        .stderr(predicate::str::contains("another sheet"));
    p.tv.cmd()
        .args(["verify", "--paper"])
        .args(&scans)
        .arg("--backup-passphrase-file")
        .arg(&sheet_pass)
        .assert()
        .success();
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

/// Issue 22's figures for 50 Kraken keys, printed as `print` does by default (with one
/// parity page): at most 20 A4 pages besides the parity pages, at most 12 typed lines per
/// key, a PDF of at most 512 KiB (time is measured by bench/compare.sh, not here); and issue
/// 34's, the parity pages at most 15% more (here 2 of 21 pages: one of parity codes, one of
/// parity lines; `paper/layout/tests.rs` renders one sheet both ways).
#[test]
fn fifty_kraken_keys_fit_in_twenty_pages() {
    use base64::Engine;
    let tv = TestVault::new();
    let entries: Vec<String> = (0..50u8)
        .map(|i| {
            let secret = base64::engine::general_purpose::STANDARD.encode([i.wrapping_mul(7).wrapping_add(1); 64]);
            let key = format!("{}{:02}", &KRAKEN_KEY[..54], i);
            format!(r#"{{"label":"kraken-bot-{i:02}","exchange":"kraken","api_key":"{key}","secret":"{secret}","permissions":["query-funds","modify-trades"],"ip_allowlist":["203.0.113.7"],"used_by":["gridbot"]}}"#)
        })
        .collect();
    tv.cmd()
        .args(["add", "--from-json", "-"])
        .write_stdin(format!("[{}]", entries.join(",")))
        .assert()
        .success();
    let pass = tv.file("sheet", "sheet-Xk4Pz9Qm2Rv7-passphrase\n");
    let pdf = tv.dir.path().join("fifty.pdf");
    let report = tv
        .cmd()
        .args(["--json", "print", "--paper", "a4", "-o"])
        .arg(&pdf)
        .arg("--backup-passphrase-file")
        .arg(&pass)
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&report.get_output().stdout).unwrap();
    eprintln!("50 Kraken keys: {report}");
    assert!(report["max_qr_version"].as_u64().unwrap() <= 16);
    assert_eq!(report["parity_pages"], 1, "{report}");
    assert!(
        report["pdf_bytes"].as_u64().unwrap() <= 512 * 1024,
        "{report}"
    );
    let text = pdf_text(&pdf, &["-layout"]);
    // Pages of parity codes (captioned `P1 3/12  parity page 1 of 1`) and parity lines.
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len() as u64, report["pages"].as_u64().unwrap());
    let parity = (pages.iter())
        .filter(|p| p.contains("parity page 1 of 1") || p.contains("PARITY LINES"))
        .count();
    let sheet = pages.len() - parity;
    assert!(sheet <= 20, "{sheet} pages besides {parity} of parity");
    assert!(
        parity >= 2 && 100 * parity <= 15 * sheet,
        "{parity} more than {sheet}"
    );
    for n in 1..=50 {
        let tag = format!("E{n:03} ");
        let lines = text
            .lines()
            .filter(|l| l.starts_with(&tag) && l.as_bytes().get(5).is_some_and(u8::is_ascii_digit))
            .count();
        assert!((1..=12).contains(&lines), "{tag}has {lines} typed lines");
    }
}

/// One word of a page as `pdftotext -bbox` places it, in points from the top left.
struct Word {
    text: String,
    left: f32,
    top: f32,
    right: f32,
    bottom: f32,
}

/// The value of attribute `name` in an HTML tag of `pdftotext -bbox`.
fn attribute(tag: &str, name: &str) -> f32 {
    let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

/// Each page's size and words.
fn pages_of(pdf: &Path) -> Vec<((f32, f32), Vec<Word>)> {
    let html = text_of(tool("pdftotext").arg("-bbox").arg(pdf).arg("-"));
    let mut pages = Vec::new();
    for page in html.split("<page ").skip(1) {
        let size = (attribute(page, "width"), attribute(page, "height"));
        let words = page
            .split("<word ")
            .skip(1)
            .map(|word| {
                let text = word.split('>').nth(1).unwrap().split('<').next().unwrap();
                Word {
                    text: text.to_string(),
                    left: attribute(word, "xMin"),
                    top: attribute(word, "yMin"),
                    right: attribute(word, "xMax"),
                    bottom: attribute(word, "yMax"),
                }
            })
            .collect();
        pages.push((size, words));
    }
    pages
}

/// What is wrong with how a printed PDF's text is set: a word outside the page's 10 mm
/// margins (a caption cut at the edge), two words that overlap (a caption run into the
/// next one), or a count whose noun does not agree with it ("1 entries").
fn layout_problems(pdf: &Path) -> Vec<String> {
    let margin = 10.0 / 25.4 * 72.0 - 0.5;
    let mut problems = Vec::new();
    for (number, ((width, height), words)) in pages_of(pdf).iter().enumerate() {
        let page = number + 1;
        for (i, a) in words.iter().enumerate() {
            if a.left < margin || a.right > width - margin || a.top < 0.0 || a.bottom > *height {
                problems.push(format!("page {page}: {:?} is off the page", a.text));
            }
            for b in &words[i + 1..] {
                let across = a.right.min(b.right) - a.left.max(b.left);
                let down = a.bottom.min(b.bottom) - a.top.max(b.top);
                if across > 0.5 && down > 0.5 {
                    problems.push(format!("page {page}: {:?} overlaps {:?}", a.text, b.text));
                }
            }
        }
    }
    problems.extend(nouns_that_disagree(&pdf_text(pdf, &[])));
    problems
}

/// Every "N noun" of `text` whose noun does not agree with N.
fn nouns_that_disagree(text: &str) -> Vec<String> {
    const NOUNS: [(&str, &str); 10] = [
        ("entry", "entries"),
        ("share", "shares"),
        ("code", "codes"),
        ("line", "lines"),
        ("page", "pages"),
        ("key", "keys"),
        ("word", "words"),
        ("item", "items"),
        ("passphrase", "passphrases"),
        ("character", "characters"),
    ];
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let Ok(n) = word.trim_end_matches([',', '.', ';', ':']).parse::<u64>() else {
            continue;
        };
        let mut next = words[i + 1..]
            .iter()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()));
        let noun = match next.next() {
            Some("other" | "more" | "random") => next.next(),
            noun => noun,
        };
        let Some(noun) = noun else { continue };
        for (one, many) in NOUNS {
            if (n == 1 && noun == many) || (n != 1 && noun == one) {
                found.push(format!("\"{word} {noun}\""));
            }
        }
    }
    found
}

/// Every caption of every printed page fits its cell and the page, no text runs into
/// other text, and every count agrees with its noun: the fixture's sheet on A4 and Letter,
/// a sheet of one entry with the longest label, and split sheets with their shares.
#[test]
fn every_caption_fits_and_every_count_agrees_with_its_noun() {
    let mut pdfs = Vec::new();
    for paper in ["a4", "letter"] {
        let p = print(paper);
        let copy = p.tv.dir.path().join(format!("fixture-{paper}.pdf"));
        fs::copy(&p.pdf, &copy).unwrap();
        pdfs.push((copy, p.tv));
    }
    let tv = TestVault::new();
    let label = "a-label-as-long-as-keycellar-allows-for-one-kraken-key-0123456789";
    tv.add_kraken(&label[..64]).success();
    let pass = tv.file("sheet-pass", &format!("{SHEET_PASSPHRASE}\n"));
    let one = tv.dir.path().join("one.pdf");
    tv.cmd()
        .args(["print", "-o"])
        .arg(&one)
        .arg("--backup-passphrase-file")
        .arg(&pass)
        .assert()
        .success();
    let mut files = vec![one];
    for (split, paper) in [("2-of-2", "letter"), ("3-of-4", "a4")] {
        let dir = tv.dir.path().join(split);
        fs::create_dir_all(&dir).unwrap();
        let sheet = dir.join("sheet.pdf");
        tv.cmd()
            .args(["print", "--split", split, "--paper", paper, "-o"])
            .arg(&sheet)
            .assert()
            .success();
        files.extend(fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()));
    }
    files.extend(pdfs.iter().map(|(pdf, _)| pdf.clone()));
    for pdf in &files {
        let problems = layout_problems(pdf);
        assert!(problems.is_empty(), "{}: {problems:#?}", pdf.display());
    }
}

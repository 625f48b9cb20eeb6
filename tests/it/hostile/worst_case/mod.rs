//! Each untrusted parser on the input built to cost it most: ambiguous typed lines, codes
//! read with many texts, many-stanza and oversized age headers, passphrase stanzas by the
//! dozen, deeply nested and huge JSON documents, conflicting entries, and scrypt under
//! tight memory. Every run is under an address-space limit and must end in a clear error
//! (a JSON error document with its exit code and kind); none may die by a signal. The
//! limit bounds memory; the timeout in `limited_to` is only a backstop, and no test here
//! measures time.

mod age_header;
mod documents;
mod paper;
mod scrypt;

use super::{failure, limited, limited_to};
use crate::common::*;
use keycellar::backup::paper::codes::{Code, Format, Item};
use std::path::PathBuf;

const SHEET_PASS: &str = "sheet-Xk4Pz9Qm2Rv7-passphrase";

/// Runs `args` under the 1.5 GiB limit and returns the exit code, kind and message of the
/// error it must end in.
fn refused(tv: &TestVault, args: &[&str]) -> (i32, String, String) {
    failure(&limited(tv, args))
}

/// A new vault with an age identity: (vault, identity path, its recipient).
fn vault_with_identity() -> (TestVault, String, String) {
    let tv = TestVault::new();
    let id = tv.dir.path().join("id.txt");
    let out = tv.cmd().args(["keygen", "-o"]).arg(&id).assert().success();
    let recipient = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    (tv, id.display().to_string(), recipient.trim().to_string())
}

/// `restore ARGS --backup-passphrase-file P --dry-run` under the limit.
fn restore(tv: &TestVault, args: &[&str]) -> (i32, String, String) {
    let pass = tv.file("sheet-pass", &format!("{SHEET_PASS}\n"));
    let mut all = vec!["restore"];
    all.extend(args);
    all.extend([
        "--backup-passphrase-file",
        pass.to_str().unwrap(),
        "--dry-run",
    ]);
    refused(tv, &all)
}

/// PNG images of QR codes holding `texts`, one code each (as `qrencode` makes them).
fn code_images(tv: &TestVault, name: &str, texts: &[String]) -> Vec<PathBuf> {
    texts
        .iter()
        .enumerate()
        .map(|(n, text)| {
            let png = tv.dir.path().join(format!("{name}-{n}.png"));
            run(tool("qrencode")
                .args(["-s", "4", "-l", "M", "-o"])
                .arg(&png)
                .arg(text));
            png
        })
        .collect()
}

fn code(item: Item, part: u8, count: u8, data: String) -> String {
    Code {
        format: Format::V2,
        sheet: "7F3A9C2E".into(),
        item,
        part,
        count,
        data,
    }
    .render()
}

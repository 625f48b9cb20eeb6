//! Paper backups: a PDF with QR codes and a checked, typeable copy of every code, and
//! restoring from scans or typed text. docs/FORMAT.md section 8 specifies the sheet.
//!
//! - [`sheet`]: what is encrypted, and how (a random age key per sheet; one item per entry).
//! - [`codes`]: the line each QR code holds, and reassembly from codes in any order.
//! - [`text`]: the typed fallback with per-line and per-item checks.
//! - [`qr`]: QR encoding (version cap, self-check) and reading scans.
//! - [`pdf`]: page layout.

internal_mod!(codes);
pub mod pdf;
pub mod qr;
pub mod sheet;
pub mod text;

use crate::error::Result;
use codes::Item;
use pdf::{Paper, Placed, Style};
use sheet::Sheet;
use std::collections::BTreeMap;

/// What printing produced, for the user and for tests.
pub struct Printed {
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub codes: usize,
    pub max_version: i16,
}

fn wrap(out: &mut Vec<(Style, String)>, style: Style, indent: usize, text: &str, width: usize) {
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            out.push((style, format!("{}{line}", " ".repeat(indent))));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push((style, format!("{}{line}", " ".repeat(indent))));
}

fn cover(sheet: &Sheet, width: usize) -> Vec<(Style, String)> {
    let mut out = Vec::new();
    let body = |out: &mut Vec<_>, text: &str| wrap(out, Style::Body, 0, text, width);
    let command = |out: &mut Vec<_>, text: &str| out.push((Style::Body, format!("    $ {text}")));
    let blank = |out: &mut Vec<(Style, String)>| out.push((Style::Body, String::new()));
    let id = &sheet.id;
    out.push((Style::Title, "KEYCELLAR PAPER BACKUP".into()));
    body(
        &mut out,
        &format!(
            "Sheet {id}, made {} by keycellar {}. Vault fingerprint {}. {} entries.",
            sheet.created_at,
            env!("CARGO_PKG_VERSION"),
            sheet.vault_fingerprint,
            sheet.entries.len()
        ),
    );
    blank(&mut out);
    let unlock_step = match &sheet.recipients {
        None => {
            body(
                &mut out,
                "Sheet passphrase (write it here only if this paper is kept somewhere safe):",
            );
            blank(&mut out);
            out.push((
                Style::Body,
                format!("    {}", "_".repeat(width.saturating_sub(8))),
            ));
            "age -d -o key.txt key.age".to_string()
        }
        Some(recipients) => {
            body(
                &mut out,
                "The sheet key is encrypted to these age recipients; any one identity opens it:",
            );
            for r in recipients {
                wrap(&mut out, Style::Body, 4, r, width);
            }
            "age -d -i YOUR-IDENTITY-FILE -o key.txt key.age".to_string()
        }
    };
    blank(&mut out);
    out.push((Style::Heading, "ENTRIES".into()));
    for e in &sheet.entries {
        body(
            &mut out,
            &format!(
                "{}  {}  {}  key {}  {}  fingerprint {}",
                e.item.tag(),
                e.label,
                e.exchange,
                e.masked_key,
                e.permissions,
                e.fingerprint
            ),
        );
    }
    blank(&mut out);
    body(
        &mut out,
        "IF THIS SHEET IS LOST OR STOLEN: revoke every key above on its exchange's API-key page (Kraken: Settings > API; find the key by the public key shown) and create new ones.",
    );
    blank(&mut out);
    out.push((Style::Heading, "RESTORE WITH KEYCELLAR".into()));
    command(
        &mut out,
        "keycellar restore --init --image page1.png page2.png ...",
    );
    command(&mut out, "keycellar restore --init --text typed.txt");
    body(
        &mut out,
        "Scans or phone photos both work; add labels to restore only some entries; without --init the entries join the current vault. `keycellar verify` then proves every key against the fingerprints above.",
    );
    blank(&mut out);
    out.push((
        Style::Heading,
        "RESTORE WITH STOCK TOOLS ONLY (zbarimg, coreutils, age)".into(),
    ));
    body(
        &mut out,
        "1. Scan every page to PNG (scan1.png, scan2.png, ...) and read all codes:",
    );
    command(
        &mut out,
        "zbarimg -q --raw -Sdisable -Sqrcode.enable scan*.png | sort -u > codes.txt",
    );
    body(&mut out, "2. Decrypt the sheet key:");
    command(
        &mut out,
        &format!(
            "grep '^KC1 {id} K ' codes.txt | cut -d' ' -f6 | tr -d '\\n' | base32 -d > key.age"
        ),
    );
    command(&mut out, &unlock_step);
    body(
        &mut out,
        "3. Decrypt any entry on its own, e.g. E001 (it prints the entry as JSON):",
    );
    command(
        &mut out,
        &format!(
            "grep '^KC1 {id} E001 ' codes.txt | cut -d' ' -f6 | tr -d '\\n' | base32 -d > e001.age"
        ),
    );
    command(&mut out, "age -d -i key.txt e001.age");
    body(
        &mut out,
        "From typed lines instead: put one item's numbered lines (not the == lines) in item.txt, then",
    );
    command(
        &mut out,
        "sed -e 's/^[0-9]* *//' -e 's/ *[0-9A-F]\\{4\\}$//' item.txt > item.b32",
    );
    command(&mut out, "tr -d ' \\n' < item.b32 | base32 -d > item.age");
    body(
        &mut out,
        "Delete key.txt and the decrypted output when done.",
    );
    blank(&mut out);
    out.push((Style::Heading, "FORMAT".into()));
    body(
        &mut out,
        "Each QR code holds one line: KC1 SHEET ITEM PART/COUNT CHECK DATA. ITEM K is the sheet key (an age identity, encrypted with age to the passphrase or recipients); E001... are entries (keycellar export documents, encrypted with age to the sheet key). Joining an item's DATA in part order gives base32 (RFC 4648) of a binary age file. CHECK is the first 4 bytes of SHA-256 of the line up to CHECK plus DATA. Typed lines end with a CRC-16/IBM-3740 of 'SHEET ITEM NUMBER DATA'; each END line has the item's check. Full specification: docs/FORMAT.md in the keycellar source.",
    );
    body(
        &mut out,
        "GLYPHS: data uses only A-Z and 2-7, so there is no digit 0, 1, 8 or 9 in it: O, I and B are letters. Line numbers and check values use 0-9 and A-F.",
    );
    out
}

/// Builds the PDF for a sheet: every code is encoded within the version cap and decoded back
/// before anything is returned.
pub fn render(sheet: &Sheet, paper: Paper) -> Result<Printed> {
    let width = paper.line_chars();
    let mut symbols = Vec::new();
    let mut fallback = vec![
        (Style::Heading, "TYPED COPY OF EVERY CODE".to_string()),
        (
            Style::Body,
            "Type an item's lines exactly; each line ends with its check value.".into(),
        ),
    ];
    let mut number = 1;
    for (item, base32) in sheet.items() {
        let label = match item {
            Item::Key => "sheet key".to_string(),
            Item::Entry(_) => sheet
                .entries
                .iter()
                .find(|e| e.item == item)
                .map(|e| e.label.clone())
                .unwrap_or_default(),
        };
        for code in sheet.codes(item, base32) {
            let text = code.render();
            let symbol = qr::encode(&text)?;
            qr::self_check(&symbol, &text)?;
            let caption = format!("{} {}/{}  {label}", item.tag(), code.part, code.count);
            symbols.push((caption, symbol));
        }
        let (lines, next) = text::render(&sheet.id, item, base32, number);
        number = next;
        fallback.push((Style::Body, String::new()));
        fallback.push((Style::Body, format!("{} ({label})", item.tag())));
        fallback.extend(lines.into_iter().map(|l| (Style::Body, l)));
    }
    let placed: Vec<Placed<'_>> = symbols
        .iter()
        .map(|(caption, symbol)| Placed {
            caption: caption.clone(),
            symbol,
        })
        .collect();
    let header = format!("keycellar paper backup, sheet {}", sheet.id);
    let (pdf, pages) = pdf::document(
        "keycellar paper backup",
        &header,
        paper,
        &cover(sheet, width),
        &placed,
        &fallback,
    );
    Ok(Printed {
        pdf,
        pages,
        codes: symbols.len(),
        max_version: symbols.iter().map(|(_, s)| s.version).max().unwrap_or(0),
    })
}

/// Items of a sheet as read: the base32 text of each, or why it could not be assembled.
pub type ReadItems = BTreeMap<Item, Result<String>>;

/// Items read from scans: every code found, reassembled; items with parts missing carry
/// the error that says which. When something is missing, the scans are read again at other
/// scales before giving up (each scan decoded once for both).
pub fn items_from_scans(scans: &[std::path::PathBuf]) -> Result<(ReadItems, Vec<String>)> {
    let mut collected = codes::Collected::default();
    for scan in scans {
        for text in qr::read(&qr::load(scan)?, 1.0) {
            collected.add(&text);
        }
    }
    'retry: for scan in scans {
        if collected.complete() {
            break;
        }
        let image = qr::load(scan)?;
        for scale in [0.7, 1.4] {
            for text in qr::read(&image, scale) {
                collected.add(&text);
            }
            if collected.complete() {
                break 'retry;
            }
        }
    }
    let items = collected
        .items()
        .into_iter()
        .map(|item| (item, collected.assemble(item)))
        .collect();
    let mut refused = collected.refused;
    refused.sort();
    refused.dedup();
    Ok((items, refused))
}

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

/// The first page's prose: `cover.txt`, a template whose lines are a title (`= `), a
/// heading (`## `), a command (`$ `), a block made here (`{unlock}`, `{entries}`), a blank
/// line, or a paragraph wrapped to `width`; `{name}` fields are filled in.
const COVER: &str = include_str!("paper/cover.txt");

fn cover(sheet: &Sheet, width: usize) -> Vec<(Style, String)> {
    let (unlock, unlock_command) = unlock_block(sheet, width);
    let fields = [
        ("{id}", sheet.id.clone()),
        ("{created}", sheet.created_at.to_string()),
        ("{version}", env!("CARGO_PKG_VERSION").to_string()),
        ("{vault_fingerprint}", sheet.vault_fingerprint.to_string()),
        ("{count}", sheet.entries.len().to_string()),
        ("{unlock_command}", unlock_command.to_string()),
    ];
    let mut out = Vec::new();
    for template in COVER.lines() {
        let mut line = template.to_string();
        for (field, value) in &fields {
            line = line.replace(field, value);
        }
        if let Some(title) = line.strip_prefix("= ") {
            out.push((Style::Title, title.to_string()));
        } else if let Some(heading) = line.strip_prefix("## ") {
            out.push((Style::Heading, heading.to_string()));
        } else if let Some(command) = line.strip_prefix("$ ") {
            out.push((Style::Body, format!("    $ {command}")));
        } else if line == "{unlock}" {
            out.extend(unlock.iter().cloned());
        } else if line == "{entries}" {
            for e in &sheet.entries {
                let text = format!(
                    "{}  {}  {}  key {}  {}  fingerprint {}",
                    e.item.tag(),
                    e.label,
                    e.exchange,
                    e.masked_key,
                    e.permissions,
                    e.fingerprint
                );
                wrap(&mut out, Style::Body, 0, &text, width);
            }
        } else if line.is_empty() {
            out.push((Style::Body, String::new()));
        } else {
            wrap(&mut out, Style::Body, 0, &line, width);
        }
    }
    out
}

/// How the sheet key is opened: a box for the passphrase, or the recipients; and the age
/// command of the stock recipe.
fn unlock_block(sheet: &Sheet, width: usize) -> (Vec<(Style, String)>, &'static str) {
    let mut out = Vec::new();
    match &sheet.recipients {
        None => {
            let intro =
                "Sheet passphrase (write it here only if this paper is kept somewhere safe):";
            wrap(&mut out, Style::Body, 0, intro, width);
            out.push((Style::Body, String::new()));
            let rule = format!("    {}", "_".repeat(width.saturating_sub(8)));
            out.push((Style::Body, rule));
            (out, "age -d -o key.txt key.age")
        }
        Some(recipients) => {
            let intro =
                "The sheet key is encrypted to these age recipients; any one identity opens it:";
            wrap(&mut out, Style::Body, 0, intro, width);
            for r in recipients {
                wrap(&mut out, Style::Body, 4, r, width);
            }
            (out, "age -d -i YOUR-IDENTITY-FILE -o key.txt key.age")
        }
    }
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

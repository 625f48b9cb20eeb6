//! What goes on the pages of a sheet: the cover (its text is `cover.txt`), the QR codes,
//! and the typed copy; `pdf` draws them.

use super::codes::Item;
use super::pdf::{self, Paper, Placed, Style};
use super::qr::{self, Symbol};
use super::sheet::Sheet;
use super::text;
use crate::backup::agefile;
use crate::error::Result;
use crate::passphrase::cost::{self, GuessCost, Kdf};
use crate::passphrase::generate;

/// What printing produced, for the user and for tests.
pub struct Printed {
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub codes: usize,
    pub max_version: i16,
}

/// Wraps `text` at spaces to `width` characters; lines after the first are indented by
/// `hanging`.
fn wrap(out: &mut Vec<(Style, String)>, style: Style, hanging: usize, text: &str, width: usize) {
    let mut line = String::new();
    let mut indent = 0;
    for word in text.split(' ') {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            out.push((style, format!("{}{line}", " ".repeat(indent))));
            line.clear();
            indent = hanging;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push((style, format!("{}{line}", " ".repeat(indent))));
}

/// The first page's prose: `cover.txt`, a template whose lines are a title (`= `), a
/// heading (`## `), a command (`$ `) or its continuation (`> `), a block made here (`{unlock}`, `{entries}`), a blank
/// line, or a paragraph wrapped to `width`; `{name}` fields are filled in.
const COVER: &str = include_str!("cover.txt");

fn cover(sheet: &Sheet, width: usize) -> Vec<(Style, String)> {
    let (unlock, unlock_command) = unlock_block(sheet, width);
    let fields = [
        ("{id}", sheet.id.clone()),
        ("{created}", sheet.created_at.to_string()),
        ("{version}", env!("CARGO_PKG_VERSION").to_string()),
        ("{vault_fingerprint}", sheet.vault_fingerprint.to_string()),
        (
            "{entries_count}",
            crate::wording::count(sheet.entries.len(), "entry", "entries"),
        ),
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
        } else if let Some(continued) = line.strip_prefix("> ") {
            out.push((Style::Body, format!("    > {continued}")));
        } else if line == "{unlock}" {
            out.extend(unlock.iter().cloned());
        } else if line == "{entries}" {
            for e in &sheet.entries {
                let text = format!(
                    "{}  {}  {}  {}  key {}  {}",
                    e.item.tag(),
                    e.fingerprint,
                    e.label,
                    e.exchange,
                    e.masked_key,
                    e.permissions,
                );
                wrap(&mut out, Style::Body, 6, &text, width);
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
    if let Some(split) = &sheet.split {
        let text = format!(
            "The sheet key is not on this sheet: it is split into {n} shares, printed on their \
             own pages (share 1 of {n}, ...), and any {k} of them give it back; fewer give \
             nothing. Restore with the scans or typed lines of this sheet and of {k} shares \
             together: keycellar restore --image PAGES... SHARES... (docs/FORMAT.md section \
             8.7 says how to combine shares without keycellar; the result is key.txt).",
            n = split.threshold.n,
            k = split.threshold.k
        );
        wrap(&mut out, Style::Body, 0, &text, width);
        return (
            out,
            "# combine the shares into key.txt first (FORMAT.md 8.7)",
        );
    }
    match &sheet.recipients {
        None => {
            let intro =
                "Sheet passphrase (write it here only if this paper is kept somewhere safe):";
            wrap(&mut out, Style::Body, 0, intro, width);
            out.push((Style::Body, String::new()));
            let rule = format!("    {}", "_".repeat(width.saturating_sub(8)));
            out.push((Style::Body, rule));
            out.push((Style::Body, String::new()));
            wrap(&mut out, Style::Body, 0, &guess_cost_note(), width);
            (out, "age -d -o key.txt key.age")
        }
        Some(recipients) => {
            let intro =
                "The sheet key is encrypted to these age recipients; any one identity opens it:";
            wrap(&mut out, Style::Body, 0, intro, width);
            for r in recipients {
                // Cut, not wrapped: a recipient is one word, and may be longer than a line.
                let chars: Vec<char> = r.chars().collect();
                for piece in chars.chunks(width.saturating_sub(4).max(1)) {
                    out.push((Style::Body, format!("    {}", String::from_iter(piece))));
                }
            }
            (out, "age -d -i YOUR-IDENTITY-FILE -o key.txt key.age")
        }
    }
}

/// What protects the handwritten passphrase and what a guess at it costs: the KDF and the
/// measured speed of one GPU, never anything about this passphrase (its strength would be
/// a hint to whoever finds the sheet).
fn guess_cost_note() -> String {
    let kdf = Kdf::Scrypt {
        log_n: agefile::SCRYPT_WORK_FACTOR,
    };
    let six_words = 2f64.powf(6.0 * generate::bits_per_word() - 1.0);
    format!(
        "The passphrase is protected by {kdf} (age's passphrase encryption): one H100 GPU \
         tries about {:.0} passphrases a second (measured {}); six random words would take it \
         {}.",
        cost::guesses_per_second(kdf),
        cost::MEASURED_ON,
        cost::gpu_time(GuessCost::of(six_words, kdf).gpu_seconds),
    )
}

/// The heading an item's typed lines carry.
fn heading(sheet: &Sheet, item: Item) -> String {
    match item {
        Item::Key => "sheet key".to_string(),
        Item::Threshold => "split record (the key is in the shares)".to_string(),
        Item::Share(x) => format!("share {x}"),
        Item::Details => "details of every entry (skip it to restore keys alone)".to_string(),
        Item::Entry(_) => sheet
            .entries
            .iter()
            .find(|e| e.item == item)
            .map(|e| e.label.clone())
            .unwrap_or_default(),
    }
}

/// The name a code's caption gives its item: short, as a caption has a code's width (the
/// typed copy's heading says more).
fn caption_name(sheet: &Sheet, item: Item) -> String {
    match item {
        Item::Threshold => "split record".to_string(),
        Item::Details => "details".to_string(),
        _ => heading(sheet, item),
    }
}

/// Encodes and self-checks every code of the sheet's items.
fn symbols(sheet: &Sheet) -> Result<Vec<(String, Symbol)>> {
    let mut jobs = Vec::new();
    for (item, base32) in sheet.items() {
        jobs.extend(code_jobs(sheet, item, base32, &caption_name(sheet, item)));
    }
    encode(&jobs)
}

/// Each code of an item: its caption and its text.
fn code_jobs(sheet: &Sheet, item: Item, base32: &str, label: &str) -> Vec<(String, String)> {
    sheet
        .codes(item, base32)
        .into_iter()
        .map(|code| {
            let caption = format!("{} {}/{}  {label}", item.tag(), code.part, code.count);
            (caption, code.render())
        })
        .collect()
}

/// Encodes codes and decodes each back, spread over the available cores (the decoding
/// check is most of a print's work).
fn encode(jobs: &[(String, String)]) -> Result<Vec<(String, Symbol)>> {
    crate::parallel::map(jobs, 1, "encoding QR codes", |(caption, text)| {
        let symbol = qr::encode(text)?;
        qr::self_check(&symbol, text)?;
        Ok((caption.clone(), symbol))
    })
}

/// What printing produced, from the symbols and the function that draws the document
/// around them.
fn printed(
    symbols: &[(String, Symbol)],
    draw: impl FnOnce(&[Placed<'_>]) -> (Vec<u8>, usize),
) -> Printed {
    let placed: Vec<Placed<'_>> = symbols
        .iter()
        .map(|(caption, symbol)| Placed {
            caption: caption.clone(),
            symbol,
        })
        .collect();
    let (pdf, pages) = draw(&placed);
    Printed {
        pdf,
        pages,
        codes: symbols.len(),
        max_version: symbols.iter().map(|(_, s)| s.version).max().unwrap_or(0),
    }
}

/// The typed copy: the sheet line, then each item's heading, lines and END line.
fn typed_copy(sheet: &Sheet, width: usize) -> Vec<(Style, String)> {
    let mut lines = vec![(Style::Heading, "TYPED COPY OF EVERY CODE".to_string())];
    let intro = "Type the K lines and those of the entries you need; case, spacing and the == \
                 lines do not matter. Each line ends with its check value, and restore mends \
                 a single mistyped character in a line.";
    wrap(&mut lines, Style::Body, 0, intro, width);
    lines.push((Style::Body, String::new()));
    lines.push((Style::Body, text::sheet_line(&sheet.id)));
    for (item, base32) in sheet.items() {
        lines.push((Style::Body, String::new()));
        let typed = text::render(item, base32, &heading(sheet, item));
        lines.extend(typed.into_iter().map(|l| (Style::Body, l)));
    }
    lines
}

/// The page of share `index` (0-based) of a split sheet: what it is, its one QR code, and
/// its typed lines with their checks. Its code is encoded and decoded back like the sheet's.
pub fn render_share(sheet: &Sheet, index: usize, paper: Paper) -> Result<Printed> {
    let split = sheet
        .split
        .as_ref()
        .ok_or_else(|| crate::Error::Internal("the sheet is not split".into()))?;
    let (share, base32) = split
        .shares
        .get(index)
        .ok_or_else(|| crate::Error::Internal("no such share".into()))?;
    let (k, n, x) = (split.threshold.k, split.threshold.n, share.x);
    let item = Item::Share(x);
    let width = paper.line_chars();
    let mut intro = vec![(Style::Title, format!("keycellar key share {x} of {n}"))];
    let text = format!(
        "Sheet {id}, printed {created}, vault fingerprint {fp}. This is share {x} of the {n} \
         shares of that sheet's key; any {k} of them, with the data sheet {id}, restore its \
         entries, and fewer reveal nothing about the key. Keep it apart from the other \
         shares. To restore: scan this page with the data sheet's pages and {more}, then \
         `keycellar restore --image PAGES... SHARES...`; or type the lines below into a \
         text file with the data sheet's and use --text. Each line ends with its check \
         value.",
        id = sheet.id,
        created = sheet.created_at,
        fp = sheet.vault_fingerprint,
        more = crate::wording::count(usize::from(k - 1), "other share", "other shares"),
    );
    wrap(&mut intro, Style::Body, 0, &text, width);
    if split.encrypted {
        let note = "This share is also encrypted: combining the shares needs the share \
                    passphrase, which the sheet's owner keeps (not the holders of the shares).";
        wrap(&mut intro, Style::Body, 0, note, width);
    }
    intro.push((Style::Body, String::new()));
    intro.push((Style::Body, text::sheet_line(&sheet.id)));
    let heading = format!("share {x} of {n}, {k} needed");
    intro.extend(
        text::render(item, base32, &heading)
            .into_iter()
            .map(|l| (Style::Body, l)),
    );
    let symbols = encode(&code_jobs(
        sheet,
        item,
        base32,
        &format!("share {x} of {n}"),
    ))?;
    let header = format!("keycellar key share {x} of {n}, sheet {}", sheet.id);
    Ok(printed(&symbols, |placed| {
        pdf::single_page("keycellar key share", &header, paper, &intro, placed)
    }))
}

/// Builds the PDF for a sheet: every code is encoded within the version cap and decoded back
/// before anything is returned.
pub fn render(sheet: &Sheet, paper: Paper) -> Result<Printed> {
    let symbols = symbols(sheet)?;
    let header = format!("keycellar paper backup, sheet {}", sheet.id);
    let width = paper.line_chars();
    Ok(printed(&symbols, |placed| {
        pdf::document(
            "keycellar paper backup",
            &header,
            paper,
            &cover(sheet, width),
            placed,
            &typed_copy(sheet, width),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::paper::sheet::SheetEntry;

    fn sheet(recipients: Option<Vec<String>>) -> Sheet {
        let fingerprint: crate::credential::fingerprint::Fingerprint =
            "YP2B-D3HQ-448X-E7RS".parse().unwrap();
        Sheet {
            id: "7F3A9C2E".into(),
            created_at: crate::clock::Timestamp::now(),
            vault_fingerprint: fingerprint,
            recipients,
            key_base32: "MFRGG".repeat(130),
            split: None,
            entries: (1..=3)
                .map(|n| SheetEntry {
                    item: Item::Entry(n),
                    label: format!("a-rather-long-label-for-entry-number-{n}"),
                    exchange: "kraken".into(),
                    masked_key: "CJbfPw...I3y".into(),
                    permissions: "read+trade+WITHDRAW".into(),
                    fingerprint,
                    base32: "MFRGG".repeat(125),
                })
                .collect(),
            details_base32: "MFRGG".repeat(400),
        }
    }

    /// Commands are never wrapped (a wrapped command would not run), so the template must
    /// keep each one within a line; so must everything else on the page.
    #[test]
    fn every_line_fits_the_page() {
        let ssh = format!("ssh-rsa {} someone@host", "A".repeat(372));
        for recipients in [None, Some(vec!["age1".to_string() + &"q".repeat(58), ssh])] {
            let sheet = sheet(recipients);
            for paper in Paper::ALL {
                let width = paper.line_chars();
                let lines = cover(&sheet, width)
                    .into_iter()
                    .chain(typed_copy(&sheet, width));
                for (style, line) in lines {
                    if style == Style::Body {
                        assert!(line.chars().count() <= width, "{paper:?}: {line}");
                    }
                }
            }
        }
    }
}

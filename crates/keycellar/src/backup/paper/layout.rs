//! What goes on the pages of a sheet: the cover (`cover`, its text `cover.txt`), the QR
//! codes, the parity pages' codes, the typed copy and its parity lines; `pdf` draws them.

use super::codes::{Code, Item};
use super::pdf::{self, Paper, Placed, Style};
use super::qr::{self, Symbol};
use super::sheet::{Sheet, Split};
use super::text;
use super::{parity, parity_lines, parity_pages};
use crate::error::{PaperError, Result};
use cover::cover;
use std::collections::BTreeMap;

mod cover;

/// What printing produced, for the user and for tests.
pub struct Printed {
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub codes: usize,
    pub max_version: i16,
    /// Parity pages of codes (FORMAT.md 8.8).
    pub parity_pages: usize,
}

/// Wraps `text` at spaces to `width` characters; lines after the first are indented by
/// `hanging`.
pub(super) fn wrap(
    out: &mut Vec<(Style, String)>,
    style: Style,
    hanging: usize,
    text: &str,
    width: usize,
) {
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

/// The heading an item's typed lines carry.
fn heading(sheet: &Sheet, item: Item) -> String {
    match item {
        Item::Key => "sheet key".to_string(),
        Item::Threshold => "split record (the key is in the shares)".to_string(),
        Item::Share(x) => format!("share {x}"),
        Item::Parity(i) => format!("parity page {i}"),
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

/// A code's caption: its item, part and count, and what it is.
fn caption(code: &Code, label: &str) -> String {
    format!("{} {}/{}  {label}", code.item.tag(), code.part, code.count)
}

/// Each code of an item: its caption and its text.
fn code_jobs(sheet: &Sheet, item: Item, base32: &str, label: &str) -> Vec<(String, String)> {
    sheet
        .codes(item, base32)
        .into_iter()
        .map(|code| (caption(&code, label), code.render()))
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
    let (pdf, pages) = draw(&placements(symbols));
    Printed {
        pdf,
        pages,
        codes: symbols.len(),
        max_version: symbols.iter().map(|(_, s)| s.version).max().unwrap_or(0),
        parity_pages: 0,
    }
}

/// Symbols with their captions, to place.
fn placements(symbols: &[(String, Symbol)]) -> Vec<Placed<'_>> {
    symbols
        .iter()
        .map(|(caption, symbol)| Placed {
            caption: caption.clone(),
            symbol,
        })
        .collect()
}

/// The typed copy: the sheet line, then each item's heading, lines and END line; and
/// which of its lines are data lines.
fn typed_copy(sheet: &Sheet, width: usize) -> (Vec<(Style, String)>, Vec<bool>) {
    let mut lines = vec![(Style::Heading, "TYPED COPY OF EVERY CODE".to_string())];
    let intro = "Type the K lines and those of the entries you need; case, spacing and the == \
                 lines do not matter. Each line ends with its check value, and restore mends \
                 a single mistyped character in a line.";
    wrap(&mut lines, Style::Body, 0, intro, width);
    lines.push((Style::Body, String::new()));
    lines.push((Style::Body, text::sheet_line(&sheet.id)));
    let mut data = vec![false; lines.len()];
    for (item, base32) in sheet.items() {
        lines.push((Style::Body, String::new()));
        let typed = text::render(item, base32, &heading(sheet, item));
        // The heading and the END line are not data lines.
        let last = typed.len() - 1;
        data.extend((0..=typed.len()).map(|n| n > 1 && n <= last));
        lines.extend(typed.into_iter().map(|l| (Style::Body, l)));
    }
    (lines, data)
}

/// A typed text with a flag for each of its data lines.
type Flagged = (Vec<(Style, String)>, Vec<bool>);

/// The typed sections of a sheet, each from a page of its own: the typed copy, cut where
/// needed so that no page holds more data lines than a page of parity lines can cover,
/// then each parity page's typed lines (FORMAT.md 8.8).
fn typed_sections(sheet: &Sheet, paper: Paper, parity_count: usize) -> Vec<Vec<(Style, String)>> {
    let typed = typed_copy(sheet, paper.line_chars());
    if parity_count == 0 {
        return vec![typed.0];
    }
    let items = sheet.items();
    let parity = |stride: usize| -> Vec<Vec<(Style, String)>> {
        let sections = parity_lines::render(&items, parity_count, stride);
        sections.into_iter().map(parity_section).collect()
    };
    // The most data lines a page may hold: as many as one page of parity lines covers.
    let capacity = pdf::body_lines_per_page(paper);
    let most = (1..=capacity)
        .rev()
        .find(|&stride| {
            parity(stride)
                .iter()
                .all(|s| pdf::text_pages(s, paper) == 1)
        })
        .unwrap_or(capacity);
    let cut = cut_typed(typed, paper, most);
    let stride = (cut.iter())
        .map(|(lines, data)| most_data_lines(lines, data, paper))
        .max()
        .unwrap_or(1);
    let mut out: Vec<Vec<(Style, String)>> = cut.into_iter().map(|(lines, _)| lines).collect();
    out.extend(parity(stride));
    out
}

/// A parity page's typed lines under a heading that says what they are for (in few lines:
/// the fewer, the more data lines a page of the typed copy may hold).
fn parity_section(lines: Vec<String>) -> Vec<(Style, String)> {
    let heading =
        "PARITY LINES: with them keycellar rebuilds lost pages of typed lines (FORMAT.md 8.8)";
    let mut out = vec![(Style::Body, heading.to_string())];
    out.extend(
        lines
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(|l| (Style::Body, l)),
    );
    out
}

/// The most data lines any page of `lines` holds (`data` flags them).
fn most_data_lines(lines: &[(Style, String)], data: &[bool], paper: Paper) -> usize {
    let mut per_page: BTreeMap<usize, usize> = BTreeMap::new();
    let pages = pdf::text_page_of_each(lines, paper);
    for (page, _) in pages.iter().zip(data).filter(|(_, data)| **data) {
        *per_page.entry(*page).or_default() += 1;
    }
    per_page.values().copied().max().unwrap_or(0)
}

/// `typed` cut into sections, each to start a page, so that no page holds more than
/// `most` data lines.
fn cut_typed((mut lines, mut data): Flagged, paper: Paper, most: usize) -> Vec<Flagged> {
    let mut out = Vec::new();
    loop {
        let pages = pdf::text_page_of_each(&lines, paper);
        let (mut page, mut count, mut cut) = (0, 0, None);
        for (n, (&p, &is_data)) in pages.iter().zip(&data).enumerate() {
            (page, count) = if p == page { (page, count) } else { (p, 0) };
            count += usize::from(is_data);
            if count > most.max(1) {
                cut = Some(n);
                break;
            }
        }
        let Some(cut) = cut else {
            out.push((lines, data));
            return out;
        };
        let (rest, rest_data) = (lines.split_off(cut), data.split_off(cut));
        out.push((lines, data));
        (lines, data) = (rest, rest_data);
    }
}

/// The page of each share of a split sheet's key, in the order of the shares; none for a
/// sheet that is not split.
pub fn render_shares(sheet: &Sheet, paper: Paper) -> Result<Vec<Printed>> {
    let Some(split) = sheet.split() else {
        return Ok(Vec::new());
    };
    (split.shares.iter())
        .map(|(share, base32)| render_share(sheet, split, share.x, base32, paper))
        .collect()
}

/// The page of share `x` (its text `base32`) of `split`, the split of `sheet`'s key: what
/// it is, its one QR code, and its typed lines with their checks. Its code is encoded and
/// decoded back like the sheet's.
fn render_share(
    sheet: &Sheet,
    split: &Split,
    x: u8,
    base32: &str,
    paper: Paper,
) -> Result<Printed> {
    let (k, n) = (split.threshold.k, split.threshold.n);
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

/// Builds the PDF for a sheet with the default parity pages.
pub fn render(sheet: &Sheet, paper: Paper) -> Result<Printed> {
    render_with_parity(sheet, paper, None)
}

/// The parity pages a sheet gets by default: one from three pages of codes on, as long as
/// parity can cover them.
fn default_parity(data_pages: usize) -> usize {
    usize::from((3..=parity::MAX_DATA_PAGES).contains(&data_pages))
}

/// The data codes of a sheet, in print order, with their captions.
fn data_codes(sheet: &Sheet) -> Vec<(String, Code)> {
    let mut codes = Vec::new();
    for (item, base32) in sheet.items() {
        let label = caption_name(sheet, item);
        let item_codes = sheet.codes(item, base32).into_iter();
        codes.extend(item_codes.map(|code| (caption(&code, &label), code)));
    }
    codes
}

/// The parity pages' codes (FORMAT.md 8.8) of `data`, printed `per_page` to a page from
/// page `first_page` on, encoded and decoded back: one list for each parity page.
fn parity_symbols(
    data: &[Code],
    per_page: usize,
    first_page: u16,
    parity_count: usize,
) -> Result<Vec<Vec<(String, Symbol)>>> {
    let pages = parity_pages::encode(data, per_page, first_page, parity_count);
    let mut symbols = Vec::with_capacity(parity_count);
    for (i, page) in pages.iter().enumerate() {
        let label = format!("parity page {} of {parity_count}", i + 1);
        let jobs: Vec<(String, String)> = (page.iter())
            .map(|code| (caption(code, &label), code.render()))
            .collect();
        symbols.push(encode(&jobs)?);
    }
    Ok(symbols)
}

/// Builds the PDF for a sheet with `parity_pages` parity pages (`None`: the default):
/// every code is encoded within the version cap and decoded back before anything is
/// returned.
pub fn render_with_parity(
    sheet: &Sheet,
    paper: Paper,
    parity_pages: Option<usize>,
) -> Result<Printed> {
    let codes = data_codes(sheet);
    let jobs: Vec<(String, String)> = codes
        .iter()
        .map(|(c, code)| (c.clone(), code.render()))
        .collect();
    let symbols = encode(&jobs)?;
    let largest = symbols.iter().map(|(_, s)| s.width).max().unwrap_or(21);
    let per_page = pdf::codes_per_page(largest, paper);
    let data_pages = codes.len().div_ceil(per_page);
    let parity_count = parity_pages.unwrap_or(default_parity(data_pages));
    if parity_count > 0 && data_pages > parity::MAX_DATA_PAGES {
        return Err(PaperError::ParityTooManyPages {
            pages: data_pages,
            max: parity::MAX_DATA_PAGES,
        }
        .into());
    }
    let width = paper.line_chars();
    let cover = cover(sheet, width, parity_count);
    let first_page = pdf::text_pages(&cover, paper) as u16 + 1;
    let data: Vec<Code> = codes.into_iter().map(|(_, code)| code).collect();
    let parity_symbols = parity_symbols(&data, per_page, first_page, parity_count)?;
    let header = format!("keycellar paper backup, sheet {}", sheet.id);
    let typed = typed_sections(sheet, paper, parity_count);
    let mut printed = printed(&symbols, |placed| {
        let parity: Vec<Vec<Placed<'_>>> =
            parity_symbols.iter().map(|page| placements(page)).collect();
        pdf::document(
            "keycellar paper backup",
            &header,
            paper,
            &cover,
            placed,
            &parity,
            &typed,
        )
    });
    printed.codes += parity_symbols.iter().map(Vec::len).sum::<usize>();
    printed.parity_pages = parity_count;
    Ok(printed)
}

#[cfg(test)]
#[path = "layout/tests.rs"]
mod tests;

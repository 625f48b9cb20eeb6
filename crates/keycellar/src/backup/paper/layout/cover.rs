//! The cover: the first page's prose, from `cover.txt`.

use super::super::pdf::Style;
use super::super::sheet::Sheet;
use super::wrap;
use crate::backup::agefile;
use crate::passphrase::cost::{self, GuessCost, Kdf};
use crate::passphrase::generate;

/// The first page's prose: `cover.txt`, a template whose lines are a title (`= `), a
/// heading (`## `), a command (`$ `) or its continuation (`> `), a block made here (`{unlock}`, `{entries}`), a blank
/// line, or a paragraph wrapped to `width`; `{name}` fields are filled in.
const COVER: &str = include_str!("../cover.txt");

pub(super) fn cover(sheet: &Sheet, width: usize, parity_pages: usize) -> Vec<(Style, String)> {
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
        } else if line == "{parity}" {
            if parity_pages > 0 {
                wrap(&mut out, Style::Body, 0, &parity_note(parity_pages), width);
            }
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
    if let Some(split) = sheet.split() {
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

/// The cover's one sentence on parity pages.
fn parity_note(parity_pages: usize) -> String {
    format!(
        "A LOST PAGE can be rebuilt: the parity pages (P1 ...) after the codes and after the \
         typed copy let keycellar restore rebuild up to {} of codes, and as many of typed \
         lines, by itself; docs/FORMAT.md section 8.8 and fixtures/vectors/rebuild_page.py \
         in the keycellar source are the recipe without it.",
        crate::wording::count(parity_pages, "lost page", "lost pages"),
    )
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

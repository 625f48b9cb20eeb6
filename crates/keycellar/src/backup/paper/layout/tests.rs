use super::*;
use crate::backup::paper::sheet::{KeyItem, SheetEntry, SheetKey};

fn sheet(recipients: Option<Vec<String>>) -> Sheet {
    let fingerprint: crate::credential::fingerprint::Fingerprint =
        "YP2B-D3HQ-448X-E7RS".parse().unwrap();
    Sheet {
        readers: Vec::new(),
        id: "7F3A9C2E".into(),
        created_at: crate::clock::Timestamp::now(),
        vault_fingerprint: fingerprint,
        recipients,
        key: KeyItem::Encrypted("MFRGG".repeat(130)),
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
            let typed = typed_sections(&sheet, paper, 2);
            let lines = (cover(&sheet, width, 2).into_iter()).chain(typed.into_iter().flatten());
            for (style, line) in lines {
                if style == Style::Body {
                    assert!(line.chars().count() <= width, "{paper:?}: {line}");
                }
            }
        }
    }
}

/// A sheet of 50 Kraken keys, each with permissions, an allow-list and a user (as
/// `tests/it/paper_parity.rs` prints them).
fn fifty_kraken_keys() -> Sheet {
    use crate::backup::agefile::{self, Encryption, Recipients};
    use crate::credential::fingerprint::Fingerprint;
    use base64::Engine;
    let entries: Vec<crate::credential::entry::Entry> = (0..50u8)
        .map(|i| {
            let secret = [i.wrapping_mul(7).wrapping_add(1); 64];
            let secret = base64::engine::general_purpose::STANDARD.encode(secret);
            let key = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V";
            let mut entry = crate::credential::entry::sample(
                &format!("kraken-bot-{i:02}"),
                "kraken".parse().unwrap(),
                &format!("{key}{i:02}"),
                &secret,
            );
            entry.permissions = vec!["query-funds".into(), "modify-trades".into()];
            entry.ip_allowlist = vec!["203.0.113.7".into()];
            entry.used_by = vec!["gridbot".into()];
            entry.fingerprint = Fingerprint::repeated(i);
            entry
        })
        .collect();
    let mut recipients = Recipients::default();
    recipients.add(&agefile::new_identity().1).unwrap();
    let to = Encryption::Recipients(recipients);
    let fingerprint = Fingerprint::repeated(99);
    Sheet::build(fingerprint, entries.iter().collect(), SheetKey::To(&to)).unwrap()
}

/// Issue 34's cost of the default parity page (N = 1) for 50 Kraken keys, on one sheet
/// rendered both ways (docs/FORMAT.md 8.4 and 8.8, docs/PERFORMANCE.md): at most 15% more
/// pages. It takes 2 more A4 pages than 18 (11%) and 2 more Letter pages than 20 (10%): one
/// page of parity codes (each slot's record, in decimal, fits one code) and one of parity
/// lines.
#[test]
fn one_parity_page_costs_fifty_keys_at_most_fifteen_percent() {
    let sheet = fifty_kraken_keys();
    for paper in Paper::ALL {
        let without = render_with_parity(&sheet, paper, Some(0)).unwrap();
        let with = render(&sheet, paper).unwrap();
        assert_eq!((without.parity_pages, with.parity_pages), (0, 1));
        // The typed copy of 50 keys leaves about 50 lines free on its last page, so cutting
        // it where a page of parity lines needs does not take one more page.
        let more = with.pages - without.pages;
        assert!(
            100 * more <= 15 * without.pages,
            "{paper:?}: {more} pages more than {}",
            without.pages
        );
    }
}

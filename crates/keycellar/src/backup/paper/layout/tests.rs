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
            let lines = cover(&sheet, width, 2)
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

//! What did not come back is said as facts a front end can tell apart.

use super::*;
use crate::backup::agefile::{Encryption, Recipients};
use crate::backup::paper::sheet::{Sheet, SheetKey};
use crate::backup::paper::{read_typed, text};
use crate::credential::entry::sample;
use crate::credential::exchange::Exchange;

const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

/// A sheet of two entries (`admitted`, so with their fingerprints recorded, or not)
/// encrypted to a new identity, typed out without the items `left_out`; gives the typed
/// text and the identity.
fn typed(left_out: &[Item], admitted: bool) -> (String, Identities) {
    let (secret, public) = agefile::new_identity();
    let mut recipients = Recipients::default();
    recipients.add(&public).unwrap();
    let encryption = Encryption::Recipients(recipients);
    let entries = ["one", "two"].map(|label| {
        let entry = sample(label, Exchange::Kraken, KEY, SECRET);
        match admitted {
            true => validate::admit(entry.with_fingerprint(None)).unwrap().entry,
            false => entry,
        }
    });
    let fingerprint = "FZF7-EKDN-004C-Y7KP".parse().unwrap();
    let sheet = Sheet::build(
        fingerprint,
        entries.iter().collect(),
        SheetKey::To(&encryption),
    )
    .unwrap();
    let mut lines = vec![text::sheet_line(&sheet.id)];
    for (item, base32) in sheet.items() {
        if !left_out.contains(&item) {
            lines.extend(text::render(item, base32, "item"));
        }
    }
    let mut identities = Identities::default();
    identities
        .add_bytes(secret.as_bytes(), "the identity")
        .unwrap();
    (lines.join("\n"), identities)
}

#[test]
fn an_entry_and_the_details_left_unread_are_named_with_why() {
    let (typed, identities) = typed(&[Item::Entry(2), Item::Details], true);
    let read = read_typed(&typed, "typed").unwrap();
    let restored = restore(&read, &identities, &[], "typed").unwrap();
    assert_eq!(restored.entries.len(), 1);
    assert_eq!(
        restored.problems,
        [NotRestored::Entry {
            tag: "E002".into(),
            label: None,
            why: Unread::NotRead { tag: "E002".into() },
        }]
    );
    let missing = Unread::NotRead { tag: "M".into() };
    assert_eq!(restored.details_missing, Some(missing));
    assert_eq!(restored.compared(), Read::Credentials);
    assert!(matches!(
        restored.complete(),
        Err(Error::Paper(PaperError::PaperIncomplete { .. }))
    ));
}

#[test]
fn an_item_of_another_sheet_does_not_open_with_this_sheets_key() {
    let (typed, identities) = self::typed(&[], true);
    let (other, _) = self::typed(&[], true);
    // The second entry's lines taken from another sheet, under this sheet's name.
    let other_entry: Vec<&str> = (other.lines())
        .skip_while(|line| !line.starts_with("== E002"))
        .take_while(|line| !line.starts_with("== M"))
        .collect();
    let ours: Vec<&str> = typed.lines().collect();
    let start = ours.iter().position(|l| l.starts_with("== E002")).unwrap();
    let end = ours.iter().position(|l| l.starts_with("== M")).unwrap();
    let mixed = [&ours[..start], &other_entry[..], &ours[end..]].concat();
    let read = read_typed(&mixed.join("\n"), "typed").unwrap();
    let restored = restore(&read, &identities, &[], "typed").unwrap();
    let [NotRestored::Entry { tag, why, .. }] = &restored.problems[..] else {
        panic!("{:?}", restored.problems);
    };
    assert_eq!(tag, "E002");
    assert!(matches!(why, Unread::WrongKey { .. }), "{why}");
    assert!(
        why.to_string()
            .starts_with("it does not open with this sheet's key (")
    );
}

#[test]
fn an_entry_whose_key_does_not_give_its_recorded_fingerprint_is_refused() {
    // Never admitted: the sheet records a fingerprint of zeros.
    let (typed, identities) = typed(&[], false);
    let read = read_typed(&typed, "typed").unwrap();
    let restored = restore(&read, &identities, &[], "typed").unwrap();
    assert_eq!(restored.problems.len(), 2);
    for problem in &restored.problems {
        let NotRestored::Entry { why, .. } = problem else {
            panic!("{problem}");
        };
        assert!(matches!(why, Unread::FingerprintDiffers { recorded, .. }
            if recorded == "0000-0000-0000-0000"));
    }
}

#[test]
fn typed_copies_in_several_files_are_read_as_one_and_their_notes_told() {
    use crate::backup::paper::notes::{Ignored, Note};
    use crate::backup::paper::{SheetSource, read_sheet};
    let (typed, identities) = typed(&[], true);
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<&str> = typed.lines().collect();
    let middle = lines.iter().position(|l| l.starts_with("== E002")).unwrap();
    let files = [dir.path().join("a.txt"), dir.path().join("b.txt")];
    std::fs::write(&files[0], lines[..middle].join("\n")).unwrap();
    std::fs::write(&files[1], lines[middle..].join("\n")).unwrap();
    let mut read = read_sheet(SheetSource::Typed(&files), &|_| {}).unwrap();
    assert_eq!(read.name, "2 typed files");
    assert!(read.notes().is_empty());
    let restored = restore(&read.sheet, &identities, &[], &read.name).unwrap();
    assert_eq!((restored.entries.len(), restored.notes()), (2, vec![]));

    read.ignored.push(Ignored::ParityColumn { column: 2 });
    read.sheet.parity.pages.insert(3);
    let notes = read.notes();
    let told: Vec<(bool, String)> = (notes.iter())
        .map(|n| (n.is_warning(), n.to_string()))
        .collect();
    assert_eq!(
        told[1],
        (
            false,
            "Rebuilt the codes of page 3 from the parity pages".into()
        )
    );
    assert!(
        told[0].0
            && told[0]
                .1
                .starts_with("the typed lines read in column 2 do not fit")
    );
    assert!(matches!(notes[0], Note::Ignored(_)));
}

#[test]
fn a_line_left_out_is_named_as_missing() {
    use crate::error::ItemProblem;
    let (typed, identities) = typed(&[], true);
    let without: Vec<&str> = (typed.lines())
        .filter(|line| !line.starts_with("E002 01 "))
        .collect();
    assert_eq!(without.len() + 1, typed.lines().count());
    let read = read_typed(&without.join("\n"), "typed").unwrap();
    let restored = restore(&read, &identities, &[], "typed").unwrap();
    let [NotRestored::Entry { tag, why, .. }] = &restored.problems[..] else {
        panic!("{:?}", restored.problems);
    };
    let missing = ItemProblem::LineMissing {
        line: "E002 01".into(),
    };
    assert_eq!(
        (tag.as_str(), why),
        ("E002", &Unread::NotAssembled(vec![missing]))
    );
}

#[test]
fn typed_files_are_bounded_together_not_each() {
    use crate::backup::paper::{SheetSource, read_sheet, text::MAX_TYPED_FILE_LEN};
    use crate::error::InputError;
    let dir = tempfile::tempdir().unwrap();
    let half = dir.path().join("half.txt");
    std::fs::write(&half, vec![b'A'; (MAX_TYPED_FILE_LEN / 2) as usize]).unwrap();
    let files = vec![half.clone(); 3];
    let refused = read_sheet(SheetSource::Typed(&files), &|_| {}).unwrap_err();
    assert!(
        matches!(&refused, Error::Input(InputError::InputTooLarge { source_name, limit, .. })
            if source_name == "3 typed files" && *limit == MAX_TYPED_FILE_LEN),
        "{refused}"
    );
}

/// A copy of short lines is bounded by its number of lines, not only its size (second
/// attacker pass of the fourth session, F5: `K 1` four million times took 1.9 GB): a
/// copy of as many lines as a copy may hold is read, one more is refused by its count.
#[test]
fn a_typed_copy_of_more_lines_than_any_sheet_has_is_refused_by_its_count() {
    use crate::backup::paper::{SheetSource, read_sheet, text::MAX_TYPED_LINES};
    use crate::error::{PaperError, Unreadable};
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("short.txt");
    let read = |lines: usize| {
        std::fs::write(&copy, "K 1\n".repeat(lines)).unwrap();
        read_sheet(SheetSource::Typed(std::slice::from_ref(&copy)), &|_| {})
    };
    assert!(read(MAX_TYPED_LINES).is_ok());
    let refused = read(MAX_TYPED_LINES + 1).err();
    let Some(Error::Paper(PaperError::PaperUnreadable { why })) = &refused else {
        panic!("{refused:?}");
    };
    assert!(
        matches!(**why, Unreadable::TooManyLines { most, .. } if most == MAX_TYPED_LINES),
        "{why}"
    );
}

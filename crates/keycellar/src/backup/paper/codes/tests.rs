use super::*;

#[test]
fn codes_render_and_parse_back_and_catch_damage() {
    let codes = split("7F3A9C2E", Item::Entry(3), "MFRGGZDFMZTWQ2LKNBSW", 8);
    assert_eq!(codes.len(), 3);
    let line = codes[1].render();
    assert!(line.starts_with("KC2 7F3A9C2E E003 02/03 "), "{line}");
    assert_eq!(Code::parse(&format!("{line}\n")).unwrap(), codes[1]);
    let v1 = Code {
        format: Format::V1,
        ..codes[1].clone()
    };
    let typo = v1.render().replacen("MZTW", "MZWT", 1);
    assert!(Code::parse(&typo).unwrap_err().contains("check value"));
    assert_eq!(Code::parse(&v1.render()).unwrap(), v1);
    assert!(Code::parse("hello").is_err());
    assert!(Code::parse("KC2 7F3A9C2E E003 02/03 mfrg").is_err());
}

#[test]
fn any_order_duplicates_and_foreign_sheets() {
    let codes = split("AAAAAAAA", Item::Key, "ABCDEFGHIJKLMNOP", 5);
    let foreign = split("BBBBBBBB", Item::Key, "ZZZZ", 5);
    let mut collected = Collected::default();
    for code in codes.iter().rev().chain(&codes[..1]).chain(&foreign) {
        collected.add(&code.render());
    }
    let texts = |c: &Collected| -> Vec<String> {
        c.assemble(Item::Key).unwrap().0.into_iter().map(|(t, _)| t).collect()
    };
    assert_eq!(texts(&collected), ["ABCDEFGHIJKLMNOP"]);
    assert_eq!(collected.refused.len(), 1);
    assert!(matches!(&collected.refused[0], Ignored::OtherSheet { sheet, .. } if sheet == "BBBBBBBB"));

    let mut conflicting = Collected::default();
    for code in &codes {
        conflicting.add(&code.render());
    }
    let mut other = codes[1].clone();
    other.data = "QQQQ".into();
    conflicting.add(&other.render());
    assert_eq!(
        texts(&conflicting),
        ["ABCDEFGHIJKLMNOP", "ABCDQQQQIJKLMNOP"]
    );

    let mut partial = Collected::default();
    partial.add(&codes[0].render());
    assert!(!partial.complete());
    assert!(collected.complete());
    let err = partial.assemble(Item::Key).unwrap_err().to_string();
    assert!(err.contains("2/4, 3/4, 4/4"), "{err}");
}

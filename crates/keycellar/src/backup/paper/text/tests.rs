use super::*;

/// An item's base32 text of a little over two lines.
const DATA: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPJAUEQ2EIVDEOSCJJJFUYTKOJ5IFCUSTKRKVMV2YLFNFOYLCMNSGKZTHNBUWU23MNVXG64DROJZXI5LWO5WHK6L2IFBEGRCFIZDUQSKKJNGE2TSPKBIVEU2UKVLFOWCZLI";

fn printed(item: Item) -> Vec<String> {
    render(item, &padded(DATA), "test item")
}

/// The item's candidates, or its problems in words.
fn one_item(text: &str, item: Item) -> Result<Candidates, Vec<String>> {
    let assembled = assemble(&read(text).unwrap()).remove(&item);
    let problems = |problems: Vec<ItemProblem>| problems.iter().map(|p| p.to_string()).collect();
    assembled.expect("the item was read").map_err(problems)
}

#[test]
fn printed_lines_read_back_exactly() {
    let lines = printed(Item::Entry(7));
    assert!(lines[1].starts_with("E007 01  "), "{}", lines[1]);
    assert!(lines.iter().all(|l| l.len() <= 98), "{lines:?}");
    let candidates = one_item(&lines.join("\n"), Item::Entry(7)).unwrap();
    assert_eq!(candidates.0, vec![(padded(DATA), vec![])]);
}

/// A printed line spaced out to the longest a line may be still reads; one character more
/// and it is no line of a sheet (passed over before it is split into words).
#[test]
fn a_line_longer_than_any_printed_one_is_passed_over() {
    let lines = printed(Item::Entry(7));
    let spaced = |width: usize| {
        let words: Vec<&str> = lines[1].split_whitespace().collect();
        let gap = (width - words.concat().len()) / (words.len() - 1);
        let mut line = words.join(&" ".repeat(gap));
        line.push_str(&" ".repeat(width - line.len()));
        line
    };
    let widest = spaced(MAX_TYPED_LINE_LEN);
    assert_eq!(read(&widest).unwrap().lines.len(), 1);
    let wider = spaced(MAX_TYPED_LINE_LEN + 1);
    assert_eq!(read(&wider).unwrap().lines.len(), 0);
}

#[test]
fn case_spacing_bom_crlf_tabs_and_missing_markers_do_not_matter() {
    let lines = printed(Item::Key);
    let data_only: Vec<&str> = lines
        .iter()
        .filter(|l| !l.starts_with("=="))
        .map(String::as_str)
        .collect();
    let mangled = format!(
        "\u{feff}{}\r\n",
        data_only
            .iter()
            .map(|l| format!("\t{}   ", l.to_lowercase().replace("  ", " \t ")))
            .collect::<Vec<_>>()
            .join("\r\n\r\n")
    );
    let candidates = one_item(&mangled, Item::Key).unwrap();
    assert_eq!(candidates.0[0].0, padded(DATA));
}

#[test]
fn check_values_on_lines_of_their_own_are_matched_in_order() {
    // As pdftotext without -layout writes a page: the lines, then their check values.
    let lines = printed(Item::Entry(1));
    let data: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("E001"))
        .map(String::as_str)
        .collect();
    let mut text = String::new();
    let mut checks = Vec::new();
    for line in &data {
        let (body, check) = line.rsplit_once("  ").unwrap();
        text.push_str(body.trim_end());
        text.push('\n');
        checks.push(check.to_string());
    }
    text.push_str(&checks.join("\n"));
    assert_eq!(
        one_item(&text, Item::Entry(1)).unwrap().0[0].0,
        padded(DATA)
    );
}

#[test]
fn a_typo_or_a_swap_is_mended_and_described() {
    let lines = printed(Item::Entry(2));
    let line = &lines[1];
    let at = 9 + 5 + 1 + 2; // third character of the second group
    let original = line.as_bytes()[at] as char;
    let wrong = if original == 'Q' { 'G' } else { 'Q' };
    let mut typo = line.clone();
    typo.replace_range(at..at + 1, &wrong.to_string());
    let text = lines.join("\n").replacen(line.as_str(), &typo, 1);
    let candidates = one_item(&text, Item::Entry(2)).unwrap();
    let (mended, fixes) = &candidates.0[0];
    assert_eq!(*mended, padded(DATA));
    assert_eq!(fixes.len(), 1);
    assert_eq!(
        fixes[0].describe(),
        format!(
            "line E002 01, column 8 (group 2, character 3): the paper probably says \
             {original}, you typed {wrong}"
        )
    );
}

#[test]
fn every_problem_is_named_in_one_pass() {
    let lines = printed(Item::Entry(3));
    let mut text: Vec<String> = lines.clone();
    // Line 01: two characters wrong (too much to mend); line 02: left out; line 03: no
    // check value.
    let mut bad = text[1].clone();
    bad.replace_range(9..11, if &bad[9..11] == "ZZ" { "YY" } else { "ZZ" });
    text[1] = bad;
    text.remove(2);
    let last = text[2].clone();
    text[2] = last.rsplit_once("  ").unwrap().0.to_string();
    let problems = one_item(&text.join("\n"), Item::Entry(3)).unwrap_err();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].contains("line E003 01: a typing mistake"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("line E003 02 is missing"),
        "{problems:?}"
    );
    assert!(
        problems[2].contains("line E003 03 has no check value"),
        "{problems:?}"
    );
}

#[test]
fn a_mistyped_line_number_is_mended_by_its_check() {
    let lines = printed(Item::Entry(4));
    let typo = lines[1].replacen("E004 01", "E004 07", 1);
    let text = lines.join("\n").replacen(lines[1].as_str(), &typo, 1);
    let candidates = one_item(&text, Item::Entry(4)).unwrap();
    let (mended, fixes) = &candidates.0[0];
    assert_eq!(*mended, padded(DATA));
    assert_eq!(
        fixes[0].describe(),
        "line E004 07, its name: the paper probably says E004 01, you typed E004 07"
    );
}

#[test]
fn mending_is_bounded_on_a_file_of_nothing_but_mistakes() {
    let line = printed(Item::Entry(5))[1].clone();
    let bad: String = (1..=99)
        .flat_map(|n| (1..=20).map(move |e| (n, e)))
        .map(|(n, e)| format!("E{e:03} {n:02} {} 0000\n", &line[9..80]))
        .collect();
    let items = assemble(&read(&bad).unwrap());
    assert_eq!(items.len(), 20);
    assert!(items.values().all(Result::is_err));
}

/// A typed line of `item` whose check two different single corrections each fit: its data is
/// `DATA`'s first line, and its check is one that two changed characters both give.
fn ambiguous_line(item: Item, number: usize) -> String {
    let data = &DATA[..LINE_CHARS];
    let mut fits: BTreeMap<String, usize> = BTreeMap::new();
    for at in 0..data.len() {
        for &c in ALPHABET.iter().filter(|c| **c != data.as_bytes()[at]) {
            let mut changed = data.as_bytes().to_vec();
            changed[at] = c;
            let check = line_check(item, number, std::str::from_utf8(&changed).unwrap());
            *fits.entry(check).or_default() += 1;
        }
    }
    let check = fits
        .into_iter()
        .find(|(check, n)| *n >= 2 && *check != line_check(item, number, data))
        .expect("a check two corrections fit")
        .0;
    format!("{} {number:02}  {data}  {check}", item.tag())
}

#[test]
fn ambiguous_lines_are_capped_across_lines_not_only_within_one() {
    // A few such lines: every way is tried.
    let few: Vec<String> = (1..=2).map(|n| ambiguous_line(Item::Entry(1), n)).collect();
    let ways: usize = read(&few.join("\n"))
        .unwrap()
        .lines
        .iter()
        .map(|line| mend_line(line).unwrap().len())
        .product();
    assert!(ways >= 4);
    let candidates = one_item(&few.join("\n"), Item::Entry(1)).unwrap();
    assert_eq!(candidates.0.len(), ways);
    // Two hundred such lines are refused by their count, naming the first few lines.
    let many: Vec<String> = (1..=200)
        .map(|n| ambiguous_line(Item::Entry(1), n))
        .collect();
    let problems = one_item(&many.join("\n"), Item::Entry(1)).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("lines E001 01, E001 02,")
            && problems[0].contains("and 192 more")
            && problems[0].contains("compare them with the paper"),
        "{problems:?}"
    );
    // `combine` itself never builds more than the cap, however many lines there are.
    let two = vec![("A".to_string(), vec![]), ("B".to_string(), vec![])];
    let mut budget = MAX_CANDIDATE_CHARS;
    let joined = combine(&vec![two.clone(); 6], &mut budget).unwrap();
    assert_eq!(joined.len(), 64);
    assert_eq!(
        (joined[0].0.as_str(), joined[1].0.as_str()),
        ("AAAAAA", "AAAAAB")
    );
    assert_eq!(budget, MAX_CANDIDATE_CHARS - 64 * 6);
    assert_eq!(
        combine(&vec![two.clone(); 7], &mut budget),
        Err(TooMany::Ways)
    );
    // The text of all items together is bounded too.
    let mut nearly_spent = 64 * 6 - 1;
    assert_eq!(
        combine(&vec![two; 6], &mut nearly_spent),
        Err(TooMany::Text)
    );
}

/// A line whose check fits no correction is moved only to a name the copy still lacks: not
/// past its item's count (from the `END` line, or past the lines read without it), not onto
/// a line typed with a matching check, and a short line only to its item's last line.
#[test]
fn a_line_is_moved_only_to_a_name_the_copy_lacks() {
    let lines = printed(Item::Entry(4));
    let bad = format!("ZZ{}", &DATA[2..70]);
    let short = &DATA[..65];
    // (typed as, its data fits the check of line, line 02 left out, moved back)
    for (typed_as, fits, without_02, moved) in [
        (1, 50, false, false),
        (1, 2, false, false),
        (7, 1, false, true),
        (1, 2, true, false),
    ] {
        let data = match (without_02, moved) {
            (true, _) => short,
            (_, true) => &DATA[..70],
            _ => &bad[..],
        };
        let check = line_check(Item::Entry(4), fits, data);
        let mut text = lines.clone();
        text[1] = format!("E004 {typed_as:02}  {data}  {check}");
        if without_02 {
            text.remove(2);
        }
        let end = text.len() - 1;
        for text in [&text[..], &text[..end]] {
            let case = format!("{typed_as} fitting {fits}, END line {}", text.len() > end);
            match one_item(&text.join("\n"), Item::Entry(4)) {
                Err(problems) => {
                    assert!(!moved, "{case}: {problems:?}");
                    let not_02 = problems.iter().filter(|p| !p.contains("line E004 02 is"));
                    let expected = format!("line E004 {typed_as:02}: a typing mistake");
                    assert!(not_02.clone().count() == 1, "{case}: {problems:?}");
                    assert!(not_02.clone().all(|p| p.starts_with(&expected)), "{case}");
                }
                Ok(candidates) => {
                    assert!(moved, "{case}: {candidates:?}");
                    assert_eq!(candidates.0[0].1[0].part, FixPart::LineName);
                }
            }
        }
    }
}

/// A line longer than any printed one is not searched for corrections or a name (each try
/// checks the whole line, so the search grew with the square of its length: a
/// 100,000-character line took minutes): it is named as a typing mistake at once. One
/// longer than a line may be at all is passed over: the line is missing.
#[test]
fn a_line_longer_than_any_printed_one_is_not_searched() {
    let lines = printed(Item::Entry(3));
    let check = lines[2].rsplit(' ').next().unwrap();
    let problems = |data_len: usize| {
        let long = format!("E003 02  {}  {check}", "A".repeat(data_len));
        let text = [&lines[..2], &[long], &lines[3..]].concat().join("\n");
        one_item(&text, Item::Entry(3)).unwrap_err()
    };
    assert_eq!(
        problems(LINE_CHARS * 10),
        [
            "line E003 02: a typing mistake (its check value does not match); compare it with \
          the paper character by character"
        ]
    );
    assert_eq!(
        problems(1_000_000),
        ["line E003 02 is missing; type it from the paper"]
    );
}

#[test]
fn a_mended_character_is_shown_escaped() {
    let fix = Fix {
        line: "E003 02".into(),
        part: FixPart::Data,
        column: 7,
        typed: "\u{1b}".into(),
        paper: "Q".into(),
    };
    assert_eq!(
        fix.describe(),
        "line E003 02, column 7 (group 2, character 2): the paper probably says Q, you typed \
         \\u{1b}"
    );
    // A line renamed keeps its name as typed, which can be anything.
    let renamed = mend::renamed("\u{1b}]0;X\u{7} 05", Item::Entry(1), 5);
    assert!(
        renamed
            .describe()
            .starts_with("line \\u{1b}]0;X\\u{7} 05, its name")
    );
    let problem = crate::error::not_mended(&renamed.line, "its END line's check");
    assert!(problem.starts_with("line \\u{1b}]0;X\\u{7} 05: a typing mistake"));
}

//! What of a sheet did not come back, and why, as facts a front end can tell apart: an
//! item not read whole ([`ItemProblem`], each named by its line or tag), an item that did
//! not come back ([`Unread`]), a share set aside ([`SetAside`]).

use crate::wording::{first_few, noun};

/// Why one item of a sheet (an entry, the details block, a share) did not come back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unread {
    /// No code or typed line of the item (`tag`, as `E001`) was read.
    #[error("no code or line of {tag} was read")]
    NotRead { tag: String },
    /// Its codes or lines were read but do not make one text.
    #[error("{}", problems(.0))]
    NotAssembled(Vec<ItemProblem>),
    #[error("its text is not valid base32")]
    NotBase32,
    /// Typed `lines` had corrections that fit their checks, and no correction lets the item
    /// (`tag`) pass age's authentication (`why`, age's words): a line has more than one
    /// mistake.
    #[error("{}", not_mended_all(.lines, &format!("age's authentication of {tag} ({why})")))]
    NotMended {
        lines: Vec<String>,
        tag: String,
        why: String,
    },
    /// It does not open with the sheet's key (`why`, age's words).
    #[error(
        "it does not open with this sheet's key ({why}): a line is missing at its end or was \
         typed wrongly although its check matched, or it is from another sheet"
    )]
    WrongKey { why: String },
    /// It opened, but what it holds is not a valid entry or details block (the reader's
    /// words).
    #[error("{0}")]
    Damaged(String),
    /// The entry's key does not give the fingerprint the sheet recorded for it.
    #[error("its key gives fingerprint {computed} but the sheet recorded {recorded}")]
    FingerprintDiffers { computed: String, recorded: String },
}

/// What keeps one item of a sheet from being read whole, named by its printed line (`line`,
/// as `E001 02`) or its tag (`tag`, as `E001`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemProblem {
    #[error(
        "line {line} has no check value; type the four characters at the end of the printed \
         line"
    )]
    NoCheck { line: String },
    /// No single correction makes the line fit its check.
    #[error(
        "line {line}: a typing mistake (its check value does not match); compare it with the \
         paper character by character"
    )]
    Unmendable { line: String },
    #[error("line {line} is missing; type it from the paper")]
    LineMissing { line: String },
    #[error("line {line} is typed {times} times with different text; keep the one on the paper")]
    TypedDifferently { line: String, times: usize },
    #[error("line {line} is beyond the {count} lines its END line counts")]
    BeyondCount { line: String, count: usize },
    /// `lines` each fit their check with more than one correction.
    #[error(
        "lines {} each fit their check with more than one correction, together {too_much}; \
         compare them with the paper",
        first_few(.lines, 8)
    )]
    TooManyWays {
        lines: Vec<String>,
        too_much: TooMuch,
    },
    #[error(
        "{tag} does not add up to its END line's check: a line is repeated or left out, or \
         the END line is mistyped"
    )]
    EndMismatch { tag: String },
    /// A corrected line, whose every correction leaves the item off its `END` line's check.
    #[error("{}", not_mended(.line, "its END line's check"))]
    NotMendedByEnd { line: String },
    #[error("no code of {tag} was read")]
    NoCode { tag: String },
    /// Parts (`2/5`) of the item's codes were not read.
    #[error(
        "{tag} is incomplete: {} {} {} not read; scan {} again",
        noun(.missing.len(), "part", "parts"),
        .missing.join(", "),
        noun(.missing.len(), "was", "were"),
        noun(.missing.len(), "that code", "those codes")
    )]
    PartsMissing { tag: String, missing: Vec<String> },
    /// Parts (`2/5`) were each read with different texts, together more ways than
    /// `combinations`.
    #[error(
        "{tag}: parts {} were each read with different texts, together more ways than \
         keycellar tries ({combinations}); scan only the pages of one sheet",
        first_few(.parts, 8)
    )]
    PartsDiffer {
        tag: String,
        parts: Vec<String>,
        combinations: usize,
    },
}

/// What there was too much of to try every reading of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooMuch {
    /// More ways than this many.
    Ways(usize),
    /// More text than one copy is read with.
    Text,
}

impl std::fmt::Display for TooMuch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TooMuch::Ways(n) => write!(f, "more ways than keycellar tries ({n})"),
            TooMuch::Text => f.write_str("more text to try than keycellar reads in one copy"),
        }
    }
}

/// Each of `problems`, separated by semicolons.
fn problems(problems: &[ItemProblem]) -> String {
    let texts: Vec<String> = problems.iter().map(ItemProblem::to_string).collect();
    texts.join("; ")
}

/// A share of a split sheet that was read and set aside: it does not fit the shares the key
/// came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetAside {
    /// Share `share` (a second share with its number when `duplicate`) does not combine
    /// with the shares `used` to the key they were made from: it was altered.
    #[error(
        "{} was set aside: it does not combine with the other shares to the key they were \
         made from, so it was altered (the key came from shares {}); ask its holder for the \
         printed share, or print a new split",
        if *.duplicate { format!("a second share numbered {share}") } else { format!("share {share}") },
        numbers(.used)
    )]
    Altered {
        share: u8,
        duplicate: bool,
        used: Vec<u8>,
    },
    /// Shares `odd` do not lie on one polynomial with shares `used` (which gave the key that
    /// matches the split's digest): several were altered, and which cannot be told.
    #[error(
        "shares {} do not lie on one polynomial with shares {}, from which the key came (it \
         matches the split's digest): several shares were altered, and keycellar cannot tell \
         which; print a new split",
        numbers(.odd),
        numbers(.used)
    )]
    Unfitting { odd: Vec<u8>, used: Vec<u8> },
}

/// Share numbers, separated by commas.
fn numbers(shares: &[u8]) -> String {
    let numbers: Vec<String> = shares.iter().map(u8::to_string).collect();
    numbers.join(", ")
}

/// The problem reported for a typed line whose every correction that fits its check leaves
/// its item failing `whole` (the `END` line's check, or age's authentication): the line has
/// more than one mistake, and a wrong correction fit its check by chance.
pub fn not_mended(line: &str, whole: &str) -> String {
    // A line's name may be as typed (a line renamed): shown escaped.
    let line = crate::untrusted::escaped(line);
    format!(
        "line {line}: a typing mistake (its check value does not match, and no correction \
         that fits it passes {whole}); compare it with the paper character by character"
    )
}

/// [`not_mended`] for each of `lines`, separated by semicolons.
fn not_mended_all(lines: &[String], whole: &str) -> String {
    let named: Vec<String> = lines.iter().map(|line| not_mended(line, whole)).collect();
    named.join("; ")
}

//! Why a paper sheet could not be read at all ([`Unreadable`]): a typed copy with no line
//! of a sheet or more lines than any sheet has, a sheet key that did not come back, or
//! shares of a split key that give no key ([`NoKey`], each share not read with why:
//! [`ShareUnread`]).

use super::Unread;

/// Why a sheet could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// The typed copy `name` holds no line of a sheet.
    #[error(
        "{name} holds no typed line of a sheet; lines look like `E001 01  MFRGG ZDFMZ ...  \
         7A1F`"
    )]
    NoTypedLine { name: String },
    /// The typed copy `name` holds more lines than `most`, more than any sheet has.
    #[error("{name} holds more than {most} typed lines, more than any sheet has")]
    TooManyLines { name: String, most: usize },
    /// The sheet key did not come back.
    #[error("the sheet key cannot be read: {0}")]
    Key(Unread),
    /// The shares of a split sheet key give no key (`why`); `twice`: numbers that two
    /// different shares read carry; `unread`: the shares that were not read, each with why.
    #[error("{}{why}{}", twice_numbered(.twice), shares_unread(.unread))]
    Shares {
        why: NoKey,
        twice: Vec<u8>,
        unread: Vec<ShareUnread>,
    },
}

/// Why the shares read of a split sheet key give no key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoKey {
    #[error("no share of the sheet key was read")]
    NoShare,
    /// Share `share` is of another split than share `first` (each named by its sheet and
    /// threshold).
    #[error(
        "share {} belongs to another split ({}) than share {} ({}); use shares of one split \
         only",
        .share.number, .share.split, .first.number, .first.split
    )]
    OtherSplit {
        share: NumberedShare,
        first: NumberedShare,
    },
    /// The shares are of the split `shares`, not of the data sheet `sheet` read with them.
    #[error(
        "the shares are of sheet {} ({}-of-{}), not of this sheet {sheet}",
        .shares.sheet, .shares.k, .shares.n
    )]
    NotThisSheet { shares: SplitOf, sheet: String },
    /// Fewer than `k` shares of a `k`-of-`n` split were read (those numbered `read`).
    #[error(
        "the sheet key is split {k}-of-{n}: {} read ({}); {} more {} needed",
        crate::wording::count(.read.len(), "share was", "shares were"),
        numbers(.read),
        missing(*.k, .read),
        crate::wording::noun(missing(*.k, .read), "is", "are")
    )]
    TooFew { k: u8, n: u8, read: Vec<u8> },
    /// No `k` of the shares read (numbered `read`) combine to the key: exactly `k` were read
    /// and one was altered, or more were altered than the shares to spare.
    #[error("{}", none_combine(*.k, .read))]
    NoneCombine { k: u8, read: Vec<u8> },
    /// `texts` different share texts, and none of the `tried` combinations gives the key.
    #[error(
        "{texts} different share texts were read, and none of the {tried} combinations of \
         them keycellar tried gives the key; give each share once"
    )]
    TooManyTexts { texts: usize, tried: usize },
}

/// A split, as shares carry it: its sheet's id and threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitOf {
    /// The sheet's id as printed.
    pub sheet: String,
    pub k: u8,
    pub n: u8,
}

/// A share's number and its split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedShare {
    pub number: u8,
    pub split: SplitOf,
}

impl std::fmt::Display for SplitOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet {}, {}-of-{}", self.sheet, self.k, self.n)
    }
}

/// A share of a split sheet key (`tag`, as `S01`) that was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tag} was not read ({why})")]
pub struct ShareUnread {
    pub tag: String,
    pub why: ShareProblem,
}

/// Why a share was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareProblem {
    /// Its codes or lines did not come back as a text.
    #[error("{0}")]
    Unread(Unread),
    #[error("it does not decrypt with the share passphrase")]
    NotDecrypted,
    /// It was read and is not a share (the reader's words).
    #[error("{0}")]
    NotAShare(String),
}

/// "two different shares are numbered 2; " for each number in `twice`.
fn twice_numbered(twice: &[u8]) -> String {
    (twice.iter())
        .map(|x| format!("two different shares are numbered {x}; "))
        .collect()
}

/// "; S01 was not read (...)" for each share in `unread`.
fn shares_unread(unread: &[ShareUnread]) -> String {
    unread.iter().map(|share| format!("; {share}")).collect()
}

/// How many more shares than `read` a `k`-of-n split needs.
fn missing(k: u8, read: &[u8]) -> usize {
    usize::from(k).saturating_sub(read.len())
}

/// "number 1, 4", or "none".
fn numbers(read: &[u8]) -> String {
    match read {
        [] => "none".to_string(),
        _ => format!("number {}", listed(read)),
    }
}

fn listed(read: &[u8]) -> String {
    let listed: Vec<String> = read.iter().map(u8::to_string).collect();
    listed.join(", ")
}

/// Why no K of the shares read combine: one of exactly K was altered (and one more share
/// would say which), or more than the shares to spare were.
fn none_combine(k: u8, read: &[u8]) -> String {
    match read.len().saturating_sub(usize::from(k)) {
        0 => format!(
            "the shares do not combine to the key they were made from: one of them was \
             altered (number {} were read; with one more share keycellar names the altered \
             one)",
            listed(read)
        ),
        spare => format!(
            "no {k} of the {} shares read (number {}) combine to the key they were made from: \
             more than {spare} of them were altered",
            read.len(),
            listed(read)
        ),
    }
}

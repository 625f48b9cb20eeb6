//! Text that came from outside (typed, read from a file, or imported from a backup someone
//! else made): how it may appear in a message or on a terminal.
//!
//! - [`quoted`] is the one way an error quotes user input: in quotes, with control and
//!   invisible characters escaped, cut when long, and never when it looks like a secret.
//! - [`escaped`] shows a stored value on a terminal with those characters escaped visibly,
//!   so a note or label cannot move the cursor, recolour the screen or reorder text.
//! - [`is_invisible`] is what a label may not contain.

use std::borrow::Cow;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Most characters of user input an error repeats.
pub const QUOTED_MAX_CHARS: usize = 48;

/// What an error says in place of input that looks like a secret.
pub const WITHHELD: &str = "(a value that looks like a secret key; not repeated here)";

/// True for control characters (C0, DEL, C1) and invisible formatting characters (zero-width
/// spaces and joiners, bidirectional overrides and isolates, the byte-order mark, ...):
/// Unicode general categories Cc and Cf.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control | GeneralCategory::Format
    )
}

/// `text` with every invisible character written as `\u{...}`; unchanged (and not copied)
/// when it has none. JSON output keeps the exact value; this is for terminals.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_invisible) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True when `text` looks like secret material: an age identity, a private key, a UUID
/// (KuCoin secrets are UUIDs), or a run of 20 or more key-alphabet characters (base64, hex,
/// letters and digits) mixing letters and digits, which is what exchange secrets, and pieces
/// of them, look like. Public keys in age's and ssh's forms are not secrets.
pub fn looks_secret(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    if ["AGE-SECRET-KEY-", "AGE-PLUGIN-", "PRIVATE KEY"]
        .iter()
        .any(|marker| upper.contains(marker))
    {
        return true;
    }
    if ["age1", "ssh-", "ecdsa-"]
        .iter()
        .any(|p| text.starts_with(p))
    {
        return false;
    }
    let key_char = |c: char| c.is_ascii_alphanumeric() || "+/=_".contains(c);
    let long_mixed_run = text.split(|c: char| !key_char(c)).any(|run| {
        run.len() >= 20
            && run.chars().any(|c| c.is_ascii_digit())
            && run.chars().any(|c| c.is_ascii_alphabetic())
    });
    let uuid = text
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .any(|part| part.len() == 36 && uuid::Uuid::try_parse(part).is_ok());
    long_mixed_run || uuid
}

/// How an error repeats user input: `"like this"`, escaped, cut after
/// [`QUOTED_MAX_CHARS`] characters, or [`WITHHELD`] when it looks like a secret.
pub fn quoted(text: &str) -> String {
    if looks_secret(text) {
        return WITHHELD.to_string();
    }
    let count = text.chars().count();
    if count <= QUOTED_MAX_CHARS {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(QUOTED_MAX_CHARS).collect();
    format!("{head:?}... ({count} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KRAKEN_SECRET: &str =
        "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

    #[test]
    fn secrets_are_never_quoted() {
        for secret in [
            KRAKEN_SECRET,
            "0123456789ABCDEF0123456789ABCDEF",
            "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "recipient age-secret-key-1abc",
            "6f2d1c0e-4b3a-4a59-8e7d-1f2e3d4c5b6a",
            "k9F3A6C1D8E2B4F7A0C5D9E1B",
        ] {
            assert_eq!(quoted(secret), WITHHELD, "{secret}");
        }
        for plain in [
            "kraken-grid-bot",
            "not a fingerprint",
            "203.0.113.7/33",
            "KC1",
        ] {
            assert_eq!(quoted(plain), format!("{plain:?}"));
        }
    }

    #[test]
    fn long_input_is_cut_and_invisible_characters_escaped() {
        let long = "word ".repeat(40);
        let q = quoted(&long);
        assert!(q.ends_with("... (200 characters)") && q.len() < 80, "{q}");
        assert_eq!(quoted("a\u{1b}[2Jb"), "\"a\\u{1b}[2Jb\"");
        assert_eq!(escaped("note\u{202e}txt.exe"), "note\\u{202e}txt.exe");
        assert_eq!(escaped("plain"), Cow::Borrowed("plain"));
        for c in [
            '\u{7}', '\u{7f}', '\u{85}', '\u{200b}', '\u{202e}', '\u{2066}', '\u{feff}',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
        assert!(!is_invisible('é') && !is_invisible(' '));
    }
}

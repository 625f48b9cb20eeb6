//! An age recipient string, parsed: what kind of key opens a slot wrapped to it, and its
//! canonical text. Bech32 allows an all-upper-case spelling (QR codes and printed sheets
//! use it), so kinds, "opens without hardware" and every comparison come from the parsed
//! recipient, never from the string's prefix.

use super::SlotKind;

/// A recipient that parsed as one of the kinds a keyslot can be wrapped to.
pub(crate) enum Parsed {
    X25519(age::x25519::Recipient),
    Ssh(age::ssh::Recipient),
    Tag(age::tag::Recipient),
    /// Boxed: a post-quantum key is 1.6 KiB, the other kinds under 200 bytes.
    TagPq(Box<age::tagpq::Recipient>),
    Plugin(age::plugin::Recipient),
}

/// Why a string is not a recipient.
pub(crate) enum Problem {
    /// It starts `ssh-` but is not a whole ed25519 or RSA public key line.
    Ssh,
    /// It looks like an age recipient but does not parse: age's reason.
    Age(String),
    /// Neither an `age1...` recipient nor an SSH public key.
    Neither,
}

/// Parses `text` (trimmed): an SSH public key line, or an `age1...` recipient in either
/// case of bech32. An all-upper-case recipient is read in lower case first: age's own
/// parsers accept it for X25519 keys but not for plugin recipients (mixed case is no
/// bech32, and stays refused).
pub(crate) fn parse(text: &str) -> Result<Parsed, Problem> {
    let text = text.trim();
    if text.starts_with("ssh-") {
        return text.parse().map(Parsed::Ssh).map_err(|_| Problem::Ssh);
    }
    let lower;
    let text = match text.bytes().any(|b| b.is_ascii_lowercase()) {
        true => text,
        false => {
            lower = text.to_ascii_lowercase();
            lower.as_str()
        }
    };
    // A tag recipient also parses as a plugin recipient of a plugin named `tag`: the
    // native kinds are tried first.
    if let Ok(r) = text.parse() {
        return Ok(Parsed::TagPq(Box::new(r)));
    }
    if let Ok(r) = text.parse() {
        return Ok(Parsed::Tag(r));
    }
    if let Ok(r) = text.parse() {
        return Ok(Parsed::X25519(r));
    }
    if !text.starts_with("age1") {
        return Err(Problem::Neither);
    }
    text.parse()
        .map(Parsed::Plugin)
        .map_err(|e: &str| Problem::Age(e.to_string()))
}

impl Parsed {
    /// The kind of key that opens a slot to this recipient.
    pub(crate) fn kind(&self) -> SlotKind {
        match self {
            Parsed::X25519(_) => SlotKind::X25519,
            Parsed::Ssh(_) => SlotKind::Ssh,
            Parsed::Tag(_) | Parsed::TagPq(_) => SlotKind::Tag,
            Parsed::Plugin(r) => SlotKind::Plugin(r.plugin().to_string()),
        }
    }

    /// The canonical text: lower-case bech32, or an SSH key's type and key without its
    /// comment. Two recipients are the same key exactly when these are equal.
    pub(crate) fn canonical(&self) -> String {
        match self {
            Parsed::X25519(r) => r.to_string(),
            Parsed::Ssh(r) => r.to_string(),
            Parsed::Tag(r) => r.to_string(),
            Parsed::TagPq(r) => r.to_string(),
            Parsed::Plugin(r) => r.to_string(),
        }
    }

    /// True when only a hardware token or another program (a plugin) opens the slot.
    pub(crate) fn needs_hardware(&self) -> bool {
        !matches!(self, Parsed::X25519(_) | Parsed::Ssh(_))
    }

    /// The text a slot records: canonical for `age1...` recipients, an SSH key line as
    /// given (its comment says whose key it is).
    pub(crate) fn recorded(&self, given: &str) -> String {
        match self {
            Parsed::Ssh(_) => given.trim().to_string(),
            _ => self.canonical(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X25519: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    #[test]
    fn upper_case_bech32_is_the_same_recipient() {
        let upper = X25519.to_ascii_uppercase();
        let parsed = parse(&upper).ok().unwrap();
        assert_eq!(parsed.kind(), SlotKind::X25519);
        assert!(!parsed.needs_hardware());
        assert_eq!(parsed.canonical(), X25519);
        assert_eq!(parsed.recorded(&upper), X25519);
    }

    #[test]
    fn kinds_come_from_the_parse() {
        let plugin = parse("age1kctest1pyysjzgfpyysjxveuws").ok().unwrap();
        assert_eq!(plugin.kind(), SlotKind::Plugin("kctest".into()));
        assert!(plugin.needs_hardware());
        let upper = parse("AGE1KCTEST1PYYSJZGFPYYSJXVEUWS").ok().unwrap();
        assert_eq!(upper.canonical(), "age1kctest1pyysjzgfpyysjxveuws");
        assert_eq!(upper.kind(), SlotKind::Plugin("kctest".into()));
        let tag = "age1tag1qd43050juykyy3lchnnw2caygre8wqmasyk7kvaq7jsnj3wcnrpfvt5hxye";
        let upper = parse(&tag.to_ascii_uppercase()).ok().unwrap();
        assert_eq!(
            (upper.kind(), upper.canonical()),
            (SlotKind::Tag, tag.into())
        );
        assert!(
            parse("age1KCTEST1pyysjzgfpyysjxveuws").is_err(),
            "mixed case"
        );
        assert!(parse("age1notarecipient").is_err());
        assert!(parse("AGE1NOTARECIPIENT").is_err());
        assert!(matches!(parse("hello"), Err(Problem::Neither)));
    }
}

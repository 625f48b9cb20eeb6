//! A first look at an age file, before age parses it.
//!
//! age 0.12 reads a header a line at a time and parses the whole header again after each
//! line (`Header::read_buffered`), with no bound on its length or on its number of stanzas:
//! 16,000 empty stanzas (165 KB, made without any key) cost 25 s, 1 MB about 15 minutes.
//! [`scan`] reads the header once, at most [`MAX_HEADER_LEN`] bytes of it, and refuses a
//! longer one, or one of more than [`MAX_STANZAS`] stanzas, before age sees it. It also
//! finds the scrypt work factor, so that the memory scrypt needs is checked first.
//! [`identify`] tells a file that is not age at all (a PDF, a `.env`) from a damaged one.

use age::armor::ArmoredReader;
use std::io::Read;

pub use crate::error::NotAge;

/// The longest age header keycellar reads: one recipient stanza is about 100 bytes (an
/// SSH RSA one about 600), so this is room for a hundred recipients and more.
pub const MAX_HEADER_LEN: usize = 64 * 1024;
/// The most stanzas an age header keycellar reads may have: one per recipient.
pub const MAX_STANZAS: usize = 256;

const MAGIC: &[u8] = b"age-encryption.org/";
const ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// What keycellar needs to know of a header before age parses it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub stanzas: usize,
    /// The work factor (log2 N) of a scrypt stanza, when there is one.
    pub scrypt_work_factor: Option<u8>,
}

/// Why a header is refused before age parses it.
#[derive(Debug, PartialEq, Eq)]
pub enum Oversized {
    /// More than [`MAX_STANZAS`] stanzas (this many were counted before stopping).
    Stanzas(usize),
    /// No end of the header in its first [`MAX_HEADER_LEN`] bytes.
    Length,
}

/// The header of an age file (armored or not), read once and bounded. `Ok(None)` when the
/// file does not start as an age v1 file or ends inside its header: age then says what is
/// wrong, quickly, since the header it would parse is short.
pub fn scan(file: &[u8]) -> Result<Option<Header>, Oversized> {
    let mut bytes = Vec::new();
    // A read error (damaged armor) ends the look at what was read; age reports the error.
    let _ = ArmoredReader::new(file)
        .take(MAX_HEADER_LEN as u64 + 1)
        .read_to_end(&mut bytes);
    if !bytes.starts_with(MAGIC) {
        return Ok(None);
    }
    let mut header = Header::default();
    for line in bytes.split(|b| *b == b'\n') {
        if line.starts_with(b"---") {
            return Ok(Some(header));
        }
        let Some(stanza) = line.strip_prefix(b"-> ") else {
            continue;
        };
        header.stanzas += 1;
        if header.stanzas > MAX_STANZAS {
            return Err(Oversized::Stanzas(header.stanzas));
        }
        if let [b"scrypt", _salt, work_factor] =
            stanza.split(|b| *b == b' ').collect::<Vec<_>>()[..]
        {
            header.scrypt_work_factor = std::str::from_utf8(work_factor)
                .ok()
                .and_then(|text| text.parse().ok());
        }
    }
    if bytes.len() > MAX_HEADER_LEN {
        return Err(Oversized::Length);
    }
    Ok(None)
}

/// What `file` is when it is not an age file at all; `None` for anything that starts like
/// one or holds a stanza line, however damaged (that is damage, and age names it).
pub fn identify(file: &[u8]) -> Option<NotAge> {
    let start = &file[..file.len().min(MAX_HEADER_LEN)];
    let trimmed = start.trim_ascii_start();
    let contains = |needle: &[u8]| start.windows(needle.len()).any(|w| w == needle);
    if trimmed.starts_with(MAGIC)
        || trimmed.starts_with(ARMOR)
        || contains(b"\n-> ")
        || contains(b"AGE ENCRYPTED FILE")
    {
        return None;
    }
    let text = match std::str::from_utf8(start) {
        Ok(text) => Some(text),
        // Cut inside a character at the end of the look: text all the same.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&start[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    let is_text = text.is_some_and(|t| {
        t.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
    });
    let kind = if file.is_empty() {
        NotAge::Empty
    } else if file.starts_with(b"%PDF-") {
        NotAge::Pdf
    } else if file.starts_with(b"\x89PNG") || file.starts_with(b"\xff\xd8\xff") {
        NotAge::Image
    } else if file.starts_with(&crate::vault::format::MAGIC) {
        NotAge::Vault
    } else if is_text && (trimmed.starts_with(b"{") || trimmed.starts_with(b"[")) {
        NotAge::Json
    } else if is_text {
        NotAge::Text
    } else {
        NotAge::Binary
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn many_stanzas(count: usize) -> Vec<u8> {
        let mut file = b"age-encryption.org/v1\n".to_vec();
        for _ in 0..count {
            file.extend(b"-> X\n\n");
        }
        file.extend(b"--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        file.extend([0u8; 64]);
        file
    }

    #[test]
    fn stanzas_are_counted_once_and_bounded() {
        assert_eq!(
            scan(&many_stanzas(3)),
            Ok(Some(Header {
                stanzas: 3,
                scrypt_work_factor: None
            }))
        );
        assert_eq!(
            scan(&many_stanzas(MAX_STANZAS)).unwrap().unwrap().stanzas,
            256
        );
        assert_eq!(
            scan(&many_stanzas(16_000)),
            Err(Oversized::Stanzas(MAX_STANZAS + 1))
        );
        // One stanza with a body longer than the bound.
        let mut long = b"age-encryption.org/v1\n-> X\n".to_vec();
        long.extend(format!("{}\n", "A".repeat(64)).repeat(2_000).bytes());
        long.extend(b"\n--- AAAA\n");
        assert_eq!(scan(&long), Err(Oversized::Length));
        // Cut short inside the header, or not age: left to age.
        assert_eq!(scan(&many_stanzas(3)[..30]), Ok(None));
        assert_eq!(scan(b"hello\n"), Ok(None));
    }

    #[test]
    fn the_scrypt_work_factor_is_read_from_its_stanza() {
        let file = b"age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 20\nQUJD\n--- QUJD\n";
        assert_eq!(scan(file).unwrap().unwrap().scrypt_work_factor, Some(20));
    }

    #[test]
    fn a_file_that_is_not_age_is_named_for_what_it_is() {
        assert_eq!(identify(b""), Some(NotAge::Empty));
        assert_eq!(identify(b"hello\n"), Some(NotAge::Text));
        assert_eq!(identify(b"KEY=abc\nSECRET=xyz\n"), Some(NotAge::Text));
        assert_eq!(identify(b"%PDF-1.7\n%\xe2\xe3\n"), Some(NotAge::Pdf));
        assert_eq!(identify(b"\x89PNG\r\n\x1a\n"), Some(NotAge::Image));
        assert_eq!(identify(b" {\"keycellar_export\": 1}"), Some(NotAge::Json));
        assert_eq!(identify(&crate::vault::format::MAGIC), Some(NotAge::Vault));
        assert_eq!(identify(&[0, 1, 2, 0xff]), Some(NotAge::Binary));
        // Age files, damaged ones included, are age's to judge.
        assert_eq!(identify(&many_stanzas(1)), None);
        assert_eq!(
            identify(b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n"),
            None
        );
        let mut flipped = many_stanzas(1);
        flipped[0] ^= 1;
        assert_eq!(identify(&flipped), None);
    }
}

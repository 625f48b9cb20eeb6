//! Replaces every occurrence of a secret in a stream of output with `****`, across the
//! boundaries of the reads that bring it, holding back only what could still become a
//! secret: the longest tail of the output read so far that begins some secret. Anything
//! else, and every line end, passes on at once.
//!
//! A secret is also masked in the forms it takes when a bot logs it through the usual
//! encoders ([`forms`]): JSON and Python `repr` escapes (`\n`, `\"`, `\\`), `/` escaped as
//! `\/`, the HTML-safe `\u003d` escapes of `=<>&'` (Gson), URL encoding (`%2B`, `%2F`,
//! `%3D`, either case; a space as `+` in form encoding), the HTML character references of
//! `/`, `+` and `=` ([`HTML_SLASH`], [`HTML_PLUS_EQUALS`]: `/` as it is, `&#47;`, `&#x2f;` or
//! `&#x2F;`, with `+` and `=` as they are, decimal or hex in either case: underscore's and
//! OWASP's `&#x2F;`, Go html/template's `&#43;` `&#61;`, ESAPI's all-hex), each line of a multi-line secret of [`MIN_LINE_LEN`] characters or more (a PEM
//! key's body, logged line by line), and the base64 of `key:secret` that HTTP Basic
//! authentication sends ([`basic_auth`]). A secret the bot transforms otherwise (a signature
//! made with it, a slice of it, another encoding) is not caught.

use super::Field;
use crate::credential::entry::Entry;
use zeroize::Zeroizing;

/// What stands for a secret in masked output.
pub const MASK: &[u8] = b"****";

/// Shorter values are not masked: masking a one- or two-character API passphrase would
/// star out ordinary output, and would tell its length and letters to whoever reads it.
pub const MIN_MASKED_LEN: usize = 4;

/// Lines of a multi-line secret this long or longer are masked on their own.
pub const MIN_LINE_LEN: usize = 16;

/// A masking filter for one stream.
pub struct Masker {
    secrets: Vec<Zeroizing<Vec<u8>>>,
    held: Zeroizing<Vec<u8>>,
}

impl Masker {
    /// A filter for these values (those shorter than [`MIN_MASKED_LEN`] are left out).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Masker {
        let mut secrets: Vec<Zeroizing<Vec<u8>>> = secrets
            .into_iter()
            .filter(|s| s.len() >= MIN_MASKED_LEN)
            .map(|s| Zeroizing::new(s.as_bytes().to_vec()))
            .collect();
        // The longest first, so that a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Masker {
            secrets,
            held: Zeroizing::new(Vec::new()),
        }
    }

    /// Takes the next bytes of the stream and returns what can be passed on now.
    pub fn push(&mut self, input: &[u8]) -> Vec<u8> {
        self.held.extend_from_slice(input);
        self.pass_on(false)
    }

    /// The end of the stream: what was held back is passed on, masked where it holds a
    /// whole secret.
    pub fn finish(&mut self) -> Vec<u8> {
        self.pass_on(true)
    }

    /// Masks and passes on what was read; unless the stream `ended`, holds back from the
    /// first place where the rest could still become a secret, or a longer one than the
    /// rest already holds (one form of a secret may begin with another: a PEM key with its
    /// first line, which is masked alone too, and must not be masked first).
    fn pass_on(&mut self, ended: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.held.len());
        let mut at = 0;
        while at < self.held.len() {
            let rest = &self.held[at..];
            let could_grow = || {
                self.secrets
                    .iter()
                    .any(|s| s.len() > rest.len() && s.starts_with(rest))
            };
            if !ended && could_grow() {
                break;
            }
            if let Some(secret) = self.secrets.iter().find(|s| rest.starts_with(s.as_slice())) {
                out.extend_from_slice(MASK);
                at += secret.len();
            } else {
                out.push(rest[0]);
                at += 1;
            }
        }
        self.held.drain(..at);
        out
    }
}

/// What masking replaces for the entries a command is handed: the secret and the API
/// passphrase of each, in every form [`forms`] lists, and the HTTP Basic token of its key
/// and secret.
pub fn of_entries(entries: &[&Entry]) -> Vec<Zeroizing<String>> {
    let mut all = Vec::new();
    for entry in entries {
        let secret = Field::Secret.value(entry);
        all.extend(forms(secret));
        all.extend(forms(Field::ApiPassphrase.value(entry)));
        all.push(basic_auth(entry.api_key(), secret));
    }
    all
}

/// `secret` and the forms it takes through the usual encoders (see the module's
/// documentation), each once.
fn forms(secret: &str) -> Vec<Zeroizing<String>> {
    let mut bases = vec![secret];
    if secret.contains('\n') {
        bases.extend(
            secret
                .lines()
                .map(str::trim)
                .filter(|line| line.len() >= MIN_LINE_LEN),
        );
    }
    let mut all: Vec<Zeroizing<String>> = Vec::new();
    for base in bases {
        let json = Zeroizing::new(escaped(base, false));
        let encoded = [
            Zeroizing::new(base.to_string()),
            Zeroizing::new(json.replace('/', "\\/")),
            Zeroizing::new(escaped(base, true)),
            Zeroizing::new(unicode_escaped(&json, false)),
            Zeroizing::new(unicode_escaped(&json, true)),
            Zeroizing::new(url_encoded(base, false, Url::Component)),
            Zeroizing::new(url_encoded(base, true, Url::Component)),
            Zeroizing::new(url_encoded(base, true, Url::Form)),
            Zeroizing::new(url_encoded(base, false, Url::Path)),
            Zeroizing::new(url_encoded(base, true, Url::Path)),
            json,
        ];
        let html = HTML_SLASH.iter().flat_map(|slash| {
            HTML_PLUS_EQUALS.iter().map(move |[plus, equals]| {
                Zeroizing::new(html_escaped(base, [slash, plus, equals]))
            })
        });
        for form in encoded.into_iter().chain(html) {
            if !all.contains(&form) {
                all.push(form);
            }
        }
    }
    all
}

/// The base64 of `key:secret`, as HTTP Basic authentication sends it.
fn basic_auth(key: &str, secret: &str) -> Zeroizing<String> {
    use base64::Engine;
    let pair = Zeroizing::new(format!("{key}:{secret}"));
    Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()))
}

/// JSON's escapes (`repr`: Python's, which also escapes `'` and leaves `"`).
fn escaped(text: &str, repr: bool) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if !repr => out.push_str("\\\""),
            '\'' if repr => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (repr && c as u32 == 0x7f) => {
                let code = c as u32;
                match repr {
                    true => out.push_str(&format!("\\x{code:02x}")),
                    false => out.push_str(&format!("\\u{code:04x}")),
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `=`, `<`, `>`, `&` and `'` as `\u003d` ...: the escapes of HTML-safe JSON encoders
/// (Gson's default); `upper` for upper-case hex digits.
fn unicode_escaped(json: &str, upper: bool) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    for c in json.chars() {
        match c {
            '=' | '<' | '>' | '&' | '\'' => match upper {
                true => out.push_str(&format!("\\u{:04X}", c as u32)),
                false => out.push_str(&format!("\\u{:04x}", c as u32)),
            },
            c => out.push(c),
        }
    }
    out
}

/// How HTML encoders write `/` (a character of base64 secrets some of them escape): each
/// way is masked with each of [`HTML_PLUS_EQUALS`] (16 forms, one of them the secret).
pub const HTML_SLASH: [&str; 4] = ["/", "&#47;", "&#x2f;", "&#x2F;"];

/// How HTML encoders write `+` and `=` (alike: an encoder escaping one escapes the other).
pub const HTML_PLUS_EQUALS: [[&str; 2]; 4] = [
    ["+", "="],
    ["&#43;", "&#61;"],
    ["&#x2b;", "&#x3d;"],
    ["&#x2B;", "&#x3D;"],
];

/// `text` with `/`, `+` and `=` written as `writes` says.
fn html_escaped(text: &str, writes: [&str; 3]) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match c {
            '/' => out.push_str(writes[0]),
            '+' => out.push_str(writes[1]),
            '=' => out.push_str(writes[2]),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encoding of every byte but the unreserved ones (RFC 3986), with upper- or
/// lower-case hex digits; `form`: a space as `+`, as HTML forms encode it.
/// Which URL encoding: a query component (only unreserved characters kept), a form
/// (`+` for space), or a path (`/` kept, as Python's `urllib.parse.quote` does by default).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Url {
    Component,
    Form,
    Path,
}

fn url_encoded(text: &str, upper: bool, kind: Url) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if kind == Url::Form && byte == b' ' {
            out.push('+');
        } else if byte.is_ascii_alphanumeric()
            || b"-._~".contains(&byte)
            || (kind == Url::Path && byte == b'/')
        {
            out.push(char::from(byte));
        } else if upper {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(secrets: &[&str], chunks: &[&[u8]]) -> Vec<u8> {
        let mut masker = Masker::new(secrets.iter().copied());
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(masker.push(chunk));
        }
        out.extend(masker.finish());
        out
    }

    #[test]
    fn a_secret_is_masked_however_the_output_is_cut() {
        let text = b"key=SECRETVALUE and again SECRETVALUE.\n";
        for cut in 0..text.len() {
            for second in cut..text.len() {
                let chunks: [&[u8]; 3] = [&text[..cut], &text[cut..second], &text[second..]];
                assert_eq!(
                    run(&["SECRETVALUE"], &chunks),
                    b"key=**** and again ****.\n",
                    "cut at {cut} and {second}"
                );
            }
        }
    }

    #[test]
    fn only_a_possible_secret_start_is_held_back() {
        let mut masker = Masker::new(["SECRETVALUE"]);
        assert_eq!(masker.push(b"line one\n"), b"line one\n");
        assert_eq!(masker.push(b"ends with SEC"), b"ends with ");
        assert_eq!(masker.push(b"OND\n"), b"SECOND\n");
        assert_eq!(
            masker.push(b"SS"),
            b"S",
            "the first S cannot start the secret"
        );
        assert_eq!(masker.finish(), b"S");
    }

    #[test]
    fn overlapping_and_short_values() {
        assert_eq!(
            run(&["abcd", "abcdef"], &[b"xabcdefx abcdx"]),
            b"x****x ****x"
        );
        assert_eq!(run(&["ab"], &[b"abab"]), b"abab", "too short to mask");
        assert_eq!(run(&["aaab"], &[b"aaaab"]), b"a****");
    }

    #[test]
    fn a_secret_beginning_with_another_is_masked_whole_however_it_is_cut() {
        let whole = "-----BEGIN KEY-----\nBODYBODYBODY\n-----END KEY-----";
        let forms = [whole, "-----BEGIN KEY-----", "BODYBODYBODY"];
        let text = format!("[{whole}]\n");
        for cut in 0..text.len() {
            let chunks: [&[u8]; 2] = [&text.as_bytes()[..cut], &text.as_bytes()[cut..]];
            assert_eq!(run(&forms, &chunks), b"[****]\n", "cut at {cut}");
        }
        assert_eq!(
            run(&["abcd", "abcdef"], &[b"x abcd"]),
            b"x ****",
            "at the end"
        );
    }

    #[test]
    fn the_encoded_forms_of_a_secret() {
        let secret = "ab/c+d=e\"f\\g\n0123456789ABCDEFGH\nshort";
        let forms: Vec<String> = forms(secret).iter().map(|f| f.to_string()).collect();
        for expected in [
            secret,
            r#"ab/c+d=e\"f\\g\n0123456789ABCDEFGH\nshort"#,
            r#"ab\/c+d=e\"f\\g\n0123456789ABCDEFGH\nshort"#,
            r#"ab/c+d=e"f\\g\n0123456789ABCDEFGH\nshort"#,
            r#"ab/c+d\u003de\"f\\g\n0123456789ABCDEFGH\nshort"#,
            r#"ab/c+d\u003De\"f\\g\n0123456789ABCDEFGH\nshort"#,
            "ab%2Fc%2Bd%3De%22f%5Cg%0A0123456789ABCDEFGH%0Ashort",
            "ab%2fc%2bd%3de%22f%5cg%0a0123456789ABCDEFGH%0ashort",
            "0123456789ABCDEFGH",
            "ab&#47;c&#43;d&#61;e\"f\\g\n0123456789ABCDEFGH\nshort",
            "ab&#x2f;c&#x2b;d&#x3d;e\"f\\g\n0123456789ABCDEFGH\nshort",
            "ab&#x2F;c&#x2B;d&#x3D;e\"f\\g\n0123456789ABCDEFGH\nshort",
            "ab/c&#43;d&#61;e\"f\\g\n0123456789ABCDEFGH\nshort",
            "ab&#x2F;c&#43;d&#61;e\"f\\g\n0123456789ABCDEFGH\nshort",
            "ab&#x2F;c+d=e\"f\\g\n0123456789ABCDEFGH\nshort",
            "ab&#47;c&#x2B;d&#x3D;e\"f\\g\n0123456789ABCDEFGH\nshort",
        ] {
            assert!(
                forms.iter().any(|f| f == expected),
                "{expected} in {forms:#?}"
            );
        }
        assert!(!forms.iter().any(|f| f == "short"), "a short line alone");
        assert_eq!(&*basic_auth("key", "secret"), "a2V5OnNlY3JldA==");
    }
}

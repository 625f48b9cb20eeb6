//! A small XML reader, enough for the KeePass XML that `keepassxc-cli export` writes: start
//! and end tags with attributes, text with the predefined entities and character references,
//! CDATA sections; comments and processing instructions are passed over. The input is
//! untrusted, so the reader is strict and bounded: a DOCTYPE is refused (no entity is ever
//! defined, let alone expanded), nesting deeper than [`MAX_DEPTH`] is refused, and so is
//! anything not well-formed: an end tag that does not close the open element, text or a
//! second element after the root, a document that ends with elements open (a file cut
//! short). It reads one event at a time, keeping only the names of the open elements.
//! Errors give a line and a fixed text, never a piece of the document (it holds secrets);
//! text is handed out in wiped buffers.

use super::Problem;
use zeroize::Zeroizing;

/// Deepest nesting of elements read (KeePass nests groups; no real database nears this).
pub(super) const MAX_DEPTH: usize = 256;

/// One step through the document.
pub(super) enum Event<'a> {
    /// An element opens (an empty one, `<Value/>`, is followed by its [`Event::End`]).
    Start {
        name: &'a str,
        attributes: Vec<(&'a str, Zeroizing<String>)>,
    },
    /// The element opened last closes.
    End { name: &'a str },
    /// Text inside an element, entities decoded and line ends made `\n`; never empty.
    Text(Zeroizing<String>),
}

pub(super) struct Reader<'a> {
    text: &'a str,
    at: usize,
    open: Vec<&'a str>,
    /// The end of an empty element, due next.
    empty_end: bool,
    root_seen: bool,
}

type Step<T> = Result<T, Problem>;

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text: text.strip_prefix('\u{feff}').unwrap_or(text),
            at: 0,
            open: Vec::new(),
            empty_end: false,
            root_seen: false,
        }
    }

    /// The names of the open elements, the root first.
    pub(super) fn open(&self) -> &[&'a str] {
        &self.open
    }

    /// The next event; `None` once the root element has closed and only comments, processing
    /// instructions and white space follow it.
    pub(super) fn next_event(&mut self) -> Step<Option<Event<'a>>> {
        if self.empty_end {
            self.empty_end = false;
            let name = self.open.pop().unwrap_or_default();
            return Ok(Some(Event::End { name }));
        }
        loop {
            let rest = &self.text[self.at..];
            if rest.is_empty() {
                return match (self.open.is_empty(), self.root_seen) {
                    (true, true) => Ok(None),
                    (true, false) => Err(self.problem("the document has no element")),
                    (false, _) => Err(self.problem(
                        "the document ends before its root element closes: it was cut short",
                    )),
                };
            }
            if !rest.starts_with('<') {
                match self.text()? {
                    Some(text) => return Ok(Some(Event::Text(text))),
                    None => continue,
                }
            }
            if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
                let Some(len) = after.find("]]>") else {
                    return Err(self.problem("a CDATA section is never closed: cut short?"));
                };
                if self.open.is_empty() {
                    return Err(self.problem("text outside the root element"));
                }
                let content = Zeroizing::new(after[..len].replace("\r\n", "\n"));
                self.at += "<![CDATA[".len() + len + "]]>".len();
                if !content.is_empty() {
                    return Ok(Some(Event::Text(content)));
                }
            } else if rest.starts_with("<!") {
                return Err(
                    self.problem("a DOCTYPE or other declaration, which keycellar does not read")
                );
            } else if rest.starts_with("</") {
                return self.end_tag().map(Some);
            } else {
                return self.start_tag().map(Some);
            }
        }
    }

    /// A problem at the reader's position.
    fn problem(&self, problem: &'static str) -> Problem {
        let line = 1 + self.text[..self.at].bytes().filter(|b| *b == b'\n').count();
        Problem::Line { line, problem }
    }

    fn skip_past(&mut self, end: &str) -> Step<()> {
        match self.text[self.at..].find(end) {
            Some(at) => {
                self.at += at + end.len();
                Ok(())
            }
            None => Err(self.problem("a comment or processing instruction is never closed")),
        }
    }

    /// The text up to the next tag, decoded; `None` when it decodes to nothing.
    fn text(&mut self) -> Step<Option<Zeroizing<String>>> {
        let rest = &self.text[self.at..];
        let len = rest.find('<').unwrap_or(rest.len());
        let raw = &rest[..len];
        if self.open.is_empty() {
            if !raw.trim().is_empty() {
                return Err(self.problem("text outside the root element"));
            }
            self.at += len;
            return Ok(None);
        }
        let decoded = decode(raw).map_err(|p| self.problem(p))?;
        self.at += len;
        Ok((!decoded.is_empty()).then_some(decoded))
    }

    fn end_tag(&mut self) -> Step<Event<'a>> {
        let rest = &self.text[self.at + 2..];
        let Some(close) = rest.find('>') else {
            return Err(self.problem("an end tag is never closed: cut short?"));
        };
        let name = rest[..close].trim_end();
        if self.open.last() != Some(&name) {
            return Err(self.problem("an end tag does not match the element it closes"));
        }
        self.open.pop();
        self.at += 2 + close + 1;
        Ok(Event::End { name })
    }

    fn start_tag(&mut self) -> Step<Event<'a>> {
        if self.open.is_empty() && self.root_seen {
            return Err(self.problem("a second element after the root element"));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(self.problem("elements nested deeper than keycellar reads"));
        }
        let start = self.at + 1;
        let name = self.name(start)?;
        let mut at = start + name.len();
        let mut attributes = Vec::new();
        loop {
            let rest = &self.text[at..];
            let trimmed = rest.trim_start();
            at += rest.len() - trimmed.len();
            if trimmed.starts_with("/>") || trimmed.starts_with('>') {
                self.empty_end = trimmed.starts_with("/>");
                self.at = at + if self.empty_end { 2 } else { 1 };
                break;
            }
            if trimmed.is_empty() {
                return Err(self.problem("a start tag is never closed: cut short?"));
            }
            let (attribute, next) = self.attribute(at)?;
            attributes.push(attribute);
            at = next;
        }
        self.open.push(name);
        self.root_seen = true;
        Ok(Event::Start { name, attributes })
    }

    /// The name that starts at byte `at`.
    fn name(&self, at: usize) -> Step<&'a str> {
        let rest = &self.text[at..];
        let len = rest
            .find(|c: char| c.is_whitespace() || "/>=<\"'".contains(c))
            .unwrap_or(rest.len());
        match len {
            0 => Err(self.problem("a tag or attribute without a name")),
            _ => Ok(&rest[..len]),
        }
    }

    /// The attribute `name="value"` at byte `at`, and where the tag goes on after it.
    fn attribute(&self, at: usize) -> Step<((&'a str, Zeroizing<String>), usize)> {
        let name = self.name(at)?;
        let rest = self.text[at + name.len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=').map(str::trim_start) else {
            return Err(self.problem("an attribute without a value"));
        };
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Err(self.problem("an attribute value without quotes"));
        };
        let Some(len) = rest[1..].find(quote) else {
            return Err(self.problem("an attribute value is never closed: cut short?"));
        };
        let value = decode(&rest[1..1 + len]).map_err(|p| self.problem(p))?;
        let next = self.text.len() - rest.len() + 1 + len + 1;
        Ok(((name, value), next))
    }
}

/// Text with its entities and character references decoded and its line ends made `\n`.
fn decode(raw: &str) -> Result<Zeroizing<String>, &'static str> {
    let mut out = Zeroizing::new(String::with_capacity(raw.len()));
    let mut rest = raw;
    while let Some(at) = rest.find(['&', '\r']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix('\r') {
            out.push('\n');
            rest = after.strip_prefix('\n').unwrap_or(after);
            continue;
        }
        // Bytes, not characters: the 12th byte may fall inside a character.
        let Some(end) = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|b| *b == b';')
        else {
            return Err("an & that starts no entity");
        };
        out.push(entity(&rest[1..end]).ok_or("an unknown entity or a bad character reference")?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn entity(name: &str) -> Option<char> {
    let number = |digits: &str, radix| u32::from_str_radix(digits, radix).ok();
    let code = match name {
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "amp" => return Some('&'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
            Some(hex) => number(hex, 16)?,
            None => number(name.strip_prefix('#')?, 10)?,
        },
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

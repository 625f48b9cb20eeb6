//! The relaxed JSON freqtrade reads (rapidjson's `PM_COMMENTS | PM_TRAILING_COMMAS`): `//`
//! and `/* */` comments and trailing commas, made strict JSON for serde by blanking them
//! out, so that lines and columns stay those of the file; and where in such a text the
//! string values of given fields are (`string_spans`), for `--strip` to empty them in place.

use std::ops::Range;
use zeroize::Zeroizing;

/// `text` with comments and trailing commas outside strings replaced by spaces (newlines
/// kept). The copy holds whatever the text holds, so it is wiped when dropped.
pub(super) fn strict_json(text: &str) -> Zeroizing<String> {
    let uncommented = without_comments(text);
    let bytes = uncommented.as_bytes();
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in uncommented.char_indices() {
        if in_string {
            (in_string, escaped) = string_step(c, escaped);
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = bytes[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            if matches!(next, Some(b'}' | b']')) {
                out.push(' ');
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Whether a string goes on after `c`, and whether the next character is escaped.
fn string_step(c: char, escaped: bool) -> (bool, bool) {
    match (escaped, c) {
        (true, _) => (true, false),
        (false, '\\') => (true, true),
        (false, '"') => (false, false),
        _ => (true, false),
    }
}

fn without_comments(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut chars = text.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(c) = chars.next() {
        if in_string {
            (in_string, escaped) = string_step(c, escaped);
            out.push(c);
            continue;
        }
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                out.push(' ');
                while chars.next_if(|n| *n != '\n').is_some() {
                    out.push(' ');
                }
            }
            ('/', Some('*')) => {
                chars.next();
                out.push_str("  ");
                let mut last = ' ';
                for inner in chars.by_ref() {
                    out.push(if inner == '\n' { '\n' } else { ' ' });
                    if last == '*' && inner == '/' {
                        break;
                    }
                    last = inner;
                }
            }
            _ => {
                in_string = c == '"';
                out.push(c);
            }
        }
    }
    out
}

/// Where the string values at `paths` (object keys joined by `.`: `exchange.key`) are in the
/// relaxed JSON `text`, quotes included, in order; `None` when the text is not JSON this
/// scanner can follow (the caller has parsed it already, so that is a bug, not bad input).
pub(super) fn string_spans(text: &str, paths: &[&str]) -> Option<Vec<Range<usize>>> {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        at: 0,
        spans: Vec::new(),
    };
    scan.value(&mut String::new(), paths, 0)?;
    scan.space();
    (scan.at == text.len()).then_some(scan.spans)
}

/// Deepest nesting followed (serde_json's own limit, which the text already passed).
const MAX_NESTING: usize = 128;

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    spans: Vec<Range<usize>>,
}

impl Scan<'_> {
    /// Passes white space and comments.
    fn space(&mut self) {
        loop {
            let rest = &self.bytes[self.at..];
            match rest {
                [b' ' | b'\t' | b'\r' | b'\n', ..] => self.at += 1,
                [b'/', b'/', ..] => {
                    let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
                    self.at += end;
                }
                [b'/', b'*', ..] => {
                    let end = rest[2..].windows(2).position(|w| w == b"*/");
                    self.at += end.map_or(rest.len(), |e| e + 4);
                }
                _ => return,
            }
        }
    }

    fn value(&mut self, path: &mut String, paths: &[&str], depth: usize) -> Option<()> {
        if depth > MAX_NESTING {
            return None;
        }
        self.space();
        match *self.bytes.get(self.at)? {
            b'{' => self.object(path, paths, depth),
            b'[' => self.array(path, paths, depth),
            b'"' => {
                let span = self.string()?;
                if paths.contains(&path.as_str()) {
                    self.spans.push(span);
                }
                Some(())
            }
            _ => {
                let rest = &self.bytes[self.at..];
                let len = rest
                    .iter()
                    .position(|b| b",]}/ \t\r\n".contains(b))
                    .unwrap_or(rest.len());
                self.at += len;
                (len > 0).then_some(())
            }
        }
    }

    fn object(&mut self, path: &mut String, paths: &[&str], depth: usize) -> Option<()> {
        self.at += 1;
        loop {
            self.space();
            match *self.bytes.get(self.at)? {
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => self.at += 1,
                b'"' => {
                    let key = self.string()?;
                    let name = std::str::from_utf8(&self.bytes[key.start + 1..key.end - 1]).ok()?;
                    self.space();
                    (self.bytes.get(self.at) == Some(&b':')).then_some(())?;
                    self.at += 1;
                    let outer = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                    self.value(path, paths, depth + 1)?;
                    path.truncate(outer);
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, path: &mut String, paths: &[&str], depth: usize) -> Option<()> {
        self.at += 1;
        // Items are no object's field: no path names them.
        let mut item = format!("{path}[]");
        loop {
            self.space();
            match *self.bytes.get(self.at)? {
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => self.at += 1,
                _ => self.value(&mut item, paths, depth + 1)?,
            }
        }
    }

    /// The string at the position, quotes included.
    fn string(&mut self) -> Option<Range<usize>> {
        let start = self.at;
        let mut escaped = false;
        for (offset, byte) in self.bytes[start + 1..].iter().enumerate() {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    self.at = start + 1 + offset + 1;
                    return Some(start..self.at);
                }
                _ => {}
            }
        }
        None
    }
}

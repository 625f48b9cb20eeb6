//! The relaxed JSON freqtrade reads (rapidjson's `PM_COMMENTS | PM_TRAILING_COMMAS`): `//`
//! and `/* */` comments and trailing commas, made strict JSON for serde by blanking them
//! out, so that lines and columns stay those of the file.

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

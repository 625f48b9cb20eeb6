//! The text of `pass show NAME` (the standard Unix password manager): the secret on the
//! first line, then `name: value` lines, as pass's own convention and its browser
//! extensions write them (`login:` the user name, `url:`), here also `exchange:`,
//! `passphrase:`, `uid:` and `label:`; other lines are notes and passed over. A PEM secret
//! may fill the first lines up to its `-----END ...-----` line, or be one line with `\n`
//! written for its line ends (as keycellar hands one to pass). One entry is one key, even
//! when it names no exchange (then it is left out, saying so).

use super::item::{Field, Item};
use super::{Problem, RawKey};
use crate::secret::Secret;
use zeroize::Zeroizing;

/// Names of the user name's line, as pass's browser extensions read them.
const LOGIN: [&str; 4] = ["login", "username", "user", "email"];

/// What the plan calls the first line.
pub(super) const FIRST_LINE: &str = "line 1";

pub(super) fn read(text: &str) -> Result<Vec<RawKey>, Problem> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut secret = Zeroizing::new(first.to_string());
    if first.trim_start().starts_with("-----BEGIN") && !first.contains("-----END") {
        secret.push('\n');
        let mut ended = false;
        for line in lines.by_ref() {
            secret.push_str(line);
            secret.push('\n');
            if line.trim_start().starts_with("-----END") {
                ended = true;
                break;
            }
        }
        if !ended {
            return Err(Problem::Line {
                line: 1,
                problem: "a PEM block is never closed by its -----END line: cut short?",
            });
        }
    }
    let mut item = Item {
        source: "pass entry".into(),
        password: Some((FIRST_LINE.into(), Secret::new(std::mem::take(&mut *secret)))),
        ..Item::default()
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        let value = Secret::new(value.to_string());
        match name.to_ascii_lowercase().as_str() {
            n if LOGIN.contains(&n) => item.username = Some((name.to_string(), value)),
            "url" => item.urls.push(value.expose().to_string()),
            _ => item.fields.push(Field {
                name: name.to_string(),
                value,
                hidden: false,
            }),
        }
    }
    Ok(item.into_key(true).into_iter().collect())
}

//! A `.env` or shell file: `NAME=VALUE` lines (an `export ` before, quotes around, a
//! comment after), keys grouped by the prefix before keycellar's env names
//! (`<EXCHANGE>_API_KEY`, `_API_SECRET`, `_API_PASSPHRASE`) or ccxt's (`<ID>_APIKEY`,
//! `_SECRET`, `_PASSWORD`, `_UID`). The prefix names the exchange (`KRAKEN`, or
//! `KRAKEN_GRID_BOT` for a second Kraken key) and the label. Other lines are not keys and
//! are passed over; a value is never quoted, in the plan or in a problem. freqtrade's
//! `FREQTRADE__EXCHANGE__KEY`/`SECRET`/`PASSWORD`/`UID` are one more key, of the exchange
//! `FREQTRADE__EXCHANGE__NAME` names.

use super::{Problem, RawKey, exchange_named};
use crate::credential::exchange::Exchange;
use crate::secret::Secret;
use std::collections::HashMap;
use zeroize::Zeroizing;

/// Which field a variable holds, by the end of its name, longest first.
const SUFFIXES: &[(&str, Part)] = &[
    ("_API_PASSPHRASE", Part::Passphrase),
    ("_API_SECRET", Part::Secret),
    ("_API_KEY", Part::Key),
    ("_APIKEY", Part::Key),
    ("_SECRET", Part::Secret),
    ("_PASSWORD", Part::Passphrase),
    ("_UID", Part::Uid),
];

#[derive(Clone, Copy)]
enum Part {
    Key,
    Secret,
    Passphrase,
    Uid,
    /// The exchange's name (freqtrade's `FREQTRADE__EXCHANGE__NAME`).
    Name,
}

/// freqtrade's own environment overrides of its `exchange` block (its
/// docs/configuration.md, and keycellar's `exec --profile freqtrade`): one key.
const FREQTRADE_PREFIX: &str = "FREQTRADE__EXCHANGE";
const FREQTRADE_PARTS: &[(&str, Part)] = &[
    ("KEY", Part::Key),
    ("SECRET", Part::Secret),
    ("PASSWORD", Part::Passphrase),
    ("UID", Part::Uid),
    ("NAME", Part::Name),
];

pub(super) fn read(text: &str) -> Result<Vec<RawKey>, Problem> {
    let mut groups: Vec<RawKey> = Vec::new();
    // Where each prefix's key is in `groups`: one look-up a line, however many keys.
    let mut by_prefix: HashMap<String, usize> = HashMap::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let Some((name, start)) = assignment(line) else {
            continue;
        };
        let mut value = value(&line[start..], index + 1, &mut lines)?;
        let Some((prefix, part)) = split_name(name) else {
            continue;
        };
        let at = *by_prefix.entry(prefix.to_string()).or_insert_with(|| {
            groups.push(RawKey::new(prefix, &exchange_of(prefix), prefix));
            groups.len() - 1
        });
        let key = &mut groups[at];
        let from = name.to_string();
        match part {
            Part::Key => key.api_key = Some((from, value.trim().to_string())),
            Part::Secret => key.secret = Some((from, Secret::new(std::mem::take(&mut *value)))),
            Part::Passphrase => {
                key.passphrase = Some((from, Secret::new(std::mem::take(&mut *value))))
            }
            Part::Uid => key.uid = Some((from, value.trim().to_string())),
            Part::Name => {
                key.exchange = value.trim().to_string();
                key.stem = format!("freqtrade-{}", key.exchange);
            }
        }
    }
    // A prefix that names no exchange is a key only if it has a public key (or is
    // freqtrade's): `DB_PASSWORD` and `JWT_SECRET` are someone else's.
    Ok(groups
        .into_iter()
        .filter(|key| {
            key.source == FREQTRADE_PREFIX
                || exchange_named(&key.exchange).is_some()
                || key.api_key.is_some()
        })
        .collect())
}

/// `text` without the lines that assign a variable of `names` (with the following lines a
/// quoted value goes on over), every other byte as it was.
pub(super) fn without(text: &str, names: &[&str]) -> Result<Zeroizing<String>, Problem> {
    let raw: Vec<&str> = text.split_inclusive('\n').collect();
    let mut keep = vec![true; raw.len()];
    let mut lines = raw.iter().map(|l| without_end(l)).enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let Some((name, start)) = assignment(line) else {
            continue;
        };
        // Read to the value's end even when it stays, so its lines are not taken for others.
        drop(value(&line[start..], index + 1, &mut lines)?);
        if names.contains(&name) {
            let next = lines.peek().map_or(raw.len(), |(next, _)| *next);
            keep[index..next].iter_mut().for_each(|k| *k = false);
        }
    }
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for (line, _) in raw.iter().zip(&keep).filter(|(_, keep)| **keep) {
        out.push_str(line);
    }
    Ok(out)
}

/// A line without its `\n` or `\r\n`, as `str::lines` gives it.
fn without_end(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// The variable a line assigns and where its value starts, for `NAME=...` and
/// `export NAME=...`; `None` for any other line.
fn assignment(line: &str) -> Option<(&str, usize)> {
    let trimmed = line.trim_start();
    let mut offset = line.len() - trimmed.len();
    let rest = match trimmed.strip_prefix("export") {
        Some(after) if after.starts_with([' ', '\t']) => {
            let after_trim = after.trim_start();
            offset += trimmed.len() - after_trim.len();
            after_trim
        }
        _ => trimmed,
    };
    let equals = rest.find('=')?;
    // `NAME = value`, as dotenv files may space it, is the same assignment.
    let name = rest[..equals].trim_end();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then_some((name, offset + equals + 1))
}

/// A variable's value: in double quotes (backslash escapes `\"`, `\\`, `\$`, `` \` ``;
/// other escapes such as `\n` kept as written), in single quotes (as written), or bare up
/// to a ` #` comment. A quoted value may go on over the following lines.
fn value<'a>(
    first: &str,
    number: usize,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Result<Zeroizing<String>, Problem> {
    let first = first.trim_start();
    let Some(quote) = first.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        let bare = first.split(" #").next().unwrap_or("").trim_end();
        return Ok(Zeroizing::new(bare.to_string()));
    };
    let mut out = Zeroizing::new(String::new());
    let mut rest = Zeroizing::new(first[1..].to_string());
    loop {
        if closed(&rest, quote, &mut out) {
            return Ok(out);
        }
        let Some((_, next)) = lines.next() else {
            return Err(Problem::Line {
                line: number,
                problem: "a quoted value is never closed",
            });
        };
        out.push('\n');
        rest = Zeroizing::new(next.to_string());
    }
}

/// Appends `text` to `out` up to the closing `quote`; true when it was found.
fn closed(text: &str, quote: char, out: &mut String) -> bool {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => return true,
            '\\' if quote == '"' => match chars.next() {
                Some(next @ ('"' | '\\' | '$' | '`')) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    false
}

/// The prefix and the field a key variable's name gives; `None` for other variables.
fn split_name(name: &str) -> Option<(&str, Part)> {
    if let Some(field) = name
        .strip_prefix(FREQTRADE_PREFIX)
        .and_then(|f| f.strip_prefix("__"))
    {
        let part = FREQTRADE_PARTS.iter().find(|(f, _)| *f == field)?;
        return Some((FREQTRADE_PREFIX, part.1));
    }
    SUFFIXES.iter().find_map(|(suffix, part)| {
        let prefix = name.strip_suffix(suffix)?;
        (!prefix.is_empty()).then_some((prefix, *part))
    })
}

/// The exchange a prefix names: itself (`KRAKEN`, `KRAKENFUTURES`), or the longest
/// exchange it starts with (`KRAKEN_GRID_BOT`); else the prefix, an unknown exchange.
fn exchange_of(prefix: &str) -> String {
    if prefix == FREQTRADE_PREFIX {
        // Until a `FREQTRADE__EXCHANGE__NAME` line says which.
        return String::new();
    }
    if exchange_named(prefix).is_some() {
        return prefix.to_string();
    }
    let upper = prefix.to_ascii_uppercase();
    Exchange::ALL
        .iter()
        .filter(|e| **e != Exchange::Other)
        .flat_map(|e| [Some(e.id()), e.info().ccxt_id].into_iter().flatten())
        .map(|id| id.to_ascii_uppercase().replace('-', "_"))
        .filter(|id| upper.starts_with(&format!("{id}_")))
        .max_by_key(|id| id.len())
        .unwrap_or_else(|| prefix.to_string())
}

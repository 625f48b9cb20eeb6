//! One key as a parser found it ([`RawKey`]), and how it becomes an entry or a skip: its
//! exchange found by name, its label made from the source's names and unique.

use super::{Found, Mapping, Skip};
use crate::credential::entry::NewEntry;
use crate::credential::exchange::Exchange;
use crate::secret::Secret;
use std::collections::{HashMap, HashSet};

/// One key as a parser found it, before its exchange is known and its label made unique.
pub(super) struct RawKey {
    /// Where in the source (see [`Found::source`]).
    pub(super) source: String,
    /// The exchange as the source names it.
    pub(super) exchange: String,
    /// The label's stem, from the source's names.
    pub(super) stem: String,
    pub(super) api_key: Option<(String, String)>,
    pub(super) secret: Option<(String, Secret)>,
    pub(super) passphrase: Option<(String, Secret)>,
    pub(super) uid: Option<(String, String)>,
}

impl RawKey {
    pub(super) fn new(source: &str, exchange: &str, stem: &str) -> RawKey {
        RawKey {
            source: source.to_string(),
            exchange: exchange.to_string(),
            stem: stem.to_string(),
            api_key: None,
            secret: None,
            passphrase: None,
            uid: None,
        }
    }

    /// Whether the key still has a public key, secret or API passphrase, not empty, from a
    /// field of `names`.
    pub(super) fn holds_any(&self, names: &[&str]) -> bool {
        let public = self.api_key.iter().map(|(from, k)| (from, k.is_empty()));
        let secret = [&self.secret, &self.passphrase]
            .into_iter()
            .flatten()
            .map(|(from, s)| (from, s.is_empty()));
        public
            .chain(secret)
            .any(|(from, empty)| !empty && names.contains(&from.as_str()))
    }

    /// The entry this key becomes (labelled uniquely among `taken`), or why it is left out.
    pub(super) fn resolve(self, taken: &mut Labels) -> (Found, Option<NewEntry>) {
        let skip = |reason| Found {
            source: self.source.clone(),
            label: None,
            exchange: None,
            fields: Vec::new(),
            skipped: Some(reason),
        };
        let Some((secret_from, secret)) = self.secret.filter(|(_, s)| !s.expose().is_empty())
        else {
            return (skip(Skip::NoSecret), None);
        };
        let Some((key_from, api_key)) = self.api_key.filter(|(_, k)| !k.is_empty()) else {
            return (skip(Skip::NoKey), None);
        };
        if self.exchange.trim().is_empty() {
            return (skip(Skip::NoExchange), None);
        }
        let Some(exchange) = exchange_named(&self.exchange) else {
            let name = self.exchange.clone();
            return (skip(Skip::UnknownExchange { name }), None);
        };
        let label = unique_label(&slug(&self.stem), taken);
        let mut fields = vec![
            Mapping::new(key_from, "api_key"),
            Mapping::new(secret_from, "secret"),
        ];
        let passphrase = self.passphrase.filter(|(_, p)| !p.expose().is_empty());
        let uid = self.uid.filter(|(_, u)| !u.is_empty());
        fields.extend(
            passphrase
                .as_ref()
                .map(|(f, _)| Mapping::new(f, "api_passphrase")),
        );
        fields.extend(uid.as_ref().map(|(f, _)| Mapping::new(f, "account_ref")));
        let entry = NewEntry {
            api_passphrase: passphrase.map(|(_, p)| p),
            account_ref: uid.map(|(_, u)| u),
            ..NewEntry::credential(label.clone(), exchange, api_key, secret)
        };
        let found = Found {
            source: self.source,
            label: Some(label),
            exchange: Some(exchange),
            fields,
            skipped: None,
        };
        (found, Some(entry))
    }
}

impl Mapping {
    fn new(from: impl Into<String>, to: &'static str) -> Mapping {
        Mapping {
            from: from.into(),
            to,
        }
    }
}

/// The exchange a source names, by keycellar's id or ccxt's, in any case, with `_` for `-`
/// (`KRAKEN_FUTURES`, `krakenfutures`, `kraken-futures`); never `other`.
pub fn exchange_named(name: &str) -> Option<Exchange> {
    let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
    Exchange::ALL.iter().copied().find(|e| {
        *e != Exchange::Other && (e.id() == wanted || e.info().ccxt_id == Some(wanted.as_str()))
    })
}

/// A label from a source's name: lower case letters, digits and single `-`, at most 48
/// characters; `key` when nothing is left.
fn slug(name: &str) -> String {
    let mut label = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            label.push(c.to_ascii_lowercase());
        } else if !label.is_empty() && !label.ends_with('-') {
            label.push('-');
        }
        if label.len() >= 48 {
            break;
        }
    }
    let label = label.trim_end_matches('-');
    if label.is_empty() {
        "key".into()
    } else {
        label.into()
    }
}

/// The labels a source's keys took so far, and for each stem the next number to try.
#[derive(Default)]
pub(super) struct Labels {
    taken: HashSet<String>,
    next: HashMap<String, usize>,
}

/// `stem`, or `stem-2`, `stem-3`, ... when an earlier key of the source took it; a stem's
/// numbers go on where they stopped, so many keys of one stem cost no more than others.
pub(super) fn unique_label(stem: &str, labels: &mut Labels) -> String {
    let n = labels.next.entry(stem.to_string()).or_insert(1);
    let mut label = stem.to_string();
    while labels.taken.contains(&label) {
        *n += 1;
        label = format!("{stem}-{n}");
    }
    labels.taken.insert(label.clone());
    label
}

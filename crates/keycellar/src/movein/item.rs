//! An item of a password manager (a KeePass entry, a Bitwarden item, a `pass` file), and how
//! it becomes a key: which of its fields is the public key, the secret, the API passphrase,
//! the account and the exchange, by their names, and whether it is an exchange's API key at
//! all (a password database holds many other logins).
//!
//! A field named for a part (`API key`, `secret`, `private key`, `passphrase`, `uid`,
//! `exchange`, in any case and spacing) is that part; otherwise the user name is the public
//! key and the password the secret, and with no password a lone hidden field nothing else
//! claims is the secret. An item is an exchange's key when it has an `exchange` field
//! (keycellar writes one), or when its title or a URL names an exchange and the title says
//! "API" or a field is named for a key or a secret (`Kraken API`, not the `Kraken` login).

use super::{RawKey, exchange_named};
use crate::secret::Secret;

/// One item as a password manager holds it; every value is kept wiped.
#[derive(Default)]
pub(super) struct Item {
    /// Where in the source: its title, with its group or folder when it has one.
    pub(super) source: String,
    pub(super) title: String,
    /// The user name and the password, each with the source's name for the field.
    pub(super) username: Option<(String, Secret)>,
    pub(super) password: Option<(String, Secret)>,
    pub(super) urls: Vec<String>,
    pub(super) fields: Vec<Field>,
}

/// A field beside the user name and password.
pub(super) struct Field {
    pub(super) name: String,
    pub(super) value: Secret,
    /// Marked hidden or protected by the password manager.
    pub(super) hidden: bool,
}

/// What a field's name says it holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Exchange,
    Key,
    Secret,
    Passphrase,
    Uid,
    Label,
}

/// Field names (lower case, letters and digits only) and the part each names.
const NAMES: &[(&str, Part)] = &[
    ("exchange", Part::Exchange),
    ("apikey", Part::Key),
    ("key", Part::Key),
    ("publickey", Part::Key),
    ("apipublickey", Part::Key),
    ("accesskey", Part::Key),
    ("keyname", Part::Key),
    ("secret", Part::Secret),
    ("apisecret", Part::Secret),
    ("secretkey", Part::Secret),
    ("apisecretkey", Part::Secret),
    ("privatekey", Part::Secret),
    ("apiprivatekey", Part::Secret),
    ("passphrase", Part::Passphrase),
    ("apipassphrase", Part::Passphrase),
    ("apipassword", Part::Passphrase),
    ("uid", Part::Uid),
    ("account", Part::Uid),
    ("accountref", Part::Uid),
    ("label", Part::Label),
];

fn part_of(name: &str) -> Option<Part> {
    let folded: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    NAMES.iter().find(|(n, _)| *n == folded).map(|(_, p)| *p)
}

impl Item {
    /// The field named for `part`, the last one when several are.
    fn named(&self, part: Part) -> Option<&Field> {
        self.fields
            .iter()
            .rev()
            .find(|f| part_of(&f.name) == Some(part))
    }

    /// The exchange the item names: its `exchange` field (and true), or the first exchange
    /// its title or a URL names (and false).
    fn exchange(&self) -> Option<(String, bool)> {
        if let Some(field) = self.named(Part::Exchange) {
            return Some((field.value.expose().trim().to_string(), true));
        }
        let hosts = self.urls.iter().map(|url| host(url));
        std::iter::once(self.title.as_str())
            .chain(hosts)
            .find_map(named_in)
            .map(|name| (name, false))
    }

    /// The key this item holds, if it is an exchange's key; with `alone` (the item is the
    /// whole source, as `pass show` gives one), it is a key even when it names no exchange.
    pub(super) fn into_key(self, alone: bool) -> Option<RawKey> {
        let exchange = self.exchange();
        let says_api = words(&self.title).any(|w| w == "api")
            || self.named(Part::Key).is_some()
            || self.named(Part::Secret).is_some();
        match &exchange {
            _ if alone => {}
            Some((_, true)) => {}
            Some((_, false)) if says_api => {}
            _ => return None,
        }
        let exchange = exchange.map(|(name, _)| name).unwrap_or_default();
        let stem = match self.named(Part::Label) {
            Some(label) => label.value.expose().trim().to_string(),
            None if self.title.trim().is_empty() => exchange.clone(),
            None => self.title.clone(),
        };
        let mut key = RawKey::new(&self.source, &exchange, &stem);
        let public = |field: &Field| (field.name.clone(), field.value.expose().trim().to_string());
        let secret = |field: &Field| (field.name.clone(), field.value.clone());
        key.api_key = match self.named(Part::Key) {
            Some(field) => Some(public(field)),
            None => self
                .username
                .as_ref()
                .map(|(name, value)| (name.clone(), value.expose().trim().to_string())),
        };
        key.secret = self.named(Part::Secret).map(secret).or_else(|| {
            let password = self.password.clone().filter(|(_, p)| !p.is_empty());
            password.or_else(|| self.lone_hidden().map(secret))
        });
        key.passphrase = self.named(Part::Passphrase).map(secret);
        key.uid = self.named(Part::Uid).map(public);
        Some(key)
    }

    /// The one hidden field no name claims, if there is exactly one.
    fn lone_hidden(&self) -> Option<&Field> {
        let mut unclaimed = self
            .fields
            .iter()
            .filter(|f| f.hidden && part_of(&f.name).is_none() && !f.value.is_empty());
        let first = unclaimed.next()?;
        unclaimed.next().is_none().then_some(first)
    }
}

/// The words of a title or host, in lower case.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
}

/// The exchange a title or host names, by a word or two words in a row (`Binance US`,
/// `kraken futures`), the two-word names first.
fn named_in(text: &str) -> Option<String> {
    let words: Vec<String> = words(text).collect();
    let pairs = words.windows(2).map(|w| format!("{}-{}", w[0], w[1]));
    let pair = pairs.into_iter().find(|p| exchange_named(p).is_some());
    pair.or_else(|| words.iter().find(|w| exchange_named(w).is_some()).cloned())
}

/// The host of a URL (`https://www.kraken.com/u/security/api` gives `www.kraken.com`).
fn host(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = after_scheme
        .find(['/', ':', '?', '#'])
        .unwrap_or(after_scheme.len());
    &after_scheme[..end]
}

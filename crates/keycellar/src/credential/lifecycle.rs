//! Key lifecycle rules: what a new key inherits from the one it replaces.
//!
//! A rotation is one change saved atomically ([`crate::vault::Vault::rotate`]): the old
//! entry becomes `rotated` (with the date, the reason and a link to its successor) and the
//! new entry takes over the label, linked back to the old one. Apps listed in used-by move
//! to the new key. A rotation brings a key the exchange has just made: its public key and
//! its secret must both be new to the label ([`repeated_part`]), or the old key would be
//! disabled on the exchange while the new one is stored nowhere.

use crate::clock::Date;
use crate::credential::entry::{Entry, NewEntry};
use crate::credential::validate;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

/// A key as its exchange issued it: what a new entry or a rotation brings. Its `Debug`
/// shows no secret ([`Secret`] is redacted).
#[derive(Clone, Debug)]
pub struct NewKey {
    pub api_key: String,
    pub secret: Secret,
    /// The passphrase chosen with the key (or Kraken's 2FA password), for exchanges that
    /// ask for one.
    pub api_passphrase: Option<Secret>,
    /// The key's authenticator seed (Kraken), when it has one.
    pub otp_seed: Option<Secret>,
}

/// The new key of a rotation and what changes with it; what is left `None` (or empty)
/// is inherited from the old key. Its `Debug` shows no secret ([`Secret`] is redacted).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    pub api_key: String,
    pub secret: Secret,
    pub api_passphrase: Option<Secret>,
    /// The new key's authenticator seed (Kraken); never inherited, as a new key has its own.
    #[serde(default)]
    pub otp_seed: Option<Secret>,
    pub permissions: Vec<String>,
    pub ip_allowlist: Vec<String>,
    /// The new key's expiry; never inherited, as a new key has its own.
    pub expires: Option<Date>,
    pub notes: Option<String>,
    pub used_by: Vec<String>,
}

/// The entry that replaces `old`: same label, exchange, key version and account; the
/// replacement's lists and note where given, else the old key's.
pub fn successor(old: &Entry, new: Replacement) -> NewEntry {
    let or_old = |given: Vec<String>, old: &[String]| {
        if given.is_empty() {
            old.to_vec()
        } else {
            given
        }
    };
    NewEntry {
        label: old.label.clone(),
        exchange: old.exchange,
        api_key: new.api_key,
        secret: new.secret,
        api_passphrase: new.api_passphrase,
        otp_seed: new.otp_seed,
        key_version: old.key_version.clone(),
        account_ref: old.account_ref.clone(),
        permissions: or_old(new.permissions, &old.permissions),
        ip_allowlist: or_old(new.ip_allowlist, &old.ip_allowlist),
        expires: new.expires,
        created: None,
        notes: new.notes.or_else(|| old.notes.clone()),
        used_by: or_old(new.used_by, &old.used_by),
    }
}

/// The part of `new` (`"public key"` or `"secret"`) that is the same as in `earlier`, a key
/// the label holds or held, compared as the exchange sees them; `None` when both are new.
pub fn repeated_part(new: &Entry, earlier: &Entry) -> Option<&'static str> {
    let key = |e: &Entry| validate::canonical_api_key(e.exchange, &e.api_key);
    if key(new) == key(earlier) {
        return Some("public key");
    }
    let secret = |e: &Entry| validate::canonical_secret(e.exchange, e.secret.expose()).ok();
    let same_secret = match (secret(new), secret(earlier)) {
        (Some(a), Some(b)) => a == b,
        _ => new.secret.expose() == earlier.secret.expose(),
    };
    same_secret.then_some("secret")
}

//! Per-exchange checks of a credential's shape, and the canonical forms fingerprints use.
//!
//! Errors refuse the entry; warnings are printed and the entry is saved. Messages describe
//! lengths and character classes, never the characters of a secret. The rules of each
//! exchange are in `exchanges`, one function each; what refuses an entry is an `EntryProblem`, what
//! is only said a `Warning` (`warning`).

use crate::clock::Date;
use crate::credential::entry::{Entry, ImportedEntry};
use crate::credential::exchange::{Exchange, SecretEncoding};
use crate::credential::fingerprint::{self, Fingerprint};
use crate::credential::otp;
use crate::error::paste::Looks;
use crate::error::{EntryError, EntryProblem, Link};
use crate::error::{Error, Result};
use crate::secret::{Secret, SecretBytes};
use crate::untrusted::{is_invisible, quoted};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::net::IpAddr;
use zeroize::Zeroizing;

/// What the checks found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub errors: Vec<EntryProblem>,
    pub warnings: Vec<Warning>,
}

/// An entry that passed [`admit`].
#[derive(Debug)]
pub struct Admitted {
    pub entry: Entry,
    pub warnings: Vec<Warning>,
    /// The fingerprint the entry came with, when it differs from the one its key gives.
    pub recorded_differs: Option<Fingerprint>,
}

/// The one admission step every entry passes before it joins a vault, whether typed,
/// edited, rotated in or read from a backup: normalised, checked (an error refuses it), and
/// fingerprinted from its key.
pub fn admit(mut entry: ImportedEntry) -> Result<Admitted> {
    normalize(&mut entry);
    let Report { errors, warnings } = check(&entry);
    if !errors.is_empty() {
        return Err(Error::Entry(EntryError::Invalid {
            label: entry.label,
            problems: errors,
        }));
    }
    let computed = fingerprint::of_entry(&entry)?;
    let recorded_differs = entry.fingerprint.filter(|recorded| *recorded != computed);
    Ok(Admitted {
        entry: entry.with_fingerprint(computed),
        warnings,
        recorded_differs,
    })
}

/// [`admit`] for a key typed in now (`add`, `rotate`), with the rules a key read from a
/// backup or an older vault is spared (those keep loading as they were saved): a public key
/// must have its exchange's documented shape, `expires` may not be past and `created` may
/// not be in the future (on `today`). Every problem is in the one error.
pub fn admit_new(mut entry: ImportedEntry, today: Date) -> Result<Admitted> {
    normalize(&mut entry);
    // Warnings come from `admit` below, once the errors are known to be none.
    let mut report = check(&entry);
    report
        .errors
        .extend(new_key_problem(entry.exchange, &entry.api_key));
    if let Some(expires) = entry.expires.filter(|e| *e < today) {
        report.errors.push(EntryProblem::ExpiryPast { expires });
    }
    if let Some(created) = entry.created.filter(|c| *c > today) {
        report
            .errors
            .push(EntryProblem::CreatedInFuture { created });
    }
    if !report.errors.is_empty() {
        return Err(Error::Entry(EntryError::Invalid {
            label: entry.label,
            problems: report.errors,
        }));
    }
    admit(entry)
}

/// A public key that cannot be one of its exchange's, where the exchange documents the
/// shape: Kraken's are 56 base64 characters (42 bytes), Binance's 64 letters and digits.
fn new_key_problem(exchange: Exchange, key: &str) -> Option<EntryProblem> {
    let key = key.trim();
    let shape = exchange.info().public_key.as_ref()?;
    if (shape.fits)(key) || key.is_empty() {
        return None;
    }
    if crate::credential::paste::looks(key, Some(exchange)) == Looks::Secret {
        return Some(EntryProblem::KeyLooksLikeSecret);
    }
    Some(EntryProblem::KeyShape {
        name: shape.name,
        shape: shape.description,
        characters: key.chars().count(),
    })
}

/// An entry id as stored: a UUID in its hyphenated lower-case form, from any form of one
/// (upper case, braces, `urn:uuid:`); `None` for anything else.
fn canonical_id(id: &str) -> Option<String> {
    uuid::Uuid::try_parse(id)
        .ok()
        .map(|uuid| uuid.hyphenated().to_string())
}

/// Trims outer whitespace from the public key and from secrets that are not PEM blocks,
/// turns literal `\n` escapes inside a PEM block into newlines, and writes ids (the
/// entry's and its lineage links) in the one form of a UUID.
fn normalize<F>(entry: &mut Entry<F>) {
    let ids = std::iter::once(&mut entry.id).chain(
        [
            &mut entry.lineage.supersedes,
            &mut entry.lineage.replaced_by,
        ]
        .into_iter()
        .flatten(),
    );
    for id in ids {
        if let Some(canonical) = canonical_id(id) {
            *id = canonical;
        }
    }
    entry.api_key = entry.api_key.trim().to_string();
    entry.label = entry.label.trim().to_string();
    // An authenticator seed is stored in one form (a URI from a backup or `--from-json`
    // too); one that does not read is left for `check` to name.
    let seed = entry
        .otp_seed
        .as_ref()
        .map(|seed| otp::parse_seed(seed.expose()));
    if let Some(Ok(seed)) = seed {
        entry.otp_seed = Some(seed);
    }
    let secret = entry.secret.expose();
    if secret.contains("-----BEGIN") {
        if secret.contains("\\n") {
            entry.secret = Secret::new(secret.replace("\\n", "\n"));
        }
    } else if secret.trim() != secret {
        entry.secret = Secret::new(secret.trim().to_string());
    }
}

/// Checks an entry before it is saved.
pub fn check<F>(entry: &Entry<F>) -> Report {
    let mut r = Report::default();
    check_label(&entry.label, &mut r);
    check_ids(entry, &mut r);
    let key = entry.api_key.as_str();
    let secret = entry.secret.expose();
    let is_pem = secret.contains("-----BEGIN");
    if key.is_empty() {
        r.errors.push(EntryProblem::EmptyKey);
    } else if key.chars().any(|c| c.is_whitespace() || is_invisible(c)) {
        r.errors.push(EntryProblem::KeyInvisible);
    }
    if secret.is_empty() {
        r.errors.push(EntryProblem::EmptySecret);
    } else if !is_pem && secret.chars().any(|c| c.is_whitespace() || is_invisible(c)) {
        r.errors.push(EntryProblem::SecretInvisible);
    }
    let passphrase_missing = entry.api_passphrase.as_ref().is_none_or(|p| p.is_empty());
    if entry.exchange.requires_api_passphrase() && passphrase_missing {
        r.errors.push(EntryProblem::ApiPassphraseMissing {
            exchange: entry.exchange.id(),
        });
    }
    exchange_rules(entry, key, secret, is_pem, &mut r);
    check_two_factor(entry, &mut r);
    for ip in &entry.ip_allowlist {
        if !is_ip_or_cidr(ip) {
            r.errors
                .push(EntryProblem::NotAnAddress { quoted: quoted(ip) });
        }
    }
    r
}

/// An authenticator seed is Kraken's API-key 2FA, instead of its password, and must read.
fn check_two_factor<F>(entry: &Entry<F>, r: &mut Report) {
    let Some(seed) = &entry.otp_seed else {
        return;
    };
    if entry.exchange != Exchange::Kraken {
        r.errors.push(EntryProblem::SeedForAnotherExchange {
            exchange: entry.exchange.id(),
        });
    }
    if entry.api_passphrase.is_some() {
        r.errors.push(EntryProblem::PasswordAndAuthenticator);
    }
    if let Err(error) = otp::parse_seed(seed.expose()) {
        r.errors.push(EntryProblem::SeedUnreadable {
            why: error.to_string(),
        });
    }
}

fn check_label(label: &str, r: &mut Report) {
    let characters = label.chars().count();
    if !(1..=64).contains(&characters) {
        r.errors.push(EntryProblem::LabelLength { characters });
    }
    // Two labels that look the same must not be two labels: no control characters, and
    // no invisible formatting ones (zero-width spaces, bidirectional overrides, ...).
    if let Some((position, c)) = label.chars().enumerate().find(|(_, c)| is_invisible(*c)) {
        r.errors.push(EntryProblem::LabelInvisible {
            code_point: c as u32,
            position: position + 1,
        });
    }
}

/// Ids name run-lock files and link rotations: only UUIDs, never text from a backup that
/// could hold a path or terminal escapes. The values are not repeated.
fn check_ids<F>(entry: &Entry<F>, r: &mut Report) {
    let is_uuid = |id: &String| canonical_id(id).as_ref() == Some(id);
    if !is_uuid(&entry.id) {
        r.errors.push(EntryProblem::IdNotUuid);
    }
    let links = [
        (Link::Supersedes, &entry.lineage.supersedes),
        (Link::ReplacedBy, &entry.lineage.replaced_by),
    ];
    for (link, id) in links {
        if id.as_ref().is_some_and(|id| !is_uuid(id)) {
            r.errors.push(EntryProblem::LinkNotUuid { link });
        } else if id.as_ref() == Some(&entry.id) {
            r.errors.push(EntryProblem::LinkToItself { link });
        }
    }
}

fn exchange_rules<F>(entry: &Entry<F>, key: &str, secret: &str, is_pem: bool, r: &mut Report) {
    let shape = exchanges::Shape {
        exchange: entry.exchange,
        key,
        secret,
        is_pem,
        permissions: &entry.permissions,
        ip_allowlist: &entry.ip_allowlist,
        key_version: entry.key_version.as_deref(),
    };
    (entry.exchange.info().rules)(&shape, r);
}

fn is_ip_or_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

/// The public key as fingerprints see it: trimmed, and for Coinbase the lower-case key UUID
/// (both forms of a Coinbase key name then give one fingerprint).
/// Refuses permission names the exchange does not list (a typo would otherwise be kept as
/// a permission the key does not have). Names outside the list are taken only when the
/// caller passes them as deliberate ones, which this check does not see.
pub fn check_permission_names(exchange: Exchange, names: &[String]) -> Result<()> {
    let Some(known) = exchange.info().permissions else {
        return Ok(());
    };
    let unknown: Vec<String> = names
        .iter()
        .filter(|name| !known.contains(&name.as_str()))
        .map(|name| quoted(name))
        .collect();
    match unknown.is_empty() {
        true => Ok(()),
        false => Err(Error::Entry(EntryError::UnknownPermission {
            exchange: exchange.id(),
            unknown,
            known,
        })),
    }
}

pub fn canonical_api_key(exchange: Exchange, api_key: &str) -> String {
    let key = api_key.trim();
    match exchange {
        Exchange::Coinbase => key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase(),
        _ => key.to_string(),
    }
}

/// The secret bytes the exchange's signer keys with: base64-decoded for Kraken and Coinbase
/// Exchange, the UTF-8 text otherwise.
pub fn canonical_secret(exchange: Exchange, secret: &str) -> Result<SecretBytes> {
    match exchange.info().secret {
        SecretEncoding::Base64 => STANDARD.decode(secret).map(Zeroizing::new).map_err(|_| {
            Error::Entry(EntryError::SecretEncoding {
                exchange: exchange.id(),
            })
        }),
        SecretEncoding::Text => Ok(Zeroizing::new(secret.as_bytes().to_vec())),
    }
}

pub(crate) mod exchanges;
pub(crate) use exchanges::Shape;
pub mod warning;
pub use warning::{EntryWarning, Warning};

#[cfg(test)]
mod tests;

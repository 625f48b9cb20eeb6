//! Exchange credential entries: the schema stored in the vault and the values it allows.

use crate::clock::{Date, Timestamp};
use crate::credential::exchange::Exchange;
use crate::credential::fingerprint::Fingerprint;
use crate::credential::otp::TwoFactor;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

/// Lifecycle state of a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    #[default]
    Active,
    Rotated,
    Revoked,
    Expired,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 4] = [
        Status::Active,
        Status::Rotated,
        Status::Revoked,
        Status::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Rotated => "rotated",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
        }
    }
}

/// One exchange API key with its secret parts and metadata.
///
/// Secret fields are [`Secret`]s: zeroized on drop, redacted in `Debug`. Fields are the
/// library's to change, through [`crate::vault::Vault`]'s operations; others read them
/// through the methods below. `F` is the fingerprint as recorded: always present in a vault
/// ([`Fingerprint`]), perhaps absent in a hand-written backup ([`ImportedEntry`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry<F = Fingerprint> {
    /// Random UUID, local to this vault, not derived from key material. A hand-written
    /// backup may leave it out; one is made up.
    #[serde(default = "new_id")]
    pub(crate) id: String,
    /// The user's unique name for the key, e.g. `kraken-grid-bot`.
    pub(crate) label: String,
    pub(crate) exchange: Exchange,
    /// Public API key exactly as the exchange shows it.
    pub(crate) api_key: String,
    /// API secret / private key, exactly as issued.
    pub(crate) secret: Secret,
    /// API passphrase (OKX, KuCoin, Coinbase Exchange) or Kraken's static 2FA password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api_passphrase: Option<Secret>,
    /// Kraken: the seed of the authenticator whose codes the key needs instead of a 2FA
    /// password (base32, `credential::otp`; payload schema 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) otp_seed: Option<Secret>,
    /// KuCoin API key version ("2" for keys made since 2021).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) key_version: Option<String>,
    /// Non-secret account reference (Kraken IIBAN, Bitstamp customer id, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) account_ref: Option<String>,
    #[serde(default)]
    pub(crate) permissions: Vec<String>,
    #[serde(default)]
    pub(crate) ip_allowlist: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expires: Option<Date>,
    /// When the key was created on the exchange, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) created: Option<Date>,
    /// When the entry was added to the vault. A hand-written backup may leave it out; the
    /// time of the import is used.
    #[serde(default = "Timestamp::now")]
    pub(crate) added_at: Timestamp,
    #[serde(default)]
    pub(crate) status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) notes: Option<String>,
    /// Apps or hosts that use this key.
    #[serde(default)]
    pub(crate) used_by: Vec<String>,
    /// Entry fingerprint recorded when the key was added (see `fingerprint`).
    pub(crate) fingerprint: F,
    /// Rotation links to the keys before and after this one.
    #[serde(default, skip_serializing_if = "Lineage::is_empty")]
    pub(crate) lineage: Lineage,
}

/// An entry as read from a backup: its fingerprint as the backup records it, if it does.
pub type ImportedEntry = Entry<Option<Fingerprint>>;

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Where a key sits in its rotation chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// Id of the key this one replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// Id of the key that replaced this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    /// When this key was rotated out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_at: Option<Timestamp>,
    /// Why it was rotated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Lineage {
    pub fn is_empty(&self) -> bool {
        *self == Lineage::default()
    }
}

impl<F> Entry<F> {
    /// The random id, local to this vault.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The user's name for the key.
    pub fn label(&self) -> &str {
        &self.label
    }
    pub fn exchange(&self) -> Exchange {
        self.exchange
    }
    /// The public API key exactly as the exchange shows it.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
    /// The API secret; print it only when the user asked to see it.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }
    pub fn api_passphrase(&self) -> Option<&Secret> {
        self.api_passphrase.as_ref()
    }
    /// The authenticator seed of a Kraken key that needs its codes; print it only when the
    /// user asked to see it.
    pub fn otp_seed(&self) -> Option<&Secret> {
        self.otp_seed.as_ref()
    }
    /// The 2FA a Kraken key needs with each request: a code of its authenticator, or its
    /// password (kept as the API passphrase); `None` for none, and on other exchanges.
    pub fn two_factor(&self) -> Option<TwoFactor> {
        match (&self.otp_seed, &self.api_passphrase, self.exchange) {
            (Some(_), _, _) => Some(TwoFactor::Authenticator),
            (None, Some(_), Exchange::Kraken) => Some(TwoFactor::Password),
            (None, _, _) => None,
        }
    }
    pub fn key_version(&self) -> Option<&str> {
        self.key_version.as_deref()
    }
    pub fn account_ref(&self) -> Option<&str> {
        self.account_ref.as_deref()
    }
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }
    pub fn ip_allowlist(&self) -> &[String] {
        &self.ip_allowlist
    }
    pub fn expires(&self) -> Option<Date> {
        self.expires
    }
    /// When the key was created on the exchange, if known.
    pub fn created(&self) -> Option<Date> {
        self.created
    }
    /// When the entry was added to the vault.
    pub fn added_at(&self) -> Timestamp {
        self.added_at
    }
    pub fn status(&self) -> Status {
        self.status
    }
    pub fn notes(&self) -> Option<&str> {
        self.notes.as_deref()
    }
    /// Apps or hosts that use this key.
    pub fn used_by(&self) -> &[String] {
        &self.used_by
    }
    /// Links to the keys before and after this one.
    pub fn lineage(&self) -> &Lineage {
        &self.lineage
    }

    /// False for a key that was rotated out: it no longer holds its label.
    pub fn is_current(&self) -> bool {
        self.status != Status::Rotated
    }

    /// The status as of `today`: an active key past its expiry date is expired, whatever
    /// was stored.
    pub fn status_on(&self, today: Date) -> Status {
        match self.expires {
            Some(expires) if self.status == Status::Active && expires < today => Status::Expired,
            _ => self.status,
        }
    }

    /// Refuses a key that should not be handed to a program: revoked, rotated, expired by
    /// its status, or past its expiry date on `today`.
    pub fn check_usable(&self, today: Date) -> crate::Result<()> {
        match self.status_on(today) {
            Status::Active => Ok(()),
            status => Err(crate::Error::Entry(crate::error::EntryError::NotActive {
                label: self.label.clone(),
                status: status.as_str(),
            })),
        }
    }

    /// Days since the key was made (on the exchange if known, else added here).
    pub fn age_days(&self, today: Date) -> i64 {
        self.created
            .unwrap_or_else(|| self.added_at.date())
            .days_until(today)
    }

    /// The entry with another fingerprint value (the one place that lists every field).
    pub(crate) fn with_fingerprint<G>(self, fingerprint: G) -> Entry<G> {
        Entry {
            id: self.id,
            label: self.label,
            exchange: self.exchange,
            api_key: self.api_key,
            secret: self.secret,
            api_passphrase: self.api_passphrase,
            otp_seed: self.otp_seed,
            key_version: self.key_version,
            account_ref: self.account_ref,
            permissions: self.permissions,
            ip_allowlist: self.ip_allowlist,
            expires: self.expires,
            created: self.created,
            added_at: self.added_at,
            status: self.status,
            notes: self.notes,
            used_by: self.used_by,
            fingerprint,
            lineage: self.lineage,
        }
    }
    /// The public key shortened for display: `CJbfPw...I3y`.
    pub fn masked_key(&self) -> String {
        mask(&self.api_key)
    }

    /// A short summary of what the key may do: `read`, `trade`, `WITHDRAW`, joined by `+`.
    pub fn permission_summary(&self) -> String {
        if self.permissions.is_empty() {
            return "-".into();
        }
        let lowered: Vec<String> = self
            .permissions
            .iter()
            .map(|p| p.to_ascii_lowercase())
            .collect();
        let has = |words: &[&str]| lowered.iter().any(|p| words.iter().any(|w| p.contains(w)));
        let mut parts = Vec::new();
        if has(&[
            "query",
            "read",
            "view",
            "export",
            "ledger",
            "websocket",
            "general",
        ]) {
            parts.push("read");
        }
        if has(&["trade", "order", "modify", "cancel", "spot", "contract"]) {
            parts.push("trade");
        }
        if has(&["deposit", "earn", "transfer"]) {
            parts.push("funds");
        }
        if has(&["withdraw"]) {
            parts.push("WITHDRAW");
        }
        if parts.is_empty() {
            parts.push("other");
        }
        parts.join("+")
    }
}

impl Entry {
    /// The fingerprint recorded when the key was added.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The fields, beyond the key itself, in which `other` differs: what a restore must
    /// bring back and a comparison must name.
    pub fn differences(&self, other: &Entry) -> Vec<&'static str> {
        let mut differ = self.credential_differences(other);
        let checks = [
            ("account", self.account_ref == other.account_ref),
            ("permissions", self.permissions == other.permissions),
            ("IP allow-list", self.ip_allowlist == other.ip_allowlist),
            ("expiry", self.expires == other.expires),
            ("creation date", self.created == other.created),
            ("date added", self.added_at == other.added_at),
            ("status", self.status == other.status),
            ("notes", self.notes == other.notes),
            ("used by", self.used_by == other.used_by),
            ("history", self.lineage == other.lineage),
        ];
        differ.extend(
            checks
                .into_iter()
                .filter(|(_, same)| !same)
                .map(|(name, _)| name),
        );
        differ
    }

    /// The fields a key's own item on a paper sheet holds, beside the secret, in which
    /// `other` differs: all a comparison can name when the sheet's details were not read.
    pub fn credential_differences(&self, other: &Entry) -> Vec<&'static str> {
        let checks = [
            ("label", self.label == other.label),
            ("exchange", self.exchange == other.exchange),
            ("public key", self.api_key == other.api_key),
            ("key version", self.key_version == other.key_version),
        ];
        checks
            .into_iter()
            .filter(|(_, same)| !same)
            .map(|(name, _)| name)
            .collect()
    }
}

/// The most entries one `add --from-json` adds: ten times the largest vault keycellar is
/// tuned for, and a bound on the work and memory a document of tiny entries can ask for.
pub const MAX_NEW_ENTRIES: usize = 100_000;

/// A new entry as given by the user (flags, prompts, or `add --from-json`), before the vault
/// assigns its id, date and fingerprint. This is also the JSON schema of `add --from-json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    pub label: String,
    pub exchange: Exchange,
    pub api_key: String,
    pub secret: Secret,
    #[serde(default)]
    pub api_passphrase: Option<Secret>,
    /// Kraken: the authenticator seed the key needs codes of (base32, or an `otpauth://` URI
    /// in `add --from-json`: it is read as the entry is admitted).
    #[serde(default)]
    pub otp_seed: Option<Secret>,
    #[serde(default)]
    pub key_version: Option<String>,
    #[serde(default)]
    pub account_ref: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub ip_allowlist: Vec<String>,
    #[serde(default)]
    pub expires: Option<Date>,
    #[serde(default)]
    pub created: Option<Date>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub used_by: Vec<String>,
}

impl NewEntry {
    /// An entry with only its credential: no passphrase, details or dates.
    pub fn credential(label: String, exchange: Exchange, api_key: String, secret: Secret) -> Self {
        NewEntry {
            label,
            exchange,
            api_key,
            secret,
            api_passphrase: None,
            otp_seed: None,
            key_version: None,
            account_ref: None,
            permissions: Vec::new(),
            ip_allowlist: Vec::new(),
            expires: None,
            created: None,
            notes: None,
            used_by: Vec::new(),
        }
    }

    /// Entries for `add --from-json`: one JSON object, or a list of them (see
    /// docs/FORMAT.md).
    pub fn list_from_json(text: &str) -> Result<Vec<NewEntry>, crate::source::JsonProblem> {
        let entries: Vec<NewEntry> = if text.trim_start().starts_with('[') {
            crate::source::parse_json(text)?
        } else {
            vec![crate::source::parse_json(text)?]
        };
        if entries.len() > MAX_NEW_ENTRIES {
            return Err(crate::source::JsonProblem::TooManyEntries {
                count: entries.len(),
                limit: MAX_NEW_ENTRIES,
            });
        }
        Ok(entries)
    }

    /// The entry with a new id, added now, not yet checked or fingerprinted (see
    /// [`crate::credential::validate::admit`]).
    pub fn into_entry(self) -> ImportedEntry {
        Entry {
            id: new_id(),
            label: self.label,
            exchange: self.exchange,
            api_key: self.api_key,
            secret: self.secret,
            api_passphrase: self.api_passphrase,
            otp_seed: self.otp_seed,
            key_version: self.key_version,
            account_ref: self.account_ref,
            permissions: self.permissions,
            ip_allowlist: self.ip_allowlist,
            expires: self.expires,
            created: self.created,
            added_at: Timestamp::now(),
            status: Status::Active,
            notes: self.notes,
            used_by: self.used_by,
            fingerprint: None,
            lineage: Lineage::default(),
        }
    }
}

/// An active entry with only its credential set and a made-up fingerprint, for unit tests.
#[cfg(test)]
pub(crate) fn sample(label: &str, exchange: Exchange, api_key: &str, secret: &str) -> Entry {
    NewEntry::credential(
        label.into(),
        exchange,
        api_key.into(),
        Secret::new(secret.into()),
    )
    .into_entry()
    .with_fingerprint(Fingerprint::repeated(0))
}

/// Shortens a public key to its first six and last three characters.
pub fn mask(key: &str) -> String {
    let count = key.chars().count();
    if count <= 12 {
        let head: String = key.chars().take(count.min(4) / 2).collect();
        return format!("{head}...");
    }
    let head: String = key.chars().take(6).collect();
    let tail: String = key.chars().skip(count - 3).collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_exchange_key_list() {
        assert_eq!(
            mask("CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y"),
            "CJbfPw...I3y"
        );
        assert_eq!(mask("short"), "sh...");
    }
}

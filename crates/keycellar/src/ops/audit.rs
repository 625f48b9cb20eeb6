//! `audit`: what in the vault needs attention, each finding with a severity.
//!
//! Each [`Rule`] is one function below: old keys, withdraw permission, trading or
//! withdrawing without an IP allow-list, expired or soon-expiring keys, retired keys still
//! marked as used, stored fingerprints that no longer match their keys, one public key in
//! two entries, a vault never backed up or an entry in no backup, and weak KDF parameters
//! (below the recommended memory, or cheap enough to put a typical four-word passphrase
//! below the guessing floor), a vault that only hardware tokens open, keys an exchange
//! is about to turn off or delete by its own rules (`credential::expiry`), and Kraken keys
//! with authenticator 2FA that a bot uses without the signing service (`two_factor`).

use crate::clock::Date;
use crate::credential::entry::{Entry, Status};
use crate::credential::exchange::Exchange;
use crate::credential::expiry;
use crate::credential::fingerprint;
use crate::passphrase::cost::{self, GuessCost, Kdf};
use crate::untrusted::quoted;
use crate::vault::Vault;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod two_factor;

/// How urgent a finding is. `High` makes `audit` exit non-zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Medium,
    High,
}

/// What a finding is about; its name (`withdraw-permission`, ...) is stable for scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    KeyAge,
    WithdrawPermission,
    NoIpAllowlist,
    Expired,
    Expiring,
    RetiredKeyInUse,
    FingerprintMismatch,
    DuplicateKey,
    NoBackup,
    StaleBackup,
    WeakKdf,
    KdfBelowFloor,
    OnlyHardwareSlots,
    ExchangeExpiry,
    ExchangeExpirySoon,
    Dormant,
    AuthenticatorNotSent,
}

impl Rule {
    /// The rule's stable name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::KeyAge => "key-age",
            Rule::WithdrawPermission => "withdraw-permission",
            Rule::NoIpAllowlist => "no-ip-allowlist",
            Rule::Expired => "expired",
            Rule::Expiring => "expiring",
            Rule::RetiredKeyInUse => "retired-key-in-use",
            Rule::FingerprintMismatch => "fingerprint-mismatch",
            Rule::DuplicateKey => "duplicate-key",
            Rule::NoBackup => "no-backup",
            Rule::StaleBackup => "stale-backup",
            Rule::WeakKdf => "weak-kdf",
            Rule::KdfBelowFloor => "kdf-below-floor",
            Rule::OnlyHardwareSlots => "only-hardware-slots",
            Rule::ExchangeExpiry => "exchange-expiry",
            Rule::ExchangeExpirySoon => "exchange-expiry-soon",
            Rule::Dormant => "dormant",
            Rule::AuthenticatorNotSent => "authenticator-not-sent",
        }
    }

    /// How urgent a finding of this rule is.
    pub fn severity(self) -> Severity {
        match self {
            Rule::WithdrawPermission
            | Rule::NoIpAllowlist
            | Rule::Expired
            | Rule::FingerprintMismatch
            | Rule::WeakKdf
            | Rule::OnlyHardwareSlots
            | Rule::ExchangeExpiry => Severity::High,
            Rule::KeyAge
            | Rule::Expiring
            | Rule::RetiredKeyInUse
            | Rule::DuplicateKey
            | Rule::NoBackup
            | Rule::StaleBackup
            | Rule::KdfBelowFloor
            | Rule::ExchangeExpirySoon
            | Rule::Dormant
            | Rule::AuthenticatorNotSent => Severity::Medium,
        }
    }
}

/// One finding.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: Rule,
    /// The entry concerned, if any.
    pub label: Option<String>,
    pub message: String,
}

/// Days until `expires` counts as "expiring soon".
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// Days before an exchange's rule acts under which the finding is high.
pub const EXCHANGE_EXPIRY_HIGH_DAYS: i64 = 7;

/// Days before an exchange's rule acts under which there is a finding at all.
pub const EXCHANGE_EXPIRY_WARNING_DAYS: i64 = 30;

/// The day each entry (by id) was last used by a bot, as `exec` recorded it.
pub type LastUses = HashMap<String, Date>;

/// The profile each entry (by id) was last handed to a bot with, as `exec` recorded it.
pub type LastProfiles = HashMap<String, String>;

/// What the run records say, by entry id.
#[derive(Debug, Default)]
pub struct Runs {
    pub last_uses: LastUses,
    pub last_profiles: LastProfiles,
}

/// Collects findings in the order the rules run.
struct Findings(Vec<Finding>);

impl Findings {
    fn add(&mut self, rule: Rule, label: Option<&str>, message: String) {
        self.0.push(Finding {
            severity: rule.severity(),
            rule,
            label: label.map(str::to_string),
            message,
        });
    }
}

/// Runs every rule. `today` is a parameter so tests can move the clock; `runs` are the run
/// records' days of use and profiles.
pub fn audit(vault: &Vault, max_age_days: i64, today: Date, runs: &Runs) -> Vec<Finding> {
    let mut found = Findings(Vec::new());
    let active: Vec<&Entry> = vault
        .entries()
        .iter()
        .filter(|e| e.status == Status::Active)
        .collect();
    for e in &active {
        key_age(&mut found, e, max_age_days, today);
        permissions(&mut found, e);
        expiry(&mut found, e, today);
        exchange_expiry(&mut found, e, today, runs.last_uses.get(e.id()).copied());
        let profile = runs.last_profiles.get(e.id()).map(String::as_str);
        two_factor::authenticator_not_sent(&mut found, e, profile);
    }
    for e in vault.entries() {
        retired_in_use(&mut found, e);
        fingerprint_mismatch(&mut found, e);
    }
    duplicate_keys(&mut found, &active);
    backups(&mut found, vault);
    weak_kdf(&mut found, vault);
    only_hardware_slots(&mut found, vault);
    let mut findings = found.0;
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

/// Tokens get lost, and a TPM's secret breaks with a firmware update (systemd #24906, fwupd
/// #2641): a vault that only hardware opens is one such event from lost.
fn only_hardware_slots(found: &mut Findings, vault: &Vault) {
    if vault.keyslots().iter().all(|slot| slot.needs_hardware) {
        found.add(
            Rule::OnlyHardwareSlots,
            None,
            "only hardware tokens or plugins open the vault; add a slot that opens without \
             hardware (a passphrase, or an age key kept on paper)"
                .into(),
        );
    }
}

fn key_age(found: &mut Findings, e: &Entry, max_age_days: i64, today: Date) {
    let days = e.age_days(today);
    if days > max_age_days {
        let message = format!("the key is {days} days old (limit {max_age_days}); rotate it");
        found.add(Rule::KeyAge, Some(&e.label), message);
    }
}

fn permissions(found: &mut Findings, e: &Entry) {
    let summary = e.permission_summary();
    let withdraw = summary.contains("WITHDRAW");
    if withdraw {
        found.add(
            Rule::WithdrawPermission,
            Some(&e.label),
            "the key can withdraw funds; use a key without withdraw permission unless a bot \
             truly needs it"
                .into(),
        );
    }
    if (withdraw || summary.contains("trade")) && e.ip_allowlist.is_empty() {
        found.add(
            Rule::NoIpAllowlist,
            Some(&e.label),
            "the key can trade or withdraw but has no IP allow-list".into(),
        );
    }
}

fn expiry(found: &mut Findings, e: &Entry, today: Date) {
    let Some(expires) = e.expires else {
        return;
    };
    let left = today.days_until(expires);
    if left < 0 {
        let message = format!("the key expired on {expires}");
        found.add(Rule::Expired, Some(&e.label), message);
    } else if left <= EXPIRY_WARNING_DAYS {
        let days = crate::wording::count(left as usize, "day", "days");
        let message = format!("the key expires on {expires}, in {days}");
        found.add(Rule::Expiring, Some(&e.label), message);
    }
}

/// When the exchange's own rule turns the key off or deletes it (high within
/// [`EXCHANGE_EXPIRY_HIGH_DAYS`] or past, medium within [`EXCHANGE_EXPIRY_WARNING_DAYS`]);
/// for a rule with no stated days, a warning once keycellar's threshold has passed.
fn exchange_expiry(found: &mut Findings, e: &Entry, today: Date, last_use: Option<Date>) {
    let Some(p) = expiry::predict(e, last_use) else {
        return;
    };
    let left = today.days_until(p.on);
    let rule = match (p.rule.stated, left) {
        (false, ..=0) => Rule::Dormant,
        (true, ..EXCHANGE_EXPIRY_HIGH_DAYS) => Rule::ExchangeExpiry,
        (true, ..=EXCHANGE_EXPIRY_WARNING_DAYS) => Rule::ExchangeExpirySoon,
        _ => return,
    };
    found.add(rule, Some(&e.label), expiry_message(&p, today));
}

/// "okx-bot: no IP bound, trade permission: OKX deletes it 14 days after its last use, on
/// 2027-01-03", in the words of [`expiry::Prediction`].
pub fn expiry_message(p: &expiry::Prediction, today: Date) -> String {
    let since = match p.basis {
        expiry::Basis::LastUse => "its last use through keycellar",
        expiry::Basis::Created => "its creation (no use recorded)",
        expiry::Basis::Added => "the day it was added (no use or creation date recorded)",
    };
    let assumed = match p.permissions_unknown {
        true => " (its permissions are not recorded: assumed)",
        false => "",
    };
    let rule = p.rule;
    if !rule.stated {
        let days = p.basis_date.days_until(today);
        return format!(
            "no use in {} (since {since}, {}); {}: \"{}\" ({})",
            count(days),
            p.basis_date,
            rule.name,
            rule.quote,
            rule.source
        );
    }
    let when = match today.days_until(p.on) {
        left if left < 0 => format!("on {} ({} ago)", p.on, count(-left)),
        0 => format!("today, {}", p.on),
        left => format!("on {}, in {}", p.on, count(left)),
    };
    format!(
        "{}{assumed}: {} {} {} days after {since} ({}), {when} ({})",
        rule.condition.describe(),
        rule.name,
        rule.outcome,
        rule.days,
        p.basis_date,
        rule.source
    )
}

fn count(days: i64) -> String {
    crate::wording::count(days as usize, "day", "days")
}

fn retired_in_use(found: &mut Findings, e: &Entry) {
    if matches!(e.status, Status::Rotated | Status::Revoked) && !e.used_by.is_empty() {
        let message = format!(
            "a {} key is still listed as used by {}",
            e.status.as_str(),
            e.used_by.join(", ")
        );
        found.add(Rule::RetiredKeyInUse, Some(&e.label), message);
    }
}

fn fingerprint_mismatch(found: &mut Findings, e: &Entry) {
    if fingerprint::of_entry(e).ok() != Some(e.fingerprint) {
        found.add(
            Rule::FingerprintMismatch,
            Some(&e.label),
            "the stored key no longer gives its recorded fingerprint; restore it from a backup"
                .into(),
        );
    }
}

/// Each entry's next twin (a later entry with the same exchange and public key), found in
/// one pass from the end: a large vault must not cost a comparison per pair.
fn duplicate_keys(found: &mut Findings, active: &[&Entry]) {
    let mut later: HashMap<(Exchange, &str), &Entry> = HashMap::new();
    let mut next_twin = vec![None; active.len()];
    for (i, e) in active.iter().enumerate().rev() {
        next_twin[i] = later.insert((e.exchange, e.api_key.as_str()), *e);
    }
    for (a, twin) in active.iter().zip(next_twin) {
        if let Some(b) = twin {
            let message = format!("the same public key is also stored as {}", quoted(&b.label));
            found.add(Rule::DuplicateKey, Some(&a.label), message);
        }
    }
}

/// A vault never backed up is one finding; otherwise each entry whose key no export or
/// print holds is one, so that a backup of some entries never vouches for the others.
fn backups(found: &mut Findings, vault: &Vault) {
    let Some(last) = vault.backups().last() else {
        found.add(
            Rule::NoBackup,
            None,
            "the vault was never exported or printed".into(),
        );
        return;
    };
    for e in vault.entries_in_no_backup() {
        let key = match e.status {
            Status::Active => "its key".to_string(),
            status => format!("its {} key", status.as_str()),
        };
        let message = format!(
            "{key} is in no export or print (the last backup, {}, does not hold it); back it \
             up with keycellar export or print",
            last.at
        );
        found.add(Rule::StaleBackup, Some(&e.label), message);
    }
}

/// KDF settings below the recommended memory, or that make a passphrase of four common
/// words cheaper to guess than keycellar's floor (the passphrase itself is unknown here).
fn weak_kdf(found: &mut Findings, vault: &Vault) {
    for params in vault.kdf_params() {
        if params.below_recommended() {
            let message = format!(
                "{} is below the recommended 64 MiB; raise the vault's key derivation settings",
                params.describe()
            );
            found.add(Rule::WeakKdf, None, message);
            continue;
        }
        let cost = GuessCost::of(cost::typical_four_words(), Kdf::from(&params));
        if cost.below_floor() {
            let message = format!(
                "under {}, a passphrase of four common words costs {}, below keycellar's \
                 floor of {}; use a longer passphrase, or raise the vault's key derivation \
                 settings",
                Kdf::from(&params),
                cost,
                cost::FLOOR_TEXT
            );
            found.add(Rule::KdfBelowFloor, None, message);
        }
    }
}

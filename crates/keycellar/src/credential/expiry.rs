//! The exchanges' own rules for turning off or deleting an API key, as a dated, sourced
//! table (reviewed like a test vector: each row quotes its source and says when it was
//! read), and the day each rule would act on an entry.
//!
//! A rule counts from the key's last use when the exchange counts inactivity, else from
//! when the permission was granted. keycellar knows a use only when `exec` recorded one
//! (the run records, `crate::run`); for a key never run through keycellar the count starts
//! at its creation date (or the day it was added), which can only make the day earlier
//! than the exchange's, never later.

use crate::clock::Date;
use crate::credential::entry::Entry;
use crate::credential::exchange::Exchange;
use serde::{Deserialize, Serialize};

/// Which keys a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Keys that can trade or withdraw and have no IP bound.
    TradeOrWithdrawWithoutIp,
    /// Keys that can trade and have no IP bound.
    TradeWithoutIp,
    /// Every key.
    Any,
}

/// What a rule's days are counted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// The key's last use (the exchange counts inactivity).
    SinceLastUse,
    /// The day the permission was granted: keycellar takes the key's creation date.
    SinceGranted,
}

/// One exchange rule, with where it was read.
#[derive(Debug)]
pub struct ExpiryRule {
    pub exchange: Exchange,
    /// The exchange as its own pages write it.
    pub name: &'static str,
    pub condition: Condition,
    pub counted: Counted,
    pub days: i64,
    /// What the exchange does then ("deletes it").
    pub outcome: &'static str,
    /// False when the exchange gives no number ("several months"): `days` is then
    /// keycellar's own threshold for a warning, not the exchange's date.
    pub stated: bool,
    /// The exchange's words.
    pub quote: &'static str,
    pub source: &'static str,
    /// The day the source was read.
    pub read_on: &'static str,
}

/// The rules, one row each. Exchanges keycellar does not know yet (BingX deletes unbound
/// trading keys after 14 days of inactivity; HTX deactivates them after 90) have no row.
pub static RULES: &[ExpiryRule] = &[
    ExpiryRule {
        exchange: Exchange::Okx,
        name: "OKX",
        condition: Condition::TradeOrWithdrawWithoutIp,
        counted: Counted::SinceLastUse,
        days: 14,
        outcome: "deletes it",
        stated: true,
        quote: "If you create one of those keys [trade or withdrawal permissions] without \
                binding an IP address to it, OKX will automatically delete the key after 14 days.",
        source: "OKX's help article on IP allowlisting, as quoted by \
                 https://www.quotaguard.com/blog/okx-api-key-14-day-deletion-static-ip-fix",
        read_on: "2026-12-05",
    },
    ExpiryRule {
        exchange: Exchange::Kucoin,
        name: "KuCoin",
        condition: Condition::TradeWithoutIp,
        counted: Counted::SinceLastUse,
        days: 30,
        outcome: "deletes it or turns off its trade permissions",
        stated: true,
        quote: "API keys that are enabled for spot, margin, or futures trading but not linked \
                to an IP address will be automatically deleted or have their trade permissions \
                disabled after 30 days of inactivity.",
        source: "https://www.kucoin.com/support/360015102174",
        read_on: "2026-12-05",
    },
    ExpiryRule {
        exchange: Exchange::Binance,
        name: "Binance",
        condition: Condition::TradeWithoutIp,
        counted: Counted::SinceGranted,
        days: 30,
        outcome: "turns off its spot and margin trading",
        stated: true,
        quote: "If your API Key does not have whitelisted IP address(es) ... your selected \
                \"Enable Spot & Margin Trading\" permission will be valid for 30 days from the \
                activation time.",
        source: "https://www.binance.com/en-IN/support/announcement/cda0a4b53da04396b5d27881e93abf78",
        read_on: "2026-12-05",
    },
    ExpiryRule {
        exchange: Exchange::Kraken,
        name: "Kraken",
        condition: Condition::Any,
        counted: Counted::SinceLastUse,
        days: 60,
        outcome: "may disable it",
        stated: false,
        quote: "Kraken may also decide to disable API keys or revoke API key trading \
                permissions ... one typical reason would be several months of dormancy.",
        source: "https://support.kraken.com/hc/pt-br/articles/api-key-security",
        read_on: "2026-11-20",
    },
];

/// What a rule's count started from, for an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The last use `exec` recorded.
    LastUse,
    /// The key's creation date.
    Created,
    /// The day the entry was added to the vault (no creation date recorded).
    Added,
}

/// The day a rule acts on an entry, and what it is counted from.
#[derive(Debug)]
pub struct Prediction {
    pub rule: &'static ExpiryRule,
    /// The day the exchange acts (or, for a rule with no stated days, keycellar warns).
    pub on: Date,
    pub basis: Basis,
    pub basis_date: Date,
    /// True when the entry records no permissions, so the rule was assumed to apply.
    pub permissions_unknown: bool,
}

impl Condition {
    /// Whether the rule applies to `entry` (`None`: its permissions are not recorded).
    fn applies(self, entry: &Entry) -> Option<bool> {
        if self == Condition::Any {
            return Some(true);
        }
        if entry.permissions.is_empty() {
            return None;
        }
        let summary = entry.permission_summary();
        let trade = summary.contains("trade");
        let risky = match self {
            Condition::TradeOrWithdrawWithoutIp => trade || summary.contains("WITHDRAW"),
            Condition::TradeWithoutIp | Condition::Any => trade,
        };
        Some(risky && entry.ip_allowlist.is_empty())
    }

    /// The condition in words.
    pub fn describe(self) -> &'static str {
        match self {
            Condition::TradeOrWithdrawWithoutIp => "trade or withdraw permission, no IP bound",
            Condition::TradeWithoutIp => "trade permission, no IP bound",
            Condition::Any => "any key",
        }
    }
}

/// The day the first rule that applies acts on `entry`, counted from `last_use` when the
/// rule counts inactivity and a use was recorded, else from the key's creation date. An
/// entry with no recorded permissions is taken to have the ones the rule needs.
pub fn predict(entry: &Entry, last_use: Option<Date>) -> Option<Prediction> {
    let rule = RULES.iter().find(|rule| {
        rule.exchange == entry.exchange && rule.condition.applies(entry) != Some(false)
    })?;
    let created = match entry.created {
        Some(created) => (Basis::Created, created),
        None => (Basis::Added, entry.added_at.date()),
    };
    let (basis, basis_date) = match (rule.counted, last_use) {
        (Counted::SinceLastUse, Some(used)) if used >= created.1 => (Basis::LastUse, used),
        _ => created,
    };
    Some(Prediction {
        rule,
        on: basis_date.plus_days(rule.days),
        basis,
        basis_date,
        permissions_unknown: rule.condition.applies(entry).is_none(),
    })
}

#[cfg(test)]
mod tests;

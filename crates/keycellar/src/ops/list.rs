//! `list`: which entries a listing shows, chosen here so that every front end (the command
//! line, the agent) filters alike.

use crate::clock::Date;
use crate::credential::entry::{Entry, Status};
use crate::credential::exchange::Exchange;
use serde::{Deserialize, Serialize};

/// What a listing shows. With no status and without `all`, active entries only: rotated,
/// revoked and expired keys are history, counted but not shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListFilter {
    #[serde(default)]
    pub exchange: Option<Exchange>,
    #[serde(default)]
    pub status: Option<Status>,
    /// A bot named in the entry's `used_by` (any case).
    #[serde(default)]
    pub used_by: Option<String>,
    /// A permission as recorded (`modify-trades`), or what it lets the key do (`read`,
    /// `trade`, `funds`, `withdraw`), in any case.
    #[serde(default)]
    pub permission: Option<String>,
    /// Every entry, whatever its status.
    #[serde(default)]
    pub all: bool,
}

impl ListFilter {
    /// True for the default (active entries, no filter), which a request leaves out.
    pub fn is_default(&self) -> bool {
        *self == ListFilter::default()
    }

    /// Whether the listing shows `entry`, as it stands on `today`.
    pub fn shows(&self, entry: &Entry, today: Date) -> bool {
        let status = entry.status_on(today);
        let status_shown = match (self.status, self.all) {
            (Some(wanted), _) => status == wanted,
            (None, true) => true,
            (None, false) => status == Status::Active,
        };
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        status_shown
            && self
                .exchange
                .is_none_or(|exchange| exchange == entry.exchange)
            && self
                .used_by
                .as_deref()
                .is_none_or(|bot| entry.used_by.iter().any(|b| same(b, bot)))
            && self.permission.as_deref().is_none_or(|wanted| {
                entry.permissions.iter().any(|p| same(p, wanted))
                    || entry
                        .permission_summary()
                        .split('+')
                        .any(|p| same(p, wanted))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &str, exchange: Exchange, permissions: &[&str], used_by: &[&str]) -> Entry {
        let mut e = crate::credential::entry::sample(label, exchange, "k", "s");
        e.permissions = permissions.iter().map(|p| p.to_string()).collect();
        e.used_by = used_by.iter().map(|b| b.to_string()).collect();
        e
    }

    #[test]
    fn each_filter_narrows_and_history_is_hidden_unless_asked() {
        let today = Date::today();
        let mut rotated = entry("old", Exchange::Kraken, &["query-funds"], &["gridbot"]);
        rotated.status = Status::Rotated;
        let entries = [
            entry("grid", Exchange::Kraken, &["modify-trades"], &["GridBot"]),
            entry("payout", Exchange::Kraken, &["withdraw-funds"], &[]),
            entry("binance", Exchange::Binance, &["spot"], &["gridbot"]),
            rotated,
        ];
        let shown = |filter: ListFilter| -> Vec<&str> {
            let shown = entries.iter().filter(|e| filter.shows(e, today));
            shown.map(|e| e.label.as_str()).collect()
        };
        assert_eq!(shown(ListFilter::default()), ["grid", "payout", "binance"]);
        let all = ListFilter {
            all: true,
            ..Default::default()
        };
        assert_eq!(shown(all), ["grid", "payout", "binance", "old"]);
        let rotated = ListFilter {
            status: Some(Status::Rotated),
            ..Default::default()
        };
        assert_eq!(shown(rotated), ["old"]);
        let kraken = ListFilter {
            exchange: Some(Exchange::Kraken),
            ..Default::default()
        };
        assert_eq!(shown(kraken), ["grid", "payout"]);
        let bot = ListFilter {
            used_by: Some("gridbot".into()),
            ..Default::default()
        };
        assert_eq!(shown(bot), ["grid", "binance"]);
        let withdraw = ListFilter {
            permission: Some("withdraw".into()),
            ..Default::default()
        };
        assert_eq!(shown(withdraw), ["payout"]);
        let named = ListFilter {
            permission: Some("Modify-Trades".into()),
            ..Default::default()
        };
        assert_eq!(shown(named), ["grid"]);
    }
}

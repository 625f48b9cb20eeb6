use super::*;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// An entry of `exchange` created on 2026-11-01 with `permissions` and, when `ip`, an IP.
fn entry(exchange: Exchange, permissions: &[&str], ip: bool) -> Entry {
    let mut e = crate::credential::entry::sample("bot", exchange, "k", "s");
    e.permissions = permissions.iter().map(|p| p.to_string()).collect();
    e.ip_allowlist = if ip {
        vec!["203.0.113.7".into()]
    } else {
        vec![]
    };
    e.created = Some(day("2026-11-01"));
    e
}

/// A case: exchange, permissions, IP bound, last use, the day expected or none, and what
/// it is counted from.
type Case = (
    Exchange,
    &'static [&'static str],
    bool,
    Option<Date>,
    Option<&'static str>,
    Basis,
);

/// Each row of the table, computed with an injected last use: (exchange, permissions,
/// IP bound, last use, the day expected or none, what it is counted from).
#[test]
fn every_rule_acts_on_the_day_its_source_says() {
    use Exchange::*;
    let used = Some(day("2026-11-20"));
    let cases: &[Case] = &[
        (
            Okx,
            &["trade"],
            false,
            used,
            Some("2026-12-04"),
            Basis::LastUse,
        ),
        (
            Okx,
            &["withdraw"],
            false,
            None,
            Some("2026-11-15"),
            Basis::Created,
        ),
        (Okx, &["read"], false, used, None, Basis::LastUse),
        (Okx, &["trade"], true, used, None, Basis::LastUse),
        (
            Kucoin,
            &["spot"],
            false,
            used,
            Some("2026-12-20"),
            Basis::LastUse,
        ),
        (Kucoin, &["general"], false, used, None, Basis::LastUse),
        (Kucoin, &["withdraw"], false, used, None, Basis::LastUse),
        // Binance counts from when trading was granted, whatever the use.
        (
            Binance,
            &["spot-trading"],
            false,
            used,
            Some("2026-12-01"),
            Basis::Created,
        ),
        (Binance, &["spot-trading"], true, used, None, Basis::Created),
        (
            Kraken,
            &["query-funds"],
            true,
            used,
            Some("2027-01-19"),
            Basis::LastUse,
        ),
        (Kraken, &[], false, None, Some("2026-12-31"), Basis::Created),
        (Bybit, &["trade"], false, used, None, Basis::Created),
    ];
    for (exchange, permissions, ip, last_use, expected, basis) in cases {
        let e = entry(*exchange, permissions, *ip);
        let predicted = predict(&e, *last_use);
        let case = format!("{exchange} {permissions:?} ip={ip}");
        assert_eq!(
            predicted.as_ref().map(|p| p.on),
            expected.map(day),
            "{case}"
        );
        if let Some(p) = predicted {
            assert_eq!(p.basis, *basis, "{case}");
            assert_eq!(p.basis_date.days_until(p.on), p.rule.days, "{case}");
        }
    }
}

#[test]
fn a_key_with_no_recorded_permissions_is_warned_of_and_says_so() {
    let e = entry(Exchange::Okx, &[], false);
    let p = predict(&e, None).unwrap();
    assert!(p.permissions_unknown);
    assert_eq!(p.on, day("2026-11-15"));
    let known = predict(&entry(Exchange::Okx, &["trade"], false), None).unwrap();
    assert!(!known.permissions_unknown);
}

#[test]
fn a_use_recorded_before_the_key_was_made_counts_from_its_creation() {
    // A run record of an older key under the same entry id cannot extend a new key's life.
    let e = entry(Exchange::Okx, &["trade"], false);
    let p = predict(&e, Some(day("2026-10-01"))).unwrap();
    assert_eq!((p.basis, p.on), (Basis::Created, day("2026-11-15")));
}

#[test]
fn without_a_creation_date_the_count_starts_when_the_key_was_added() {
    let mut e = entry(Exchange::Kucoin, &["spot"], false);
    e.created = None;
    let p = predict(&e, None).unwrap();
    assert_eq!(p.basis, Basis::Added);
    assert_eq!(p.basis_date, e.added_at.date());
}

#[test]
fn every_row_cites_a_source_and_the_day_it_was_read() {
    for rule in RULES {
        assert!(rule.source.contains("https://"), "{rule:?}");
        assert!(rule.read_on.parse::<Date>().is_ok(), "{rule:?}");
        assert!(!rule.quote.is_empty() && rule.days > 0, "{rule:?}");
    }
}

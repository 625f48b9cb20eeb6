//! The rules one request passes (docs/SIGNING.md sections 3 and 4), in the order
//! [`Policy::check`](super::Policy) applies them.

use super::super::protocol::{Failure, Rule, SignRequest};
use super::{EntryPolicy, allow, deny, params};
use crate::credential::exchange::Exchange;
use crate::sign::quoted_path;
use crate::untrusted::quoted;

/// How far a Binance `timestamp` may be from keycellar's clock, in milliseconds. Binance's own
/// `recvWindow` allows at most 60 s; a signature for a time further out would only be good
/// for stockpiling.
pub const BINANCE_TIMESTAMP_WINDOW_MS: u64 = 60_000;

/// A request with what the rules need to know of it.
pub(super) struct Checked<'a> {
    pub label: &'a str,
    pub exchange: Exchange,
    pub request: &'a SignRequest,
    /// Every (name, value) it carries (`params::fields_of`).
    pub named: &'a [(String, String)],
}

/// Fund-moving endpoints, and (Binance) their parameters on any path.
pub(super) fn check_withdraw(checked: &Checked) -> Result<(), Failure> {
    let exchange = checked.exchange;
    let path = &checked.request.path;
    if let Some(pattern) = deny::fund_moving(exchange)
        .iter()
        .find(|p| deny::matches(p, path))
    {
        return Err(Failure::refused(
            Rule::Withdraw,
            format!(
                "{} moves funds ({pattern} on {exchange}); this run does not allow it for {}",
                quoted_path(path),
                quoted(checked.label)
            ),
        ));
    }
    let params = deny::fund_moving_params(exchange);
    match checked
        .named
        .iter()
        .find(|(name, _)| params.contains(&name.as_str()))
    {
        Some((name, _)) => Err(Failure::refused(
            Rule::Withdraw,
            format!(
                "parameter {} belongs to a fund-moving endpoint, and a {exchange} signature is \
                 good on any path; this run does not allow it for {}",
                quoted(name),
                quoted(checked.label)
            ),
        )),
        None => Ok(()),
    }
}

/// Coinbase: JWTs for the hosts the deny list is written for, only.
pub(super) fn check_host(checked: &Checked) -> Result<(), Failure> {
    let hosts = super::super::coinbase::HOSTS;
    match &checked.request.host {
        Some(host) if checked.exchange == Exchange::Coinbase && !hosts.contains(&host.as_str()) => {
            Err(Failure::refused(
                Rule::Endpoint,
                format!(
                    "host {} is not one keycellar signs Coinbase JWTs for ({})",
                    quoted(host),
                    hosts.join(", ")
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The policy's `endpoints`; without them, a policy limiting pairs or volumes allows the
/// trading and read-only endpoints only (any other endpoint that trades would trade
/// unchecked: a conversion, a spread order, a WebSocket token).
pub(super) fn check_endpoint(limits: &EntryPolicy, checked: &Checked) -> Result<(), Failure> {
    let path = &checked.request.path;
    let allowed = match &limits.endpoints {
        Some(listed) => listed.iter().any(|p| deny::matches(p, path)),
        None if limits.limits_orders() => allow::trading(checked.exchange)
            .iter()
            .any(|p| deny::matches(p, path)),
        None => true,
    };
    if !allowed {
        let label = quoted(checked.label);
        let message = if limits.endpoints.is_some() {
            format!(
                "{} is not among the endpoints the policy allows {label}",
                quoted_path(path)
            )
        } else {
            format!(
                "{} is not a trading or read-only endpoint, the only ones allowed for {label}, \
                 whose policy limits pairs or max_volume (list others in endpoints)",
                quoted_path(path)
            )
        };
        return Err(Failure::refused(Rule::Endpoint, message));
    }
    let trades = allow::unchecked_trade_params(checked.exchange);
    match checked
        .named
        .iter()
        .find(|(name, _)| trades.contains(&name.as_str()))
    {
        Some((name, _)) if limits.limits_orders() => Err(Failure::refused(
            Rule::Endpoint,
            format!(
                "parameter {} trades past the policy's pairs and max_volume, and a {} \
                 signature is good on any path",
                quoted(name),
                checked.exchange
            ),
        )),
        _ => Ok(()),
    }
}

/// Binance: parameters in the query or the body, and a timestamp near keycellar's clock.
pub(super) fn check_binance(checked: &Checked, now_ms: u64) -> Result<(), Failure> {
    let request = checked.request;
    if !request.query.is_empty() && !request.body.is_empty() {
        // Binance signs query + body with nothing between: the split is the bot's.
        return Err(Failure::bad(
            "a Binance request carries its parameters in the query or the body, not both: the \
             signature covers them joined with nothing between",
        ));
    }
    check_binance_timestamp(request, now_ms)
}

fn check_binance_timestamp(request: &SignRequest, now_ms: u64) -> Result<(), Failure> {
    let payload = super::super::binance::payload(&request.query, &request.body);
    match super::super::binance::timestamp(&payload) {
        Some(ts) if ts.abs_diff(now_ms) <= BINANCE_TIMESTAMP_WINDOW_MS => Ok(()),
        Some(ts) => Err(Failure::refused(
            Rule::Timestamp,
            format!(
                "timestamp {ts} is {} ms from keycellar's clock; at most {BINANCE_TIMESTAMP_WINDOW_MS} is signed",
                ts.abs_diff(now_ms)
            ),
        )),
        None => Err(Failure::refused(
            Rule::Timestamp,
            "a Binance request must carry a numeric timestamp parameter",
        )),
    }
}

/// The pair and volume limits, for requests that name a pair or a volume and for order
/// requests (which must name both when the policy limits them).
pub(super) fn check_order(limits: &EntryPolicy, checked: &Checked) -> Result<(), Failure> {
    if !limits.limits_orders() {
        return Ok(());
    }
    let named = checked.named;
    let fields = params::fields(checked.exchange);
    let places_order = places_order(checked.exchange, &fields, checked.request, named);
    if let Some(allowed) = &limits.pairs {
        let pairs = values_of(named, fields.pair);
        if places_order && pairs.is_empty() {
            return Err(Failure::refused(Rule::Pair, "the order names no pair"));
        }
        if let Some(other) = pairs.iter().find(|p| !allowed.contains(p)) {
            return Err(Failure::refused(
                Rule::Pair,
                format!(
                    "pair {} is not among the pairs the policy allows",
                    quoted(other)
                ),
            ));
        }
    }
    if let Some(max) = &limits.max_volume {
        check_volume(max, checked, &fields, places_order)?;
    }
    Ok(())
}

/// An order's volumes against `max_volume`: every base volume it names is a plain decimal
/// within the maximum, and nothing sizes it in the quote asset instead.
fn check_volume(
    max: &str,
    checked: &Checked,
    fields: &params::Fields,
    places_order: bool,
) -> Result<(), Failure> {
    let named = checked.named;
    let limit = params::decimal(max).unwrap_or(0);
    let in_quote = |(name, value): &&(String, String)| {
        fields.unbounded_volume.contains(&name.as_str())
            || params::sizes_in_quote(checked.exchange, name, value)
    };
    if let Some((name, value)) = named.iter().find(in_quote) {
        return Err(Failure::refused(
            Rule::Volume,
            format!(
                "{}={} sizes the order in the quote asset, which max_volume cannot bound",
                quoted(name),
                quoted(value)
            ),
        ));
    }
    let volumes = values_of(named, fields.volume);
    if places_order && volumes.is_empty() {
        return Err(Failure::refused(
            Rule::Volume,
            "the order carries no base volume keycellar can check against max_volume",
        ));
    }
    for volume in &volumes {
        match params::decimal(volume) {
            Some(v) if v <= limit => {}
            Some(_) => {
                return Err(Failure::refused(
                    Rule::Volume,
                    format!(
                        "volume {} is over the policy's maximum of {max}",
                        quoted(volume)
                    ),
                ));
            }
            None => {
                return Err(Failure::refused(
                    Rule::Volume,
                    format!("volume {} is not a plain decimal", quoted(volume)),
                ));
            }
        }
    }
    Ok(())
}

/// The values of the fields named `names`, in the order the request gives them.
fn values_of(named: &[(String, String)], names: &[&str]) -> Vec<String> {
    named
        .iter()
        .filter(|(name, _)| names.contains(&name.as_str()))
        .map(|(_, value)| value.clone())
        .collect()
}

/// Whether a request places an order, and so must name a pair and a volume when the policy
/// limits them.
fn places_order(
    exchange: Exchange,
    fields: &params::Fields,
    request: &SignRequest,
    named: &[(String, String)],
) -> bool {
    if matches!(exchange, Exchange::Binance | Exchange::BinanceUs) {
        // A Binance signature is good on any path and method: whatever sizes an order is an
        // order, wherever it is sent.
        return named.iter().any(|(name, _)| {
            let name = name.as_str();
            fields.volume.contains(&name) || fields.unbounded_volume.contains(&name)
        });
    }
    !matches!(request.method.as_str(), "GET" | "DELETE")
        && fields
            .order_paths
            .iter()
            .any(|p| deny::matches(p, &request.path))
}

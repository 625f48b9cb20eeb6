//! What each entry may sign (docs/SIGNING.md sections 3 and 4): the policy file, and the
//! check every request passes before anything is signed. Submodules: `deny` (the default
//! deny lists of fund-moving endpoints, and path patterns) and `params` (the pairs and
//! volumes a request names, and exact decimals).

mod deny;
mod params;

use super::keys::SigningKey;
use super::protocol::{Failure, Rule, SignRequest};
use crate::credential::exchange::Exchange;
use crate::error::{Error, Result};
use crate::untrusted::quoted;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// How far a Binance `timestamp` may be from keycellar's clock, in milliseconds. Binance's own
/// `recvWindow` allows at most 60 s; a signature for a time further out would only be good
/// for stockpiling.
pub const BINANCE_TIMESTAMP_WINDOW_MS: u64 = 60_000;

/// The largest policy file read.
const MAX_POLICY_BYTES: u64 = 1 << 20;

/// The policy of a run: per label, what its entry may sign.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    entries: BTreeMap<String, EntryPolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    keycellar_sign_policy: u32,
    #[serde(default)]
    entries: BTreeMap<String, EntryPolicy>,
}

/// One entry's limits, as the policy file gives them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryPolicy {
    #[serde(default)]
    allow_withdraw: bool,
    #[serde(default)]
    endpoints: Option<Vec<String>>,
    #[serde(default)]
    pairs: Option<Vec<String>>,
    #[serde(default)]
    max_volume: Option<String>,
}

impl Policy {
    /// The default: every entry may sign anything but the fund-moving endpoints.
    pub fn default_deny() -> Policy {
        Policy::default()
    }

    /// Reads a policy file (docs/SIGNING.md section 3).
    pub fn load(path: &Path) -> Result<Policy> {
        use std::io::Read;
        let cannot = |e| Error::io(format!("cannot read the policy {}", path.display()), e);
        let mut text = String::new();
        std::fs::File::open(path)
            .map_err(cannot)?
            .take(MAX_POLICY_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(cannot)?;
        if text.len() as u64 > MAX_POLICY_BYTES {
            return Err(Error::InputTooLarge {
                what: "signing policy",
                source_name: path.display().to_string(),
                limit: MAX_POLICY_BYTES,
            });
        }
        Policy::from_json(&text, path)
    }

    /// Parses the text of a policy file read from `path`.
    pub fn from_json(text: &str, path: &Path) -> Result<Policy> {
        let file: PolicyFile =
            crate::source::parse_json(text).map_err(|problem| Error::BadJson {
                source_name: path.display().to_string(),
                problem,
            })?;
        if file.keycellar_sign_policy != 1 {
            return Err(Error::UnsupportedVersion {
                what: "the signing policy",
                path: path.to_path_buf(),
                found: file.keycellar_sign_policy,
                supported: 1,
            });
        }
        for (label, entry) in &file.entries {
            if let Some(max) = &entry.max_volume
                && params::decimal(max).is_none()
            {
                return Err(Error::Invalid {
                    label: label.clone(),
                    problems: vec![format!(
                        "max_volume {} in the signing policy is not a decimal like \"0.5\"",
                        quoted(max)
                    )],
                });
            }
        }
        Ok(Policy {
            entries: file.entries,
        })
    }

    /// Refuses to start a service for keys this policy cannot hold: a Binance key whose
    /// recorded permissions include withdrawals or transfers, unless withdrawals are allowed
    /// for it (its signatures are good on any path, so the deny list cannot stop one).
    pub(super) fn check_keys(&self, keys: &[SigningKey]) -> Result<()> {
        for key in keys {
            let limits = self.entries.get(key.label()).cloned().unwrap_or_default();
            let moves_funds = |p: &String| {
                let p = p.to_ascii_lowercase();
                p.contains("withdraw") || p.contains("transfer")
            };
            if key.exchange() == Exchange::Coinbase
                && (limits.pairs.is_some() || limits.max_volume.is_some())
            {
                return Err(Error::Invalid {
                    label: key.label().to_string(),
                    problems: vec![
                        "its signing policy sets pairs or max_volume, which keycellar cannot \
                         hold for Coinbase: a CDP JWT binds the method, host and path but not \
                         the body or query, so the bot could send another order with it; limit \
                         Coinbase entries by endpoints only"
                            .into(),
                    ],
                });
            }
            if matches!(key.exchange(), Exchange::Binance | Exchange::BinanceUs)
                && !limits.allow_withdraw
                && let Some(permission) = key.permissions().iter().find(|p| moves_funds(p))
            {
                return Err(Error::Invalid {
                    label: key.label().to_string(),
                    problems: vec![format!(
                        "its recorded permissions include {}, and a Binance signature is good \
                         on any endpoint, so keycellar signs for it only when withdrawals are \
                         allowed; disable withdrawals and transfers for the key at Binance",
                        quoted(permission)
                    )],
                });
            }
        }
        Ok(())
    }

    /// Lets `label` sign fund-moving requests (`exec --allow-withdraw`).
    pub fn allow_withdraw(&mut self, label: &str) {
        self.entries
            .entry(label.to_string())
            .or_default()
            .allow_withdraw = true;
    }

    /// Refuses `request` for `key` when a rule forbids it; `now_ms` is keycellar's clock.
    pub(super) fn check(
        &self,
        key: &SigningKey,
        request: &SignRequest,
        now_ms: u64,
    ) -> Result<(), Failure> {
        let limits = self.entries.get(key.label()).cloned().unwrap_or_default();
        let exchange = key.exchange();
        let named = params::fields_of(&request.query, &request.body).map_err(Failure::bad)?;
        if !limits.allow_withdraw
            && let Some(pattern) = deny::fund_moving(exchange)
                .iter()
                .find(|p| deny::matches(p, &request.path))
        {
            return Err(Failure::refused(
                Rule::Withdraw,
                format!(
                    "{} moves funds ({pattern} on {exchange}); this run does not allow it for {}",
                    quoted(&request.path),
                    quoted(key.label())
                ),
            ));
        }
        if !limits.allow_withdraw
            && let Some((name, _)) = named
                .iter()
                .find(|(name, _)| deny::fund_moving_params(exchange).contains(&name.as_str()))
        {
            return Err(Failure::refused(
                Rule::Withdraw,
                format!(
                    "parameter {} belongs to a fund-moving endpoint, and a {exchange} signature \
                     is good on any path; this run does not allow it for {}",
                    quoted(name),
                    quoted(key.label())
                ),
            ));
        }
        if exchange == Exchange::Coinbase
            && let Some(host) = &request.host
            && !super::coinbase::HOSTS.contains(&host.as_str())
        {
            return Err(Failure::refused(
                Rule::Endpoint,
                format!(
                    "host {} is not one keycellar signs Coinbase JWTs for ({})",
                    quoted(host),
                    super::coinbase::HOSTS.join(", ")
                ),
            ));
        }
        if let Some(endpoints) = &limits.endpoints
            && !endpoints.iter().any(|p| deny::matches(p, &request.path))
        {
            return Err(Failure::refused(
                Rule::Endpoint,
                format!(
                    "{} is not among the endpoints the policy allows {}",
                    quoted(&request.path),
                    quoted(key.label())
                ),
            ));
        }
        if matches!(exchange, Exchange::Binance | Exchange::BinanceUs) {
            if !request.query.is_empty() && !request.body.is_empty() {
                // Binance signs query + body with nothing between: the split is the bot's.
                return Err(Failure::bad(
                    "a Binance request carries its parameters in the query or the body, not \
                     both: the signature covers them joined with nothing between",
                ));
            }
            check_binance_timestamp(request, now_ms)?;
        }
        check_order(&limits, exchange, request, &named)
    }
}

fn check_binance_timestamp(request: &SignRequest, now_ms: u64) -> Result<(), Failure> {
    let payload = super::binance::payload(&request.query, &request.body);
    match super::binance::timestamp(&payload) {
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
fn check_order(
    limits: &EntryPolicy,
    exchange: Exchange,
    request: &SignRequest,
    named: &[(String, String)],
) -> Result<(), Failure> {
    if limits.pairs.is_none() && limits.max_volume.is_none() {
        return Ok(());
    }
    let fields = params::fields(exchange);
    let places_order = places_order(exchange, &fields, request, named);
    let values = |names: &[&str]| -> Vec<String> {
        named
            .iter()
            .filter(|(name, _)| names.contains(&name.as_str()))
            .map(|(_, value)| value.clone())
            .collect()
    };
    if let Some(allowed) = &limits.pairs {
        let pairs = values(fields.pair);
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
        let limit = params::decimal(max).unwrap_or(0);
        if let Some((name, _)) = named
            .iter()
            .find(|(name, _)| fields.unbounded_volume.contains(&name.as_str()))
        {
            return Err(Failure::refused(
                Rule::Volume,
                format!(
                    "{} sizes the order in the quote asset, which max_volume cannot bound",
                    quoted(name)
                ),
            ));
        }
        let volumes = values(fields.volume);
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
    }
    Ok(())
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

//! What each entry may sign (docs/SIGNING.md sections 3 and 4): the policy file, and the
//! check every request passes before anything is signed. Submodules: `deny` (the default
//! deny lists of fund-moving endpoints and parameters, and path patterns), `allow` (the
//! endpoints a policy limiting pairs or volumes implies), `params` (the pairs and volumes a
//! request names, and exact decimals) and `rules` (the checks, one function per rule).

mod allow;
mod deny;
mod params;
mod rules;

pub(super) use params::form_names;

use super::keys::SigningKey;
use super::protocol::{Failure, SignRequest};
use crate::credential::exchange::Exchange;
use crate::error::{EntryError, EntryProblem, InputError, VaultError};
use crate::error::{Error, Result};
use crate::untrusted::quoted;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use rules::BINANCE_TIMESTAMP_WINDOW_MS;

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
pub(super) struct EntryPolicy {
    #[serde(default)]
    pub(super) allow_withdraw: bool,
    #[serde(default)]
    pub(super) endpoints: Option<Vec<String>>,
    #[serde(default)]
    pub(super) pairs: Option<Vec<String>>,
    #[serde(default)]
    pub(super) max_volume: Option<String>,
}

impl EntryPolicy {
    /// Whether the entry's orders are limited (by pairs or a volume).
    fn limits_orders(&self) -> bool {
        self.pairs.is_some() || self.max_volume.is_some()
    }
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
            return Err(Error::Input(InputError::InputTooLarge {
                what: "signing policy",
                source_name: path.display().to_string(),
                limit: MAX_POLICY_BYTES,
            }));
        }
        Policy::from_json(&text, path)
    }

    /// Parses the text of a policy file read from `path`.
    pub fn from_json(text: &str, path: &Path) -> Result<Policy> {
        let file: PolicyFile = crate::source::parse_json(text).map_err(|problem| {
            Error::Input(InputError::BadJson {
                source_name: path.display().to_string(),
                problem,
            })
        })?;
        if file.keycellar_sign_policy != 1 {
            return Err(Error::Vault(VaultError::UnsupportedVersion {
                what: "the signing policy",
                path: path.to_path_buf(),
                found: file.keycellar_sign_policy,
                supported: 1,
            }));
        }
        for (label, entry) in &file.entries {
            if let Some(max) = &entry.max_volume
                && params::decimal(max).is_none()
            {
                return Err(Error::Entry(EntryError::Invalid {
                    label: label.clone(),
                    problems: vec![EntryProblem::SigningPolicy {
                        why: format!(
                            "max_volume {} in the signing policy is not a decimal like \"0.5\"",
                            quoted(max)
                        ),
                    }],
                }));
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
                return Err(Error::Entry(EntryError::Invalid {
                    label: key.label().to_string(),
                    problems: vec![EntryProblem::SigningPolicy {
                        why: "its signing policy sets pairs or max_volume, which keycellar \
                              cannot hold for Coinbase: a CDP JWT binds the method, host and \
                              path but not the body or query, so the bot could send another \
                              order with it; limit Coinbase entries by endpoints only"
                            .into(),
                    }],
                }));
            }
            if matches!(key.exchange(), Exchange::Binance | Exchange::BinanceUs)
                && !limits.allow_withdraw
                && let Some(permission) = key.permissions().iter().find(|p| moves_funds(p))
            {
                return Err(Error::Entry(EntryError::Invalid {
                    label: key.label().to_string(),
                    problems: vec![EntryProblem::SigningPolicy {
                        why: format!(
                            "its recorded permissions include {}, and a Binance signature is \
                             good on any endpoint, so keycellar signs for it only when \
                             withdrawals are allowed; disable withdrawals and transfers for \
                             the key at Binance",
                            quoted(permission)
                        ),
                    }],
                }));
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
        let named = params::fields_of(&request.query, &request.body).map_err(Failure::bad)?;
        let request = rules::Checked {
            label: key.label(),
            exchange: key.exchange(),
            request,
            named: &named,
        };
        if !limits.allow_withdraw {
            rules::check_withdraw(&request)?;
        }
        rules::check_host(&request)?;
        rules::check_endpoint(&limits, &request)?;
        if matches!(request.exchange, Exchange::Binance | Exchange::BinanceUs) {
            rules::check_binance(&request, now_ms)?;
        }
        rules::check_order(&limits, &request)
    }
}

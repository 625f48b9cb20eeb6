//! Kraken keys with authenticator 2FA want a fresh code in every private request's `otp`
//! field; without it Kraken answers `EAPI:Invalid signature` (support article
//! 360000714526). Bots' own clients (ccxt, freqtrade, ...) send a static 2FA password at
//! most, never an authenticator's code: only keycellar's signing service makes them. So a
//! key with authenticator 2FA that a bot uses (its `used_by`) whose last run was not through
//! the signing service, or that no run of keycellar's ever started, is a finding.

use super::{Findings, Rule};
use crate::credential::entry::Entry;
use crate::credential::exec::profiles::Profile;
use crate::credential::otp::TwoFactor;

/// The finding for `e`, whose last run (if any) handed it over by `last_profile`.
pub(super) fn authenticator_not_sent(found: &mut Findings, e: &Entry, last_profile: Option<&str>) {
    if e.two_factor() != Some(TwoFactor::Authenticator) || e.used_by().is_empty() {
        return;
    }
    let sign = Profile::Sign.name();
    let last_run = match last_profile {
        Some(profile) if profile == sign => return,
        Some(profile) => format!("its last run handed the key over by the {profile} profile"),
        None => "keycellar has not run a bot with it".into(),
    };
    let bots: Vec<String> = e
        .used_by()
        .iter()
        .map(|b| crate::untrusted::quoted(b))
        .collect();
    found.add(
        Rule::AuthenticatorNotSent,
        Some(e.label()),
        format!(
            "the key needs an authenticator code in every request, which only keycellar's \
             signing service (the {sign} profile of exec) sends; it is used by {} and {last_run}: \
             Kraken answers such requests with EAPI:Invalid signature (support article \
             360000714526)",
            bots.join(", ")
        ),
    );
}

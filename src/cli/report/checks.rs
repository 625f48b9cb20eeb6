//! What the checks of an entry found, as the command line adds to it: the warnings with
//! the flag that answers the few a flag answers, and the hint for the problems that refuse
//! an entry. Every variant is listed, so a new one does not compile without a decision.

use super::super::ui;
use keycellar::credential::validate::{EntryWarning, Warning};
use keycellar::error::EntryProblem;

/// Shows each warning of the checks.
pub fn warn_all(warnings: &[Warning]) {
    warnings.iter().for_each(|w| ui::warn(&text(w)));
}

/// Shows each warning of the checks after the label of its entry.
pub fn warn_entries(warnings: &[EntryWarning]) {
    for w in warnings {
        ui::warn(&format!("{}: {}", w.label, text(&w.warning)));
    }
}

fn text(warning: &Warning) -> String {
    match flag(warning) {
        Some(flag) => format!("{warning} ({flag})"),
        None => warning.to_string(),
    }
}

/// The flag that gives what the warning says is missing.
fn flag(warning: &Warning) -> Option<&'static str> {
    match warning {
        Warning::KucoinNoVersion => Some("--key-version"),
        Warning::KrakenKeyShape { .. }
        | Warning::KrakenFuturesSecretLength { .. }
        | Warning::UnknownKrakenPermissions { .. }
        | Warning::UnusualShape { .. }
        | Warning::CoinbaseKeyName
        | Warning::CoinbasePrivateKey
        | Warning::OkxKeyNotUuid
        | Warning::KucoinSecretNotUuid
        | Warning::KucoinOldVersion { .. }
        | Warning::BybitNoAllowList
        | Warning::BitstampCharacters
        | Warning::GeminiKeyPrefix
        | Warning::ShortSecret
        | Warning::SameKeyAs { .. } => None,
    }
}

/// The next step for the problems of an entry that a flag answers.
pub(super) fn problem_hint(problem: &EntryProblem) -> Option<&'static str> {
    match problem {
        EntryProblem::ApiPassphraseMissing { .. } => Some(
            "Give the key's API passphrase with --api-passphrase-file (`api_passphrase` in a \
             JSON document), fix anything else listed above, and run the command again; \
             nothing was saved.",
        ),
        EntryProblem::ExpiryPast { .. } => Some(
            "Give the key's real expiry with --expires (`expires` in a JSON document), or \
             leave it out, and run the command again; nothing was saved.",
        ),
        EntryProblem::LabelLength { .. }
        | EntryProblem::LabelInvisible { .. }
        | EntryProblem::IdNotUuid
        | EntryProblem::LinkNotUuid { .. }
        | EntryProblem::LinkToItself { .. }
        | EntryProblem::EmptyKey
        | EntryProblem::KeyInvisible
        | EntryProblem::EmptySecret
        | EntryProblem::SecretInvisible
        | EntryProblem::NotAnAddress { .. }
        | EntryProblem::SeedForAnotherExchange { .. }
        | EntryProblem::PasswordAndAuthenticator
        | EntryProblem::SeedUnreadable { .. }
        | EntryProblem::KrakenSecretLength { .. }
        | EntryProblem::KrakenSecretNotBase64 { .. }
        | EntryProblem::BinancePemNotPkcs8
        | EntryProblem::CoinbaseExchangeSecretNotBase64 { .. }
        | EntryProblem::KucoinVersionNotNumber
        | EntryProblem::KeyShape { .. }
        | EntryProblem::KeyLooksLikeSecret
        | EntryProblem::CreatedInFuture { .. }
        | EntryProblem::CannotSign { .. }
        | EntryProblem::SigningPolicy { .. } => None,
    }
}

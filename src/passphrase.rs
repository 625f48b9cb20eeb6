//! How strong a newly chosen passphrase is, by the zxcvbn estimate.

use crate::secret::Secret;

/// Describes how a new passphrase is weak, or `None` when it scores 3 or 4 of 4 (more than
/// 10^8 guesses; Argon2id makes each guess cost about a second). The description never
/// contains the passphrase.
pub fn weakness(passphrase: &Secret) -> Option<String> {
    let estimate = zxcvbn::zxcvbn(passphrase.expose(), &["keycellar", "kraken", "vault"]);
    let score = estimate.score() as u8;
    if score >= 3 {
        return None;
    }
    let mut text = format!(
        "the new passphrase is weak (strength {score} of 4: about 10^{:.0} guesses)",
        estimate.guesses_log10()
    );
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            text.push_str(&format!("; {warning}"));
        }
        if let Some(suggestion) = feedback.suggestions().first() {
            text.push_str(&format!("; {suggestion}"));
        }
    }
    Some(text)
}

//! New passphrases: what guessing one costs an attacker (zxcvbn's guess count priced by the
//! measured GPU model in [`cost`]), the floor below which one is refused, and generated
//! ones ([`generate`]). A [`NewPassphrase`] is the only thing a vault or a backup takes
//! as its new passphrase, and they check it against the floor for the KDF they use, so
//! every front end keeps the floor whether or not it showed the cost first.

pub mod cost;
pub mod generate;

use crate::error::{Error, InputError, Result};
use crate::secret::Secret;
use cost::{GuessCost, Kdf};

/// Words zxcvbn treats as guessable in a keycellar passphrase.
const OBVIOUS_WORDS: [&str; 4] = ["keycellar", "kraken", "vault", "passphrase"];

/// What a new passphrase will protect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Vault,
    Export,
    Sheet,
    Shares,
}

impl Purpose {
    /// "vault passphrase", as messages name it.
    pub fn what(self) -> &'static str {
        match self {
            Purpose::Vault => "vault passphrase",
            Purpose::Export => "backup passphrase",
            Purpose::Sheet => "paper sheet passphrase",
            Purpose::Shares => "share passphrase",
        }
    }
}

/// What a new passphrase is worth against one attacker with GPUs.
#[derive(Clone, Debug)]
pub struct Estimate {
    pub cost: GuessCost,
    pub kdf: Kdf,
    /// zxcvbn's warning or suggestion, when it has one (never the passphrase).
    pub advice: Option<String>,
}

impl Estimate {
    /// True when guessing it costs less than the floor ([`cost::FLOOR_DOLLARS`]).
    pub fn below_floor(&self) -> bool {
        self.cost.below_floor()
    }
}

/// A new passphrase for `purpose`, with the guesses an attacker needs to find it, and
/// whether the person accepted it below the floor (`--allow-weak-passphrase`).
pub struct NewPassphrase {
    secret: Secret,
    purpose: Purpose,
    guesses: f64,
    advice: Option<String>,
    weak_accepted: bool,
}

impl NewPassphrase {
    /// A passphrase a person chose, priced by zxcvbn.
    pub fn typed(secret: Secret, purpose: Purpose) -> NewPassphrase {
        let estimate = zxcvbn::zxcvbn(secret.expose(), &OBVIOUS_WORDS);
        let advice = estimate.feedback().and_then(|feedback| {
            let warning = feedback.warning().map(|w| w.to_string());
            warning.or_else(|| feedback.suggestions().first().map(|s| s.to_string()))
        });
        NewPassphrase {
            guesses: 10f64.powf(estimate.guesses_log10()),
            secret,
            purpose,
            advice,
            weak_accepted: false,
        }
    }

    /// A generated passphrase, priced by its randomness.
    pub fn generated(generated: generate::Generated, purpose: Purpose) -> NewPassphrase {
        NewPassphrase {
            guesses: generated.guesses(),
            secret: generated.passphrase,
            purpose,
            advice: None,
            weak_accepted: false,
        }
    }

    /// The same passphrase, taken below the floor when `accepted` (the person said so).
    pub fn accepting_weak(self, accepted: bool) -> NewPassphrase {
        NewPassphrase {
            weak_accepted: accepted,
            ..self
        }
    }

    /// What guessing it costs when it is stretched by `kdf`.
    pub fn estimate(&self, kdf: Kdf) -> Estimate {
        Estimate {
            cost: GuessCost::of(self.guesses, kdf),
            kdf,
            advice: self.advice.clone(),
        }
    }

    /// The estimate at `kdf`; an error when it is below the floor and was not accepted so.
    pub fn check(&self, kdf: Kdf) -> Result<Estimate> {
        let estimate = self.estimate(kdf);
        if !estimate.below_floor() || self.weak_accepted {
            return Ok(estimate);
        }
        Err(Error::Input(self.weakness(&estimate)))
    }

    /// What is said of it when `estimate` is below the floor.
    pub fn weakness(&self, estimate: &Estimate) -> InputError {
        InputError::WeakPassphrase {
            what: self.purpose.what(),
            cost: estimate.cost.to_string(),
            kdf: estimate.kdf.to_string(),
            floor: cost::FLOOR_TEXT.into(),
            advice: estimate.advice.clone(),
        }
    }

    /// What it will protect.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The passphrase, for the key derivation that uses it once checked (and for a front end
    /// that shows a generated one).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: Kdf = Kdf::Argon2id {
        memory_kib: 256 * 1024,
        time: 3,
    };

    #[test]
    fn short_and_common_passphrases_fall_below_the_floor() {
        for weak in ["a", "abc", "password1", "kraken2024", "correct horse"] {
            let new = NewPassphrase::typed(Secret::new(weak.into()), Purpose::Vault);
            assert!(new.estimate(DEFAULT).below_floor(), "{weak}");
            let refused = new.check(DEFAULT).unwrap_err();
            assert!(
                refused.to_string().contains("vault passphrase"),
                "{refused}"
            );
            assert!(new.accepting_weak(true).check(DEFAULT).is_ok());
        }
        let strong = NewPassphrase::typed(
            Secret::new("gravel orbit tundra pixel".into()),
            Purpose::Export,
        );
        assert!(strong.check(DEFAULT).is_ok());
    }

    #[test]
    fn a_generated_passphrase_is_priced_by_its_randomness() {
        let generated = generate::generate(generate::DEFAULT_WORDS).unwrap();
        let new = NewPassphrase::generated(generated, Purpose::Shares);
        let estimate = new.estimate(Kdf::Scrypt { log_n: 18 });
        let expected = 2f64.powf(6.0 * generate::bits_per_word() - 1.0) / 105.0;
        assert!((estimate.cost.gpu_seconds / expected - 1.0).abs() < 1e-9);
        assert!(!estimate.below_floor());
    }
}

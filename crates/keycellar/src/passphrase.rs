//! New passphrases: what guessing one costs an attacker (zxcvbn's guess count priced by the
//! measured GPU model in [`cost`]), the floor below which one is refused, and generated
//! ones ([`generate`]).

pub mod cost;
pub mod generate;

use crate::secret::Secret;
use cost::{GuessCost, Kdf};

/// Words zxcvbn treats as guessable in a keycellar passphrase.
const OBVIOUS_WORDS: [&str; 4] = ["keycellar", "kraken", "vault", "passphrase"];

/// What a new passphrase is worth against one attacker with GPUs.
#[derive(Clone, Debug)]
pub struct Estimate {
    pub cost: GuessCost,
    pub kdf: Kdf,
    /// zxcvbn's warning or suggestion, when it has one (never the passphrase).
    pub advice: Option<String>,
}

impl Estimate {
    /// The estimate for a passphrase a person typed.
    pub fn typed(passphrase: &Secret, kdf: Kdf) -> Estimate {
        let estimate = zxcvbn::zxcvbn(passphrase.expose(), &OBVIOUS_WORDS);
        let advice = estimate.feedback().and_then(|feedback| {
            let warning = feedback.warning().map(|w| w.to_string());
            warning.or_else(|| feedback.suggestions().first().map(|s| s.to_string()))
        });
        Estimate {
            cost: GuessCost::of(10f64.powf(estimate.guesses_log10()), kdf),
            kdf,
            advice,
        }
    }

    /// The estimate for a generated passphrase, from its randomness.
    pub fn generated(generated: &generate::Generated, kdf: Kdf) -> Estimate {
        Estimate {
            cost: GuessCost::of(generated.guesses(), kdf),
            kdf,
            advice: None,
        }
    }

    /// True when guessing it costs less than the floor ([`cost::FLOOR_DOLLARS`]).
    pub fn below_floor(&self) -> bool {
        self.cost.below_floor()
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
            let estimate = Estimate::typed(&Secret::new(weak.into()), DEFAULT);
            assert!(estimate.below_floor(), "{weak}: {}", estimate.cost);
        }
        let strong = Estimate::typed(&Secret::new("gravel orbit tundra pixel".into()), DEFAULT);
        assert!(!strong.below_floor(), "{}", strong.cost);
    }

    #[test]
    fn a_generated_passphrase_is_priced_by_its_randomness() {
        let generated = generate::generate(generate::DEFAULT_WORDS).unwrap();
        let estimate = Estimate::generated(&generated, Kdf::Scrypt { log_n: 18 });
        let expected = 2f64.powf(6.0 * generate::bits_per_word() - 1.0) / 105.0;
        assert!((estimate.cost.gpu_seconds / expected - 1.0).abs() < 1e-9);
        assert!(!estimate.below_floor());
    }
}

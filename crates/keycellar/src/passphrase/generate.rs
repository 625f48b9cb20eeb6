//! Generated passphrases: words drawn with the operating system's random generator from
//! the EFF large wordlist (7,776 words, 12.9 bits each; shipped by the `eff-wordlist`
//! crate), separated by spaces.

use crate::error::InputError;
use crate::error::{Error, Result};
use crate::secret::Secret;
use rand::rngs::SysRng;
use rand::seq::IndexedRandom;

/// Words in a generated passphrase unless asked otherwise: 6 words, 77.5 bits.
pub const DEFAULT_WORDS: usize = 6;
/// Fewest words `--words` accepts (51.7 bits).
pub const MIN_WORDS: usize = 4;
/// Most words `--words` accepts.
pub const MAX_WORDS: usize = 16;

/// A generated passphrase and how many bits of randomness it holds.
pub struct Generated {
    pub passphrase: Secret,
    pub words: usize,
    pub bits: f64,
}

impl Generated {
    /// The guesses an attacker needs on average: half of all the passphrases it could be.
    pub fn guesses(&self) -> f64 {
        2f64.powf(self.bits - 1.0)
    }
}

/// Bits of randomness per word.
pub fn bits_per_word() -> f64 {
    (eff_wordlist::large::LIST.len() as f64).log2()
}

/// A passphrase of `words` words (between [`MIN_WORDS`] and [`MAX_WORDS`]).
pub fn generate(words: usize) -> Result<Generated> {
    if !(MIN_WORDS..=MAX_WORDS).contains(&words) {
        return Err(Error::Input(InputError::WordCount {
            words,
            min: MIN_WORDS,
            max: MAX_WORDS,
        }));
    }
    // The fallible first draw says whether the system's generator works; after it, the
    // infallible adapter cannot fail in practice (a failure there would end the process).
    getrandom::fill(&mut [0u8; 8]).map_err(|e| Error::NoRandomness(e.to_string()))?;
    let mut rng = rand::rand_core::UnwrapErr(SysRng);
    let list = eff_wordlist::large::LIST;
    let mut text = String::with_capacity(words * 10);
    for i in 0..words {
        if i > 0 {
            text.push(' ');
        }
        let (_, word) = list
            .choose(&mut rng)
            .ok_or_else(|| Error::Internal("the wordlist is empty".into()))?;
        text.push_str(word);
    }
    Ok(Generated {
        passphrase: Secret::new(text),
        words,
        bits: words as f64 * bits_per_word(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passphrases_have_the_words_and_bits_asked_for() {
        let generated = generate(DEFAULT_WORDS).unwrap();
        assert!(generated.bits >= 77.0, "{}", generated.bits);
        let words: Vec<&str> = generated.passphrase.expose().split(' ').collect();
        assert_eq!(words.len(), DEFAULT_WORDS);
        for word in &words {
            assert!(
                eff_wordlist::large::LIST.iter().any(|(_, w)| w == word),
                "{word}"
            );
        }
        assert!((bits_per_word() - 12.925).abs() < 1e-3);
        assert_eq!(
            generate(8).unwrap().passphrase.expose().split(' ').count(),
            8
        );
        assert!(generate(MIN_WORDS - 1).is_err());
        assert!(generate(MAX_WORDS + 1).is_err());
    }

    #[test]
    fn two_generated_passphrases_differ() {
        let a = generate(DEFAULT_WORDS).unwrap();
        let b = generate(DEFAULT_WORDS).unwrap();
        assert_ne!(a.passphrase, b.passphrase);
    }
}

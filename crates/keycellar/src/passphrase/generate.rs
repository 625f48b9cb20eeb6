//! Generated passphrases: words drawn with the operating system's random generator from
//! the EFF large wordlist (7,776 words, 12.9 bits each), separated by spaces.
//!
//! The list is the EFF's own file (`eff_large_wordlist.txt`, from
//! https://www.eff.org/dice, licensed CC BY 3.0 US by the Electronic Frontier Foundation),
//! carried as data: the crate that used to ship it declares AGPL-3.0, which a binary
//! offered under MIT or Apache-2.0 cannot link.

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

/// The EFF large wordlist as published: one `DICE<TAB>WORD` line per word.
const EFF_LARGE_WORDLIST: &str = include_str!("eff_large_wordlist.txt");

/// The words of the list, in its order.
fn wordlist() -> Vec<&'static str> {
    EFF_LARGE_WORDLIST
        .lines()
        .filter_map(|line| line.split_once('\t').map(|(_, word)| word))
        .collect()
}

/// Bits of randomness per word.
pub fn bits_per_word() -> f64 {
    (wordlist().len() as f64).log2()
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
    let list = wordlist();
    let mut text = String::with_capacity(words * 10);
    for i in 0..words {
        if i > 0 {
            text.push(' ');
        }
        let word = list
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
    fn the_wordlist_is_the_effs_whole_list() {
        // Every roll of five dice names exactly one word, and no word twice.
        let mut rolls = Vec::new();
        for line in EFF_LARGE_WORDLIST.lines() {
            let (roll, word) = line.split_once('\t').unwrap();
            assert!(roll.len() == 5 && roll.bytes().all(|b| (b'1'..=b'6').contains(&b)));
            assert!(!word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            rolls.push(roll);
        }
        let mut sorted = rolls.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!((rolls.len(), sorted.len()), (7776, 7776));
        let mut words = wordlist();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), 7776);
    }

    #[test]
    fn generated_passphrases_have_the_words_and_bits_asked_for() {
        let generated = generate(DEFAULT_WORDS).unwrap();
        assert!(generated.bits >= 77.0, "{}", generated.bits);
        let words: Vec<&str> = generated.passphrase.expose().split(' ').collect();
        assert_eq!(words.len(), DEFAULT_WORDS);
        for word in &words {
            assert!(wordlist().contains(word), "{word}");
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

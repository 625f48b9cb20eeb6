//! age's scrypt identity, with its work done once per stanza and bounded in total.
//!
//! One restore may try a passphrase against many age files: every candidate text of a
//! typed sheet key (they share one stanza), and every share of a split printed with a share
//! passphrase. Each scrypt run costs up to seconds and a GiB, and a hostile typed file can
//! hold thousands of candidates. So the outcome for a stanza is kept and reused, and the
//! work of all runs through one [`Identities`](super::Identities) together is bounded by
//! [`MAX_SCRYPT_WORK`].

use crate::crypto;
use crate::secret::Secret;
use age::DecryptError;
use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use std::cell::RefCell;
use zeroize::Zeroizing;

/// The most scrypt work (the sum of N over the runs) one restore may do: sixteen runs at
/// keycellar's work factor 18 (a split's most shares, each with its own stanza), or one at
/// the highest factor a caller may allow (22). About 16 s on a desktop.
pub const MAX_SCRYPT_WORK: u64 = 1 << super::HIGHEST_WORK_FACTOR;

/// The runs made so far through one set of identities.
#[derive(Default)]
pub(super) struct Spent {
    tried: Vec<Tried>,
    work: u64,
    /// Set when a run was refused because the bound was reached.
    pub(super) exhausted: bool,
}

/// A stanza tried, with the passphrase it was tried with, and the file key it gave (none
/// when the passphrase did not open it).
struct Tried {
    stanza: [u8; 32],
    passphrase: Secret,
    file_key: Option<Zeroizing<[u8; 16]>>,
}

/// age's scrypt identity for `passphrase`, sharing its runs through `spent`.
pub(super) struct OncePerStanza<'a> {
    pub(super) identity: age::scrypt::Identity,
    pub(super) passphrase: &'a Secret,
    pub(super) spent: &'a RefCell<Spent>,
    pub(super) max_work_factor: u8,
}

fn digest(stanza: &Stanza) -> [u8; 32] {
    let args = stanza.args.join(" ");
    crypto::sha256(&[args.as_bytes(), b"\n", &stanza.body])
}

impl age::Identity for OncePerStanza<'_> {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, DecryptError>> {
        if stanza.tag != "scrypt" {
            return None;
        }
        let id = digest(stanza);
        let mut spent = self.spent.borrow_mut();
        let same = |t: &&Tried| t.stanza == id && t.passphrase.expose() == self.passphrase.expose();
        if let Some(tried) = spent.tried.iter().find(same) {
            return Some(match &tried.file_key {
                Some(key) => Ok(FileKey::new(Box::new(**key))),
                None => Err(DecryptError::DecryptionFailed),
            });
        }
        // A stanza asking for more than allowed is refused by age before any work.
        let work = stanza
            .args
            .get(1)
            .and_then(|log_n| log_n.parse::<u8>().ok())
            .filter(|log_n| *log_n <= self.max_work_factor)
            .map_or(0, |log_n| 1u64 << log_n);
        if spent.work + work > MAX_SCRYPT_WORK {
            spent.exhausted = true;
            return Some(Err(DecryptError::DecryptionFailed));
        }
        let outcome = self.identity.unwrap_stanza(stanza)?;
        let file_key = match &outcome {
            Ok(key) => Some(Zeroizing::new(*key.expose_secret())),
            Err(DecryptError::DecryptionFailed) => None,
            // A malformed stanza or too high a factor: refused before scrypt ran.
            Err(_) => return Some(outcome),
        };
        spent.work += work;
        spent.tried.push(Tried {
            stanza: id,
            passphrase: self.passphrase.clone(),
            file_key,
        });
        Some(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::SecretString;

    /// A scrypt stanza wrapping `[7; 16]` to `passphrase` at work factor 10 (fast).
    fn stanza(passphrase: &str) -> Stanza {
        let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase));
        recipient.set_work_factor(10);
        let file_key = FileKey::new(Box::new([7; 16]));
        let (mut stanzas, _) = age::Recipient::wrap_file_key(&recipient, &file_key).unwrap();
        stanzas.remove(0)
    }

    fn unwrap(passphrase: &str, spent: &RefCell<Spent>, stanza: &Stanza) -> Option<[u8; 16]> {
        let secret = Secret::new(passphrase.into());
        let identity = OncePerStanza {
            identity: age::scrypt::Identity::new(SecretString::from(passphrase)),
            passphrase: &secret,
            spent,
            max_work_factor: 20,
        };
        let outcome = age::Identity::unwrap_stanza(&identity, stanza).unwrap();
        outcome.ok().map(|key| *key.expose_secret())
    }

    #[test]
    fn a_stanza_costs_one_run_however_often_it_is_tried() {
        let spent = RefCell::new(Spent::default());
        let one = stanza("right");
        for _ in 0..3 {
            assert_eq!(unwrap("right", &spent, &one), Some([7; 16]));
            assert_eq!(unwrap("wrong", &spent, &one), None);
        }
        // One run each for the right and the wrong passphrase.
        assert_eq!(spent.borrow().work, 2 << 10);
        assert_eq!(spent.borrow().tried.len(), 2);
        assert!(!spent.borrow().exhausted);
    }

    #[test]
    fn runs_past_the_bound_are_refused_without_work() {
        let spent = RefCell::new(Spent {
            work: MAX_SCRYPT_WORK - 1000,
            ..Spent::default()
        });
        assert_eq!(unwrap("right", &spent, &stanza("right")), None);
        assert!(spent.borrow().exhausted);
        assert_eq!(spent.borrow().work, MAX_SCRYPT_WORK - 1000);
    }
}

//! Verifying entries: each one's fingerprint recomputed from its key and compared with the
//! one recorded, with a fingerprint written down, or with a public key the exchange shows.

use super::Vault;
use crate::credential::entry::{Entry, mask};
use crate::credential::fingerprint::{self, Fingerprint};
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// One entry's fingerprint recomputed, and what did not match.
pub struct Verification<'a> {
    pub entry: &'a Entry,
    pub recomputed: Fingerprint,
    pub mismatches: Vec<Mismatch>,
}

/// What did not match when an entry was verified. Public keys appear masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Mismatch {
    #[error("recorded fingerprint {recorded} but the stored key now gives {recomputed}")]
    Recorded {
        recorded: Fingerprint,
        recomputed: Fingerprint,
    },
    #[error("you gave fingerprint {given} but the stored key gives {recomputed}")]
    WrittenDown {
        given: Fingerprint,
        recomputed: Fingerprint,
    },
    #[error("you gave public key {given_masked} but the stored one is {stored_masked}")]
    PublicKey {
        given_masked: String,
        stored_masked: String,
    },
}

impl Vault {
    /// Recomputes the fingerprints of one entry (or all) and compares them with what was
    /// recorded, and with a fingerprint written down or a public key shown by the exchange.
    pub fn verify(
        &self,
        label: Option<&str>,
        written_down: Option<Fingerprint>,
        public_key: Option<&str>,
    ) -> Result<Vec<Verification<'_>>> {
        let entries: Vec<&Entry> = match label {
            Some(label) => vec![self.find(label)?],
            None => self.contents.entries.iter().collect(),
        };
        let recomputed_all = fingerprint::of_entries(&entries)?;
        let mut results = Vec::with_capacity(entries.len());
        for (entry, recomputed) in entries.into_iter().zip(recomputed_all) {
            let mut mismatches = Vec::new();
            if recomputed != entry.fingerprint {
                mismatches.push(Mismatch::Recorded {
                    recorded: entry.fingerprint,
                    recomputed,
                });
            }
            if let Some(given) = written_down.filter(|fp| *fp != recomputed) {
                mismatches.push(Mismatch::WrittenDown { given, recomputed });
            }
            if let Some(key) = public_key.map(str::trim).filter(|k| *k != entry.api_key) {
                mismatches.push(Mismatch::PublicKey {
                    given_masked: mask(key),
                    stored_masked: entry.masked_key(),
                });
            }
            results.push(Verification {
                entry,
                recomputed,
                mismatches,
            });
        }
        Ok(results)
    }
}

//! age's scrypt recipient and identity, with keycellar's own scrypt, its work done once
//! per stanza and bounded in total.
//!
//! The stanza is age's (C2SP age, "scrypt recipient stanza"): `-> scrypt SALT LOG_N`, the
//! salt 16 random bytes in unpadded base64, LOG_N the work factor in decimal, and as body
//! the file key sealed with ChaCha20-Poly1305 (zero nonce) under scrypt(passphrase,
//! "age-encryption.org/v1/scrypt" || salt, N = 2^LOG_N, r = 8, p = 1). It is computed by
//! [`kdf`] rather than by age, whose scrypt aborts the process when its memory cannot be
//! had; here that is [`BackupError::ScryptOutOfMemory`](crate::error::BackupError::ScryptOutOfMemory).
//!
//! One restore may try a passphrase against many age files: every candidate text of a
//! typed sheet key (they share one stanza), and every share of a split printed with a share
//! passphrase. Each scrypt run costs up to seconds and a GiB, and a hostile typed file can
//! hold thousands of candidates. So the outcome for a stanza is kept and reused, and the
//! work of all runs through one [`Identities`](super::Identities) together is bounded by
//! [`MAX_SCRYPT_WORK`].

use crate::crypto;
use crate::secret::Secret;
use age::secrecy::ExposeSecret;
use age::{DecryptError, EncryptError};
use age_core::format::{FILE_KEY_BYTES, FileKey, Stanza};
use age_core::primitives::{aead_decrypt, aead_encrypt};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use std::cell::RefCell;
use std::collections::HashSet;
use zeroize::Zeroizing;

pub(super) mod kdf;

/// The most scrypt work (the sum of N over the runs) one restore may do: sixteen runs at
/// keycellar's work factor 18 (a split's most shares, each with its own stanza), or one at
/// the highest factor a caller may allow (22). About 16 s on a desktop.
pub const MAX_SCRYPT_WORK: u64 = 1 << super::HIGHEST_WORK_FACTOR;

const TAG: &str = "scrypt";
const SALT_LABEL: &[u8] = b"age-encryption.org/v1/scrypt";
const SALT_LEN: usize = 16;

/// The runs made so far through one set of identities.
#[derive(Default)]
pub(super) struct Spent {
    tried: Vec<Tried>,
    work: u64,
    /// Set when a run was refused because the bound was reached.
    pub(super) exhausted: bool,
    /// Set when a run could not have scrypt's memory.
    pub(super) out_of_memory: Option<kdf::OutOfMemory>,
}

/// A stanza tried, with the passphrase it was tried with, and the file key it gave (none
/// when the passphrase did not open it).
struct Tried {
    stanza: [u8; 32],
    passphrase: Secret,
    file_key: Option<Zeroizing<[u8; FILE_KEY_BYTES]>>,
}

/// The scrypt key for `salt` at `log_n`: age's label goes before the salt.
fn stanza_key(
    passphrase: &Secret,
    salt: &[u8; SALT_LEN],
    log_n: u8,
) -> Result<Zeroizing<[u8; 32]>, kdf::OutOfMemory> {
    let salted = [SALT_LABEL, salt].concat();
    kdf::age_scrypt(passphrase.expose().as_bytes(), &salted, log_n)
}

/// age's scrypt recipient for `passphrase` at `work_factor`. A scrypt stanza must be the
/// only one of its file: its label is one no other recipient has, so age refuses any other
/// recipient beside it. Out of memory, it fails with an I/O error of kind `OutOfMemory`.
pub(super) struct PassphraseRecipient<'a> {
    pub(super) passphrase: &'a Secret,
    pub(super) work_factor: u8,
}

impl age::Recipient for PassphraseRecipient<'_> {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), EncryptError> {
        let random = |e: crate::error::Error| EncryptError::Io(std::io::Error::other(e));
        let salt: [u8; SALT_LEN] = crypto::random_array().map_err(random)?;
        let label: [u8; 16] = crypto::random_array().map_err(random)?;
        let key = stanza_key(self.passphrase, &salt, self.work_factor)
            .map_err(|_| EncryptError::Io(std::io::ErrorKind::OutOfMemory.into()))?;
        let stanza = Stanza {
            tag: TAG.to_string(),
            args: vec![STANDARD_NO_PAD.encode(salt), self.work_factor.to_string()],
            body: aead_encrypt(&key, file_key.expose_secret()),
        };
        let label = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &label);
        Ok((vec![stanza], HashSet::from([label])))
    }
}

/// age's scrypt identity for `passphrase`, sharing its runs through `spent`.
pub(super) struct OncePerStanza<'a> {
    pub(super) passphrase: &'a Secret,
    pub(super) spent: &'a RefCell<Spent>,
    pub(super) max_work_factor: u8,
}

fn digest(stanza: &Stanza) -> [u8; 32] {
    let args = stanza.args.join(" ");
    crypto::sha256(&[args.as_bytes(), b"\n", &stanza.body])
}

/// The salt and work factor of a scrypt stanza, when it is well formed as age requires:
/// two arguments, the salt in canonical base64, the work factor in decimal without leading
/// zeros, and a body of a sealed file key.
fn parse(stanza: &Stanza) -> Option<([u8; SALT_LEN], u8)> {
    let [salt, log_n] = &stanza.args[..] else {
        return None;
    };
    let salt = STANDARD_NO_PAD.decode(salt).ok()?.try_into().ok()?;
    let digits = !log_n.is_empty() && log_n.bytes().all(|b| b.is_ascii_digit());
    let log_n = log_n
        .parse()
        .ok()
        .filter(|_| digits && !log_n.starts_with('0'))?;
    (stanza.body.len() == FILE_KEY_BYTES + 16).then_some((salt, log_n))
}

impl age::Identity for OncePerStanza<'_> {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, DecryptError>> {
        if stanza.tag != TAG {
            return None;
        }
        let Some((salt, log_n)) = parse(stanza) else {
            return Some(Err(DecryptError::InvalidHeader));
        };
        if log_n > self.max_work_factor {
            return Some(Err(DecryptError::ExcessiveWork {
                required: log_n,
                target: super::SCRYPT_WORK_FACTOR,
            }));
        }
        let id = digest(stanza);
        let mut spent = self.spent.borrow_mut();
        let same = |t: &&Tried| t.stanza == id && t.passphrase.expose() == self.passphrase.expose();
        let file_key = match spent.tried.iter().find(same) {
            Some(tried) => tried.file_key.clone(),
            None => {
                let work = 1u64 << log_n;
                if spent.work + work > MAX_SCRYPT_WORK {
                    spent.exhausted = true;
                    return Some(Err(DecryptError::DecryptionFailed));
                }
                let key = match stanza_key(self.passphrase, &salt, log_n) {
                    Ok(key) => key,
                    Err(out_of_memory) => {
                        spent.out_of_memory = Some(out_of_memory);
                        return Some(Err(DecryptError::DecryptionFailed));
                    }
                };
                spent.work += work;
                let opened = aead_decrypt(&key, FILE_KEY_BYTES, &stanza.body).ok();
                let file_key = opened.map(|opened| {
                    let opened = Zeroizing::new(opened);
                    Zeroizing::new(opened[..].try_into().expect("a file key's length"))
                });
                spent.tried.push(Tried {
                    stanza: id,
                    passphrase: self.passphrase.clone(),
                    file_key: file_key.clone(),
                });
                file_key
            }
        };
        Some(match file_key {
            Some(key) => Ok(FileKey::new(Box::new(*key))),
            None => Err(DecryptError::DecryptionFailed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::SecretString;

    /// A scrypt stanza wrapping `[7; 16]` to `passphrase` at work factor 10 (fast), made by
    /// age's own recipient.
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

    #[test]
    fn age_opens_the_stanzas_keycellar_writes() {
        let secret = Secret::new("right".into());
        let recipient = PassphraseRecipient {
            passphrase: &secret,
            work_factor: 10,
        };
        let file_key = FileKey::new(Box::new([9; 16]));
        let (stanzas, labels) = age::Recipient::wrap_file_key(&recipient, &file_key).unwrap();
        let [stanza] = &stanzas[..] else {
            panic!("{} stanzas", stanzas.len())
        };
        assert_eq!(
            (stanza.tag.as_str(), stanza.args[1].as_str()),
            ("scrypt", "10")
        );
        assert_eq!(
            (stanza.args[0].len(), stanza.body.len(), labels.len()),
            (22, 32, 1)
        );
        let opened = |passphrase: &str| {
            let age_identity = age::scrypt::Identity::new(SecretString::from(passphrase));
            age::Identity::unwrap_stanza(&age_identity, stanza).unwrap()
        };
        assert_eq!(*opened("right").unwrap().expose_secret(), [9; 16]);
        assert!(matches!(
            opened("wrong"),
            Err(DecryptError::DecryptionFailed)
        ));
        // Two stanzas for one key differ: the salt is new each time.
        let (again, _) = age::Recipient::wrap_file_key(&recipient, &file_key).unwrap();
        assert_ne!(again[0].args[0], stanza.args[0]);
    }

    #[test]
    fn malformed_stanzas_are_refused_as_age_refuses_them() {
        let good = stanza("right");
        let spent = RefCell::new(Spent::default());
        let secret = Secret::new("right".into());
        let identity = OncePerStanza {
            passphrase: &secret,
            spent: &spent,
            max_work_factor: 20,
        };
        let salt = good.args[0].clone();
        let unpadded_23 = format!("{salt}A");
        for args in [
            vec![salt.clone()],
            vec![salt.clone(), "010".into()],
            vec![salt.clone(), "+10".into()],
            vec![salt.clone(), "".into()],
            vec![salt.clone(), "256".into()],
            vec![format!("{salt}=="), "10".into()],
            vec![unpadded_23, "10".into()],
            vec![salt.clone(), "10".into(), "x".into()],
        ] {
            let bad = Stanza {
                tag: good.tag.clone(),
                args: args.clone(),
                body: good.body.clone(),
            };
            let outcome = age::Identity::unwrap_stanza(&identity, &bad).unwrap();
            assert!(
                matches!(outcome, Err(DecryptError::InvalidHeader)),
                "{args:?}"
            );
        }
        let short = Stanza {
            tag: good.tag.clone(),
            args: good.args.clone(),
            body: good.body[1..].to_vec(),
        };
        let outcome = age::Identity::unwrap_stanza(&identity, &short).unwrap();
        assert!(matches!(outcome, Err(DecryptError::InvalidHeader)));
        let costly = Stanza {
            args: vec![salt, "21".into()],
            ..good
        };
        let outcome = age::Identity::unwrap_stanza(&identity, &costly).unwrap();
        assert!(matches!(
            outcome,
            Err(DecryptError::ExcessiveWork { required: 21, .. })
        ));
        assert_eq!(spent.borrow().work, 0);
    }
}

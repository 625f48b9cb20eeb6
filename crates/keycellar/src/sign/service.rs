//! One request, from its line to its answer: parse, find the key, check the policy, sign
//! (issuing a nonce where the exchange needs one), journal, answer. Independent of the socket,
//! so the agent can serve the same protocol over its own connection.

use super::journal::{Journal, Record};
use super::keys::{Context, SigningKey};
use super::nonce::NonceIssuer;
use super::policy::Policy;
use super::protocol::{self, ErrorKind, Failure, PublicKey, Request, SignRequest, Signed};
use super::{Clock, hex, rfc3339_millis};
use crate::error::EntryError;
use crate::error::{Error, Result};
use crate::vault::run_lock::LockWitness;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The entries of a run, their policy, nonces and journal.
pub struct Service {
    keys: Vec<SigningKey>,
    nonces: HashMap<String, NonceIssuer>,
    policy: Policy,
    journal: Journal,
    clock: Arc<dyn Clock>,
    /// The run locks the service holds its keys with; it signs only while they all hold.
    locks: Vec<LockWitness>,
}

impl Service {
    /// A service for `keys`, journalling to `journal` (created 0600 if missing). Kraken keys
    /// get their nonce issuer in `nonce_dir` (one per key, shared by labels holding the same
    /// key, and with every other service of the key on this machine).
    pub fn new(
        keys: Vec<SigningKey>,
        policy: Policy,
        journal: &Path,
        nonce_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Service> {
        if keys.is_empty() {
            return Err(Error::Internal("a signing service needs a key".into()));
        }
        policy.check_keys(&keys)?;
        let mut nonces = HashMap::new();
        for (index, key) in keys.iter().enumerate() {
            if keys[..index].iter().any(|k| k.label() == key.label()) {
                return Err(Error::Entry(EntryError::LabelExists {
                    label: key.label().to_string(),
                }));
            }
            if key.needs_nonces() && !nonces.contains_key(&key.key_id()) {
                let issuer = NonceIssuer::open(nonce_dir, &key.key_id(), clock.clone())?;
                nonces.insert(key.key_id(), issuer);
            }
        }
        Ok(Service {
            keys,
            nonces,
            policy,
            journal: Journal::open(journal)?,
            clock,
            locks: Vec::new(),
        })
    }

    /// The same service, signing only while each of `locks` still guards its key.
    pub fn guarded_by(self, locks: Vec<LockWitness>) -> Service {
        Service { locks, ..self }
    }

    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// The answer line (newline included) to one request line (without its newline) from
    /// the client process `peer_pid`.
    pub fn answer(&self, line: &[u8], peer_pid: Option<i32>) -> Vec<u8> {
        let (id, parsed) = protocol::parse(line);
        match parsed {
            Ok(Request::Keys) => {
                let keys: Vec<PublicKey> = self
                    .keys
                    .iter()
                    .map(|k| PublicKey {
                        label: k.label(),
                        exchange: k.exchange().id(),
                        api_key: k.api_key(),
                    })
                    .collect();
                protocol::keys_line(id.as_ref(), &keys)
            }
            Ok(Request::Sign(request)) => {
                let result = self.sign(&request, peer_pid);
                protocol::answer_line(id.as_ref(), &result)
            }
            Err(failure) => {
                let mut record = self.record(None, None, peer_pid, &Err(&failure));
                record.path = protocol::requested_path(line).map(|p| journalled_path(&p));
                let _ = self.journal.append(&record);
                protocol::failure_line(id.as_ref(), &failure)
            }
        }
    }

    /// The answer to a line refused before it was read (over-long, or the service stopping),
    /// journalled like every other answer.
    pub fn refuse(&self, failure: &Failure, peer_pid: Option<i32>) -> Vec<u8> {
        let _ = self
            .journal
            .append(&self.record(None, None, peer_pid, &Err(failure)));
        protocol::failure_line(None, failure)
    }

    fn sign(&self, request: &SignRequest, peer_pid: Option<i32>) -> Result<Signed, Failure> {
        let key = match self
            .lock_lost()
            .map_or_else(|| self.key_for(request.label.as_deref()), Err)
        {
            Ok(key) => key,
            Err(failure) => {
                let record = self.record(Some(request), None, peer_pid, &Err(&failure));
                let _ = self.journal.append(&record);
                return Err(failure);
            }
        };
        let now_ms = self.clock.now_ms();
        let signed = self.policy.check(key, request, now_ms).and_then(|()| {
            let context = Context {
                now_ms,
                nonces: self.nonces.get(&key.key_id()),
            };
            key.sign(request, &context)
        });
        let outcome = match &signed {
            Ok(s) => Ok((s.answer.nonce.as_deref(), s.covered_sha256.as_str())),
            Err(failure) => Err(failure),
        };
        let record = self.record(Some(request), Some(key.label()), peer_pid, &outcome);
        let journalled = self.journal.append(&record);
        let signature = signed?;
        // A signature that is not in the journal is never sent.
        journalled.map_err(|_| {
            Failure::new(
                ErrorKind::Journal,
                "the journal could not be written, so the signature was discarded; retry",
            )
        })?;
        Ok(signature.answer)
    }

    /// Why no signature may be made: a run lock of the service was taken away (its file
    /// removed or replaced by a process of the user), so another run may hold the key now.
    fn lock_lost(&self) -> Option<Failure> {
        (!self.locks.iter().all(LockWitness::holds)).then(|| {
            Failure::new(
                ErrorKind::ShuttingDown,
                "the key's run lock was taken away (its file removed or replaced, or its \
                 directory or one above it moved or changed: chmod, touch, a restore), so \
                 another run may hold the key: this service signs no more; start it again",
            )
        })
    }

    /// The key a request names, or the only key of the run.
    fn key_for(&self, label: Option<&str>) -> Result<&SigningKey, Failure> {
        match (label, self.keys.as_slice()) {
            (None, [only]) => Ok(only),
            (None, _) => Err(Failure::new(
                ErrorKind::LabelRequired,
                format!(
                    "this run signs for {} keys; name one with \"label\"",
                    self.keys.len()
                ),
            )),
            (Some(label), keys) => keys.iter().find(|k| k.label() == label).ok_or_else(|| {
                Failure::new(
                    ErrorKind::UnknownLabel,
                    format!(
                        "this run signs for no key labelled {}",
                        crate::untrusted::quoted(label)
                    ),
                )
            }),
        }
    }

    /// The journal's record of one request. `outcome` is the nonce and digest of a
    /// signature, or the failure.
    fn record(
        &self,
        request: Option<&SignRequest>,
        label: Option<&str>,
        peer_pid: Option<i32>,
        outcome: &Result<(Option<&str>, &str), &Failure>,
    ) -> Record {
        let requested_sha256 = request.map(|r| {
            let covered = format!("{}?{}", r.query, r.body);
            hex(&crate::crypto::sha256(&[covered.as_bytes()]))
        });
        let mut record = Record {
            time: rfc3339_millis(self.clock.now_ms()),
            pid: peer_pid,
            label: label.map(str::to_string),
            method: request.map(|r| r.method.clone()),
            path: request.map(|r| journalled_path(&r.path)),
            body_sha256: requested_sha256,
            ..Record::default()
        };
        match outcome {
            Ok((nonce, covered_sha256)) => {
                record.outcome = "signed".into();
                record.nonce = nonce.map(str::to_string);
                record.body_sha256 = Some(covered_sha256.to_string());
            }
            Err(failure) if failure.kind == ErrorKind::Refused => {
                record.outcome = "refused".into();
                record.rule = failure.rule.map(|r| r.as_str().to_string());
            }
            Err(failure) => {
                record.outcome = "error".into();
                record.kind = Some(failure.kind.as_str().to_string());
            }
        }
        record
    }
}

/// The longest path the journal records, in characters: every real endpoint is far shorter,
/// and a line per request must not copy up to a whole request line.
const JOURNAL_PATH_MAX: usize = 256;

/// `path` as the journal records it: cut after [`JOURNAL_PATH_MAX`] characters, with `...`.
fn journalled_path(path: &str) -> String {
    match path.char_indices().nth(JOURNAL_PATH_MAX) {
        Some((cut, _)) => format!("{}...", &path[..cut]),
        None => path.to_string(),
    }
}

//! The operations an agent runs for the command line, until `keycellar::ops` (a request
//! type and one `execute` shared by every front end) replaces this module: `list` and
//! `show`. The agent opens the vault with the key it holds ([`CachedKeyUnlock`]) and
//! answers with a report; the command prints the report as it prints a vault it opened.
//! `list` reports carry no secret (each entry's secret and API passphrase are blanked);
//! `show` carries them only with `--reveal`.

use super::output;
use super::report::{Failure, Result};
use keycellar::Error;
use keycellar::agent::{CachedKey, Operations, Refusal};
use keycellar::credential::entry::Entry;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::vault::{Unlock, Vault, VaultHeader, VaultKey};
use serde_json::{Value, json};
use std::path::Path;
use zeroize::Zeroizing;

/// An operation a command asks the agent for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    List,
    Show { label: String, reveal: bool },
}

impl Operation {
    /// The `operation` of a `run` request, tagged by `name`.
    pub fn to_json(&self) -> Value {
        match self {
            Operation::List => json!({"name": "list"}),
            Operation::Show { label, reveal } => {
                json!({"name": "show", "label": label, "reveal": reveal})
            }
        }
    }

    fn from_json(value: &Value) -> Option<Operation> {
        match value["name"].as_str()? {
            "list" => Some(Operation::List),
            "show" => Some(Operation::Show {
                label: value["label"].as_str()?.to_string(),
                reveal: value["reveal"].as_bool()?,
            }),
            _ => None,
        }
    }
}

/// The report of `operation` on `vault`: what the command prints.
fn report(vault: &Vault, operation: &Operation) -> Result<Value> {
    Ok(match operation {
        Operation::List => json!({
            "entries": vault.entries().iter().map(blanked).collect::<Result<Vec<_>>>()?,
            "vault_fingerprint": vault.fingerprint(),
        }),
        Operation::Show { label, reveal } => {
            let entry = vault.find(label)?;
            json!({"entry": if *reveal { entry_value(entry)? } else { blanked(entry)? }})
        }
    })
}

fn entry_value(entry: &Entry) -> Result<Value> {
    serde_json::to_value(entry)
        .map_err(|e| Error::Internal(format!("an entry did not serialise: {e}")).into())
}

/// The entry with its secret and API passphrase blanked.
fn blanked(entry: &Entry) -> Result<Value> {
    let mut value = entry_value(entry)?;
    for field in ["secret", "api_passphrase"] {
        if let Some(secret) = value.get_mut(field) {
            *secret = json!("");
        }
    }
    Ok(value)
}

/// Prints the agent's report of `operation` as the command prints it in-process.
pub fn print(operation: &Operation, mut report: Value, as_json: bool) -> Result<()> {
    let entry = |value: Value| {
        serde_json::from_value::<Entry>(value).map_err(|e| out_of_protocol(&e.to_string()))
    };
    match operation {
        Operation::List => {
            let entries = match report["entries"].take() {
                Value::Array(values) => {
                    values.into_iter().map(entry).collect::<Result<Vec<_>>>()?
                }
                _ => return Err(out_of_protocol("no entries")),
            };
            let fingerprint: Fingerprint = report["vault_fingerprint"]
                .as_str()
                .and_then(|f| f.parse().ok())
                .ok_or_else(|| out_of_protocol("no vault fingerprint"))?;
            output::list_of(&entries, fingerprint, as_json)
        }
        Operation::Show { reveal, .. } => {
            output::show(&entry(report["entry"].take())?, *reveal, as_json)
        }
    }
}

fn out_of_protocol(what: &str) -> Failure {
    Error::Internal(format!("the agent's report is not understood: {what}")).into()
}

/// Unlocks with the key an agent holds: the vault opens only while the keyslot the key
/// came from is still in its header.
pub struct CachedKeyUnlock<'a>(pub CachedKey<'a>);

impl Unlock for CachedKeyUnlock<'_> {
    fn unlock(&mut self, path: &Path, _header: &VaultHeader) -> keycellar::Result<VaultKey> {
        VaultKey::from_parts(Zeroizing::new(*self.0.key), &self.0.served.keyslot).ok_or_else(|| {
            Error::NotUnlocked {
                path: path.to_path_buf(),
            }
        })
    }
}

/// What the agent process runs: the operations above on the vault it serves.
pub struct AgentOperations;

impl Operations for AgentOperations {
    fn run(&self, key: CachedKey<'_>, operation: Value) -> std::result::Result<Value, Refusal> {
        let Some(operation) = Operation::from_json(&operation) else {
            return Err(Refusal::agent(
                keycellar::agent::protocol::kind::BAD_REQUEST,
                "this agent does not run that operation",
                "",
            ));
        };
        let file = key.served.file.clone();
        let mut unlock = CachedKeyUnlock(key);
        let reported = Vault::open(&file, &mut unlock)
            .map_err(Failure::from)
            .and_then(|vault| report(&vault, &operation));
        reported.map_err(|failure| match failure {
            // A passwd between the agent's keyslot check and this opening: the client asks
            // the passphrase itself, and the agent locks at its next check.
            Failure::Library(Error::KeyNotInVault { .. }) => Refusal::agent(
                keycellar::agent::protocol::kind::LOCKED,
                "the vault's keyslots changed since the agent was unlocked",
                "Unlock again with `keycellar agent start`.",
            ),
            failure => Refusal {
                kind: failure.kind().into_owned(),
                exit_code: failure.exit_code(),
                message: failure.to_string(),
                hint: failure.hint().into_owned(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keycellar::agent::Served;
    use keycellar::secret::Secret;
    use keycellar::vault::kdf::KdfParams;

    const CHEAP: KdfParams = KdfParams {
        memory_kib: 8,
        time: 1,
        parallelism: 1,
    };

    /// A vault at `path`; its key and the keyslot bytes it came from.
    fn vault(path: &Path, passphrase: &str) -> ([u8; 32], Vec<u8>) {
        let passphrase = Secret::new(passphrase.into());
        Vault::create(path, &passphrase, CHEAP, Vec::new()).unwrap();
        let key = VaultHeader::read(path)
            .unwrap()
            .unlock_with_passphrase(path, &passphrase)
            .unwrap();
        (*key.expose(), key.keyslot())
    }

    fn run(file: &Path, key: &[u8; 32], keyslot: Vec<u8>) -> std::result::Result<Value, Refusal> {
        let served = Served {
            vault: file.into(),
            file: file.into(),
            vault_id: String::new(),
            keyslot,
        };
        AgentOperations.run(
            CachedKey {
                served: &served,
                key,
            },
            json!({"name": "list"}),
        )
    }

    #[test]
    fn the_cached_key_opens_the_vault_and_a_changed_keyslot_is_agent_locked() {
        let dir = tempfile::tempdir().unwrap();
        let (path, other) = (dir.path().join("v.kc"), dir.path().join("w.kc"));
        let (key, keyslot) = vault(&path, "first passphrase of the test");
        let report = run(&path, &key, keyslot).unwrap();
        assert_eq!(report["entries"], json!([]));
        // A keyslot the vault does not hold (as after a passwd): the client falls back.
        let (_, foreign) = vault(&other, "second passphrase of the test");
        let refused = run(&path, &key, foreign).unwrap_err();
        assert_eq!(refused.kind, keycellar::agent::protocol::kind::LOCKED);
    }
}

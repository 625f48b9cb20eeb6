//! What `exec` hands a child process: which of an entry's fields go into which environment
//! variables ([`Field`], custom `--env NAME=FIELD` mappings), the places popular bots read
//! keys from (`profiles`), and the masking of secrets in the child's output (`mask`).

pub mod mask;
pub mod profiles;

use crate::credential::entry::Entry;
use std::fmt;
use std::str::FromStr;

/// A field of an entry that can be handed to a child process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ApiKey,
    Secret,
    ApiPassphrase,
    Label,
    AccountRef,
}

impl Field {
    /// Every field, by the names `--env NAME=FIELD` takes.
    pub const ALL: [Field; 5] = [
        Field::ApiKey,
        Field::Secret,
        Field::ApiPassphrase,
        Field::Label,
        Field::AccountRef,
    ];

    /// The name `--env NAME=FIELD` takes.
    pub fn name(self) -> &'static str {
        match self {
            Field::ApiKey => "api_key",
            Field::Secret => "secret",
            Field::ApiPassphrase => "api_passphrase",
            Field::Label => "label",
            Field::AccountRef => "account_ref",
        }
    }

    /// The field's value in `entry`; empty when the entry has none.
    pub fn value(self, entry: &Entry) -> &str {
        match self {
            Field::ApiKey => &entry.api_key,
            Field::Secret => entry.secret.expose(),
            Field::ApiPassphrase => entry.api_passphrase.as_ref().map_or("", |p| p.expose()),
            Field::Label => &entry.label,
            Field::AccountRef => entry.account_ref.as_deref().unwrap_or(""),
        }
    }
}

impl FromStr for Field {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        Field::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown field {}; use {}",
                    crate::untrusted::quoted(name),
                    known.join(", ")
                )
            })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

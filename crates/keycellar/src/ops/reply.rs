//! What a [`super::VaultRequest`] gives back: a [`VaultReply`], one struct per kind, so that
//! a front end takes the kind it asked for with [`Reply::take`] and a session that answered
//! with another kind is found in one place ([`wrong_reply`]), not in every command. The wire
//! format is that of the structs' fields beside the `reply` tag.

use super::audit::Finding;
use super::backup::ExportDocument;
use super::change::PlannedAction;
use super::exec;
use super::request::{EntryView, Revealed, Verified};
use super::status::StatusReport;
use crate::credential::entry::Entry;
use crate::credential::exchange::Exchange;
use crate::credential::fingerprint;
use crate::credential::validate::{EntryWarning, Warning};
use crate::vault::merge::Comparison;
use serde::{Deserialize, Serialize};

/// A reply of one kind, taken out of a [`VaultReply`].
pub trait Reply: Sized {
    /// The reply itself, or `reply` back when it is of another kind.
    fn take(reply: VaultReply) -> Result<Self, VaultReply>;
}

/// Any reply, for a caller that looks at its kind itself.
impl Reply for VaultReply {
    fn take(reply: VaultReply) -> Result<Self, VaultReply> {
        Ok(reply)
    }
}

/// Declares the replies: the enum, its tag names and each struct's [`Reply`].
macro_rules! replies {
    ($($kind:ident = $tag:literal),* $(,)?) => {
        /// What a [`super::VaultRequest`] gives back.
        #[derive(Clone, Debug, Serialize, Deserialize)]
        #[serde(tag = "reply", rename_all = "snake_case")]
        pub enum VaultReply {
            $($kind($kind),)*
        }

        impl VaultReply {
            /// The reply's tag on the wire.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(VaultReply::$kind(_) => $tag,)*
                }
            }
        }

        $(impl Reply for $kind {
            fn take(reply: VaultReply) -> Result<Self, VaultReply> {
                match reply {
                    VaultReply::$kind(taken) => Ok(taken),
                    other => Err(other),
                }
            }
        })*
    };
}

replies! {
    List = "list",
    Show = "show",
    History = "history",
    Otp = "otp",
    Verify = "verify",
    Fingerprint = "fingerprint",
    Status = "status",
    Audit = "audit",
    Rotatable = "rotatable",
    ExecPrepared = "exec_prepared",
    Export = "export",
    PrintEntries = "print_entries",
    Compare = "compare",
    Added = "added",
    Changed = "changed",
    Rotated = "rotated",
    Imported = "imported",
}

/// In words, a session that answered a request of kind `asked` ([`super::VaultRequest::kind`])
/// with `reply`, of a kind that request does not give.
pub fn wrong_reply(asked: &str, reply: &VaultReply) -> String {
    format!(
        "it answered a {asked} request with a {} reply",
        reply.kind()
    )
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    pub entries: Vec<EntryView>,
    pub vault_fingerprint: fingerprint::Fingerprint,
    /// Entries the filter left out.
    #[serde(default)]
    pub hidden: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Show {
    pub entry: Box<EntryView>,
    /// Only when the request asked to reveal them.
    pub revealed: Option<Revealed>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub chain: Vec<EntryView>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Otp {
    pub label: String,
    pub code: String,
    /// Seconds the code stays valid.
    pub valid_for: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    pub results: Vec<Verified>,
    pub vault_fingerprint: fingerprint::Fingerprint,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// The entry's label, or `vault`.
    pub of: String,
    pub fingerprint: fingerprint::Fingerprint,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    pub report: Box<StatusReport>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotatable {
    pub exchange: Exchange,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecPrepared {
    pub prepared: Box<exec::ExecPrepared>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub export: Box<ExportDocument>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintEntries {
    pub entries: Vec<Entry>,
    pub vault_fingerprint: fingerprint::Fingerprint,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    pub comparison: Box<Comparison>,
    pub vault_fingerprint: fingerprint::Fingerprint,
}

/// New entries joined the vault, each warning with the label of its entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Added {
    pub added: Vec<EntryView>,
    pub warnings: Vec<EntryWarning>,
    pub vault_fingerprint: fingerprint::Fingerprint,
}

/// An edit, a removal or a backup record; `written` is false when nothing changed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changed {
    pub written: bool,
    pub warnings: Vec<Warning>,
    pub vault_fingerprint: fingerprint::Fingerprint,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotated {
    pub old: Box<EntryView>,
    pub new: Box<EntryView>,
    pub warnings: Vec<Warning>,
    pub vault_fingerprint: fingerprint::Fingerprint,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Imported {
    pub plan: Vec<PlannedAction>,
    pub written: bool,
    pub vault_fingerprint: fingerprint::Fingerprint,
}

//! The errors of what a command was given to read or write.

use super::paste::{Given, Misplaced};
use super::{JsonProblem, skipped_list};
use std::path::PathBuf;

/// What a command was given to read or write, and a new passphrase.
#[cfg_attr(not(feature = "exhaustive"), non_exhaustive)]
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{} exists; keycellar does not overwrite it unless told to", .path.display())]
    OutputExists { path: PathBuf },

    #[error("{} is a {kind}, not a regular file; keycellar writes only files and pipes, and never replaces anything else", .path.display())]
    NotRegularFile { path: PathBuf, kind: &'static str },

    #[error("{} is a {kind}; keycellar writes a file it names itself only where nothing is, or over a regular file, never through a link or into a pipe", .path.display())]
    NotAPlainFile { path: PathBuf, kind: &'static str },

    /// An output (with a link followed) that is the vault or a file kept beside it.
    #[error("{} is the vault {} or a file kept beside it; a backup is never written over them", .path.display(), .vault.display())]
    OutputIsVault { path: PathBuf, vault: PathBuf },

    #[error(
        "{what} holds the keys in plain text, and {destination}; keycellar writes it only \
         into a pipe unless told to write a plaintext file"
    )]
    PlaintextDestination {
        what: &'static str,
        destination: String,
    },

    #[error("{} changed while keycellar was reading it; it was left as it is now", .path.display())]
    ChangedMeanwhile { path: PathBuf },

    #[error(
        "only one input can come from standard input (`-`), but the {first} and the {second} \
         both read it; put the others in files"
    )]
    StdinTwice {
        first: &'static str,
        second: &'static str,
    },

    #[error("the {what} from {source_name} is larger than keycellar reads ({limit} bytes)")]
    InputTooLarge {
        what: &'static str,
        source_name: String,
        limit: u64,
    },

    #[error("the {what} from {source_name} is not UTF-8 text")]
    NotText {
        what: &'static str,
        source_name: String,
    },

    #[error("the passphrase from {source_name} is empty")]
    EmptyPassphrase { source_name: String },

    #[error("{source_name}: {problem}")]
    BadJson {
        source_name: String,
        problem: JsonProblem,
    },

    #[error("{source_name}, line {line}: {problem}")]
    BadLine {
        source_name: String,
        line: usize,
        problem: &'static str,
    },

    #[error(
        "no key could be taken from {source_name} as a {format} source: expected {expected}{}",
        skipped_list(.skipped)
    )]
    NoKeys {
        source_name: String,
        format: &'static str,
        expected: &'static str,
        /// What each key found lacked, never a value.
        skipped: Vec<String>,
    },

    #[error("{source_name} is {what}, which keycellar cannot read: expected {expected}")]
    EncryptedSource {
        source_name: String,
        what: &'static str,
        expected: &'static str,
    },

    #[error(
        "this {what} is too easy to guess: {cost} (under {kdf}), below keycellar's floor of \
         {floor}{}", .advice.as_ref().map(|a| format!(" ({a})")).unwrap_or_default()
    )]
    WeakPassphrase {
        what: &'static str,
        cost: String,
        kdf: String,
        floor: String,
        advice: Option<String>,
    },

    #[error("the authenticator seed given is not usable: {problem}")]
    BadAuthenticator { problem: &'static str },

    /// A value given as one part of a key that is another thing (`credential/paste`).
    #[error("{0}")]
    Misplaced(Misplaced),

    /// A public key and a secret given the wrong way round.
    #[error("{}", super::paste::swapped(*.key_given))]
    Swapped {
        /// Where the public key (in fact the secret) was given.
        key_given: Given,
    },

    #[error("a generated passphrase has {min} to {max} words, not {words}")]
    WordCount {
        words: usize,
        min: usize,
        max: usize,
    },
}

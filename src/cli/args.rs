//! The command-line grammar. No option takes a secret value: secrets come from a hidden
//! prompt, a file, or stdin (`-`).

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use keycellar::backup::paper::pdf::Paper;
use keycellar::credential::entry::Status;
use keycellar::credential::exchange::Exchange;
use keycellar::credential::exec::profiles::Profile;
use keycellar::source::InputSource;
use keycellar::vault::merge::OnConflict;
use std::path::PathBuf;

use super::examples;

mod agent;
mod backup;
mod command;
mod lifecycle;
mod slot;
mod vault;

pub use agent::{AgentCommand, AgentStartArgs};
pub use backup::{
    BackupUnlockArgs, ExportArgs, ExportFormat, ImportArgs, MergeArgs, PrintArgs, RestoreArgs,
};
pub use command::Command;
pub use lifecycle::{ExecArgs, Restart, RotateArgs};
pub use slot::SlotCommand;
pub use vault::{AddArgs, CredentialArgs, EditArgs, InitArgs, ListArgs, NewPassphraseArgs};

const SHORT_TOPICS: &str = "\
Run `keycellar --help` for the vault location, use from scripts, and exit codes;
`keycellar help COMMAND` for a command's options and an example.";

/// Where the vault lives (the long help's first topic, and the man page's FILES).
pub const VAULT_LOCATION: &str = "\
--vault PATH, else $KEYCELLAR_VAULT, else keycellar/vault.kc in the platform data directory
(~/.local/share/keycellar/vault.kc on Linux). Two previous generations are kept beside it
(vault.kc.1, vault.kc.2), and vault.kc.lock carries the lock.";

/// Use from scripts (the long help's second topic).
pub const SCRIPTS: &str = "\
No option takes a secret. The vault passphrase comes from the terminal, or from
--passphrase-file PATH (first line; `-` for stdin) or --passphrase-fd N. API secrets come
from --secret-file PATH or `-`; backup passphrases from --backup-passphrase-file. Without a
terminal a missing value is an error (exit 2), never a default. --json prints one JSON
document (docs/JSON.md); errors, usage errors included, then come as JSON on stderr. Colour
and progress appear only on a terminal (--color, NO_COLOR, --quiet).";

/// The exit codes (the long help's third topic, and the man pages' EXIT STATUS).
pub const EXIT_CODES: &str = "\
0 ok; 1 other failure; 2 usage, or no terminal to ask on; 3 wrong passphrase or no matching
identity; 4 verification mismatch; 5 damaged, truncated or unsupported file; 6 vault or
entry not found; 7 vault busy (another keycellar holds the lock); 8 audit found a
high-severity problem; 9 age plugin not installed; 10 age plugin failed; 11 age plugin
cancelled (its question got no answer); 12 paper pages missing that the parity pages cannot
make up for; 130 interrupted (Ctrl-C). `exec` exits with its command's code
(126: cannot be run, 127: not found).";

/// The environment keycellar reads (the man pages' ENVIRONMENT).
pub const ENVIRONMENT: &str = "\
KEYCELLAR_VAULT: the vault path when --vault is not given. KEYCELLAR_IDENTITY: the identity
file when --identity is not given (a path, never key material). KEYCELLAR_AGENT_SOCK: the agent
to ask (set by `agent start -- COMMAND`). NO_COLOR, CLICOLOR and CLICOLOR_FORCE: colour, as
everywhere. Agents' sockets, `exec`'s run locks, run records, signing sockets, journals and
nonce stores are in
~/.local/state/keycellar with the home the system gives the user (not $HOME), so that
sessions with different environments meet there. Nothing else is read from the
environment.";

/// What `exec`'s help says after its examples.
const EXEC_VARIABLES: &str = "\
Default variables (profile env): EXCHANGE_API_KEY, EXCHANGE_API_SECRET and, if set,
EXCHANGE_API_PASSPHRASE, with EXCHANGE the exchange id in capitals (KRAKEN_API_KEY, ...).
The command's output passes through keycellar, which masks the secrets in it (****).";

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

/// Keep exchange API keys in an encrypted, offline vault and prove your backups hold them.
#[derive(Debug, Parser)]
#[command(
    name = "keycellar",
    version,
    after_help = SHORT_TOPICS,
    after_long_help = topics()
)]
pub struct Cli {
    /// Vault file [default: keycellar/vault.kc in the platform data directory]
    #[arg(long, global = true, env = "KEYCELLAR_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Read the vault passphrase from the first line of this file (`-` for stdin)
    #[arg(long, global = true, value_name = "PATH")]
    pub passphrase_file: Option<InputSource>,

    /// Read the vault passphrase from this open file descriptor (first line)
    #[arg(
        long,
        global = true,
        value_name = "N",
        conflicts_with = "passphrase_file",
        value_parser = clap::value_parser!(u32).map(InputSource::Fd)
    )]
    pub passphrase_fd: Option<InputSource>,

    /// Print data as JSON (schemas in docs/JSON.md)
    #[arg(long, global = true)]
    pub json: bool,

    /// Colour output: auto (on a terminal, unless NO_COLOR is set), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// No progress spinner and no notes on stderr (errors and warnings still show)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More detail: the cause chain of errors, and what each step did
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Open the vault through an age keyslot with this identity file (an age key, an SSH
    /// key, or a plugin identity such as AGE-PLUGIN-YUBIKEY-1...) instead of the passphrase;
    /// given before the command
    #[arg(long, env = "KEYCELLAR_IDENTITY", value_name = "FILE")]
    pub identity: Option<PathBuf>,

    /// Never use an agent: ask the passphrase even when an agent serves the vault
    #[arg(long, global = true)]
    pub no_agent: bool,

    /// Seconds to wait for another keycellar command to release the vault (or a key it
    /// is starting a bot with)
    #[arg(long, global = true, default_value_t = 5, value_name = "SECONDS")]
    pub lock_timeout: u64,

    #[command(subcommand)]
    pub command: Command,
}

/// What `add`'s help says after its example: Kraken's permission names, from the library's
/// list, wrapped as help wraps.
fn kraken_permissions() -> String {
    let mut lines = vec![String::from("Kraken permissions:")];
    for name in keycellar::credential::exchange::KRAKEN_PERMISSIONS {
        let current = lines.last_mut().expect("one line at least");
        if current.len() + 1 + name.len() > 80 {
            lines.push(format!("  {name}"));
        } else {
            current.push(' ');
            current.push_str(name);
        }
    }
    lines.join("\n")
}

/// The long help's topics: where the vault is, use from scripts, exit codes.
fn topics() -> String {
    let indented = |text: &str| {
        text.lines()
            .map(|line| format!("  {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "VAULT LOCATION\n{}\n\nUSE FROM SCRIPTS\n{}\n\nEXIT CODES\n{}",
        indented(VAULT_LOCATION),
        indented(SCRIPTS),
        indented(EXIT_CODES)
    )
}

/// A value the library names, for [`choice`]: its command-line name and help.
pub trait Choice: Sized + Clone + Send + Sync + 'static {
    /// Every value, in the order help lists them.
    fn all() -> &'static [Self];
    /// The name typed on the command line.
    fn name(&self) -> &'static str;
    /// What the value means, where its name does not say.
    fn help(&self) -> Option<&'static str> {
        None
    }
}

/// The parser of a [`Choice`]: only its names are accepted, and help and completions list
/// them (the library's enums know nothing of clap).
pub fn choice<T: Choice>() -> impl TypedValueParser<Value = T> {
    let values = T::all().iter().map(|value| {
        let possible = PossibleValue::new(value.name());
        match value.help() {
            Some(help) => possible.help(help),
            None => possible,
        }
    });
    PossibleValuesParser::new(values).try_map(|name| {
        T::all()
            .iter()
            .find(|value| value.name() == name)
            .cloned()
            .ok_or_else(|| format!("unknown value {}", keycellar::untrusted::quoted(&name)))
    })
}

impl Choice for Exchange {
    fn all() -> &'static [Self] {
        Exchange::ALL
    }
    fn name(&self) -> &'static str {
        self.id()
    }
}

impl Choice for Profile {
    fn all() -> &'static [Self] {
        &Profile::ALL
    }
    fn name(&self) -> &'static str {
        Profile::name(*self)
    }
    fn help(&self) -> Option<&'static str> {
        Some(self.summary())
    }
}

impl Choice for keycellar::movein::Format {
    fn all() -> &'static [Self] {
        &Self::ALL
    }
    fn name(&self) -> &'static str {
        Self::name(*self)
    }
}

impl Choice for Status {
    fn all() -> &'static [Self] {
        &Status::ALL
    }
    fn name(&self) -> &'static str {
        self.as_str()
    }
}

impl Choice for OnConflict {
    fn all() -> &'static [Self] {
        &OnConflict::ALL
    }
    fn name(&self) -> &'static str {
        self.id()
    }
    fn help(&self) -> Option<&'static str> {
        Some(match self {
            OnConflict::Refuse => "Refuse the whole import (the default)",
            OnConflict::Skip => "Keep the vault's entry, leave the imported one out",
            OnConflict::Replace => "Replace the vault's entry with the imported one",
            OnConflict::Rename => {
                "Import under a new label, `LABEL-imported` (or `-imported-2`, ...)"
            }
        })
    }
}

impl Choice for Paper {
    fn all() -> &'static [Self] {
        &Paper::ALL
    }
    fn name(&self) -> &'static str {
        self.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_option_takes_a_secret_value() {
        fn walk(cmd: &clap::Command, path: &str) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                let secretish = ["secret", "passphrase", "password"]
                    .iter()
                    .any(|w| id.contains(w));
                let takes_value = arg.get_action().takes_values();
                assert!(
                    !secretish || !takes_value || id.ends_with("_file") || id.ends_with("_fd"),
                    "{path} --{id} would take a secret on the command line"
                );
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        walk(&Cli::command(), "keycellar");
    }
}

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

mod agent;
mod backup;
mod lifecycle;
mod vault;

pub use agent::{AgentCommand, AgentStartArgs};
pub use backup::{BackupUnlockArgs, ExportArgs, ImportArgs, MergeArgs, PrintArgs, RestoreArgs};
pub use lifecycle::{ExecArgs, Restart, RotateArgs};
pub use vault::{AddArgs, CredentialArgs, EditArgs, InitArgs, NewPassphraseArgs};

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
high-severity problem; 130 interrupted (Ctrl-C). `exec` exits with its command's code
(126: cannot be run, 127: not found).";

/// The environment keycellar reads (the man pages' ENVIRONMENT).
pub const ENVIRONMENT: &str = "\
KEYCELLAR_VAULT: the vault path when --vault is not given. KEYCELLAR_AGENT_SOCK: the agent
to ask (set by `agent start -- COMMAND`). NO_COLOR, CLICOLOR and CLICOLOR_FORCE: colour, as
everywhere. XDG_RUNTIME_DIR: where agents' sockets, `exec`'s run locks and signing sockets
live (else /tmp/keycellar-UID); XDG_STATE_HOME: where `exec --profile sign` keeps its journal
and nonces (else ~/.local/state). Nothing else is read from the environment.";

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

    /// Never use an agent: ask the passphrase even when an agent serves the vault
    #[arg(long, global = true)]
    pub no_agent: bool,

    /// Seconds to wait for another keycellar command to release the vault
    #[arg(long, global = true, default_value_t = 5, value_name = "SECONDS")]
    pub lock_timeout: u64,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty vault
    #[command(after_help = "Example: keycellar init   (asks for the passphrase twice)")]
    Init(InitArgs),
    /// Add an API key (the secret is asked for, or read from a file; never an argument)
    #[command(
        after_help = "Example: keycellar add kraken-grid-bot --exchange kraken \\\n    --key CJbfPw...I3y --permission query-funds --permission modify-trades\n\nKraken permissions: query-funds deposit-funds withdraw-funds earn-funds\n  query-open-trades query-closed-trades modify-trades cancel-trades query-ledger\n  export-data websocket"
    )]
    Add(Box<AddArgs>),
    /// List entries without secrets
    #[command(after_help = "Example: keycellar list --json | jq -r '.entries[].label'")]
    List,
    /// Show one entry; the secret only with --reveal
    #[command(after_help = "Example: keycellar show kraken-grid-bot")]
    Show {
        label: String,
        /// Print the secret and API passphrase
        #[arg(long)]
        reveal: bool,
    },
    /// Change an entry's metadata (never its key material)
    #[command(
        after_help = "Example: keycellar edit kraken-grid-bot --add-ip 203.0.113.8 --note 'second VPS'"
    )]
    Edit(Box<EditArgs>),
    /// Remove an entry
    #[command(after_help = "Example: keycellar remove old-test-key")]
    Remove {
        label: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Change the vault passphrase
    #[command(
        after_help = "Example: keycellar passwd   (asks for the old one, then the new one twice)"
    )]
    Passwd {
        /// Read the new passphrase from this file (`-` for stdin)
        #[arg(long, value_name = "PATH", conflicts_with = "generate_passphrase")]
        new_passphrase_file: Option<InputSource>,
        /// New KDF settings (the vault's own are kept unless one is given)
        #[command(flatten)]
        settings: InitArgs,
    },
    /// Print the vault fingerprint, or one entry's
    #[command(after_help = "Example: keycellar fingerprint kraken-grid-bot")]
    Fingerprint { label: Option<String> },
    /// Recompute fingerprints and compare them with what was recorded, written down, or
    /// held in a backup
    #[command(
        after_help = "Examples:\n  keycellar verify\n  keycellar verify kraken-grid-bot --fingerprint 7K2M-9QXD-4TRE-HA0C\n  keycellar verify kraken-grid-bot --key CJbfPw4tnbf...I3y\n  keycellar verify --backup keys.age -i backup-key.txt"
    )]
    Verify {
        /// Only this entry
        label: Option<String>,
        /// The entry fingerprint you wrote down
        #[arg(long, requires = "label", value_name = "FP")]
        fingerprint: Option<String>,
        /// The public key the exchange's API page shows
        #[arg(long, requires = "label", value_name = "PUBLIC")]
        key: Option<String>,
        /// Compare the vault with this export instead (writes nothing)
        #[arg(long, value_name = "FILE", conflicts_with = "label")]
        backup: Option<PathBuf>,
        /// Compare the vault with these scans of a paper backup instead (writes nothing)
        #[arg(long, value_name = "SCAN", num_args = 0.., conflicts_with_all = ["label", "backup"])]
        paper: Option<Vec<PathBuf>>,
        /// With --paper: a typed copy of the sheet instead of scans (repeat for shares)
        #[arg(long, value_name = "FILE", num_args = 1.., requires = "paper")]
        text: Vec<PathBuf>,
        #[command(flatten)]
        unlock: BackupUnlockArgs,
    },
    /// Write an age-encrypted copy of the keys (all, or the LABELs given)
    #[command(
        after_help = "Examples:\n  keycellar export -o keys.age -r age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n  keycellar export -o team-keys.age -R team-recipients.txt --armor\n  keycellar export -o grid-bot.age --passphrase kraken-grid-bot"
    )]
    Export(Box<ExportArgs>),
    /// Bring entries in from an export: into this vault, or a new one with --init
    #[command(
        after_help = "Examples:\n  keycellar import keys.age -i backup-key.txt --dry-run\n  keycellar import --init keys.age -i ~/.ssh/id_ed25519"
    )]
    Import(Box<ImportArgs>),
    /// Print a PDF paper backup: QR codes and a checked typeable copy, encrypted
    #[command(
        after_help = "Examples:\n  keycellar print -o backup.pdf\n  keycellar print -o team-backup.pdf --paper letter -R team-recipients.txt kraken-grid-bot"
    )]
    Print(Box<PrintArgs>),
    /// Restore entries from a paper backup: scans or photos, or typed text
    #[command(
        after_help = "Examples:\n  keycellar restore --init --image page1.png page2.png page3.png\n  keycellar restore --text typed.txt --label kraken-grid-bot"
    )]
    Restore(Box<RestoreArgs>),
    /// Replace a key with a new one, keeping the old as `rotated` (back up first)
    #[command(
        after_help = "Example: keycellar rotate kraken-grid-bot --key NEWPUBLICKEY --secret-file new-secret.txt --reason scheduled"
    )]
    Rotate(Box<RotateArgs>),
    /// The keys that have held a label, newest first
    #[command(
        after_help = "Examples:\n  keycellar history kraken-grid-bot\n  keycellar history kraken-grid-bot --signatures"
    )]
    History {
        label: String,
        /// Show what `exec --profile sign` signed and refused for the key instead (its
        /// journal: time, process, endpoint, digest of the body; never a secret)
        #[arg(long)]
        signatures: bool,
    },
    /// Vault fingerprint, entry counts, KDF settings, last export and print
    #[command(after_help = "Example: keycellar status")]
    Status,
    /// Findings that need attention; exit 8 when one is high severity
    #[command(
        after_help = "Example (cron): keycellar --passphrase-file ~/.vault-pass audit --json"
    )]
    Audit {
        /// Keys older than this many days are reported
        #[arg(long, default_value_t = 90, value_name = "N")]
        max_age_days: i64,
    },
    /// Run a command with a key in its environment (never on its command line)
    #[command(
        after_help = "Examples:\n  keycellar exec kraken-grid-bot -- ./gridbot --live\n  keycellar exec --profile freqtrade kraken-freqtrade -- freqtrade trade -c config.json\n  keycellar exec --profile json-fd kraken-grid-bot -- python3 bot.py\n  keycellar exec okx-tax --env OKX_KEY=api_key --env OKX_SECRET=secret -- python sync.py\n  keycellar exec --list-profiles\n\nDefault variables (profile env): EXCHANGE_API_KEY, EXCHANGE_API_SECRET and, if set,\nEXCHANGE_API_PASSPHRASE, with EXCHANGE the exchange id in capitals (KRAKEN_API_KEY, ...).\nThe command's output passes through keycellar, which masks the secrets in it (****)."
    )]
    Exec(Box<ExecArgs>),
    /// Unlock once: an agent that holds the vault key and answers commands until it locks
    #[command(
        subcommand,
        after_help = "Examples:\n  keycellar agent start   (asks the passphrase once)\n  keycellar agent status\n  keycellar agent stop"
    )]
    Agent(AgentCommand),
    /// Wipe the key of the agent serving this vault (it stays locked until started again)
    #[command(after_help = "Example: keycellar lock")]
    Lock,
    /// Make an age identity file (the age-keygen format) to receive exports, or print the
    /// recipient of one
    #[command(
        after_help = "Examples:\n  keycellar keygen -o backup-key.txt > backup-recipient.txt\n  keycellar keygen -y backup-key.txt > backup-recipient.txt   (its recipient again)"
    )]
    Keygen {
        /// Where to write the identity (created 0600, never overwritten; `-` for stdout)
        #[arg(
            short,
            long,
            value_name = "FILE",
            required_unless_present = "recipient_of"
        )]
        output: Option<PathBuf>,
        /// Print the recipient of this identity file instead, as `age-keygen -y` does
        #[arg(short = 'y', long, value_name = "IDENTITY", conflicts_with = "output")]
        recipient_of: Option<PathBuf>,
    },
    /// Print a shell completion script (labels are encrypted, so only commands and options
    /// complete)
    #[command(
        after_help = "Examples (make the directories first: mkdir -p ~/.local/share/bash-completion/completions ~/.zfunc):\n  keycellar completions bash > ~/.local/share/bash-completion/completions/keycellar\n  keycellar completions zsh > ~/.zfunc/_keycellar   (and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath))"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages (keycellar.1 and one per command) into a directory
    #[command(
        after_help = "Example: keycellar man -o ~/.cargo/share/man/man1   (where man looks when ~/.cargo/bin is on PATH)"
    )]
    Man {
        /// The directory to write into (created if missing)
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Report the process hardening in effect (for tests)
    #[command(hide = true)]
    HygieneCheck,
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
        &Exchange::ALL
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

//! The command-line grammar. No option takes a secret value: secrets come from a hidden
//! prompt, a file, or stdin (`-`).

use clap::{Args, Parser, Subcommand};
use keycellar::credential::entry::{Exchange, Status};
use std::path::PathBuf;

mod backup;

pub use backup::{
    BackupUnlockArgs, ExportArgs, ImportArgs, MergeArgs, PrintArgs, RestoreArgs, RotateArgs,
};

const SHORT_TOPICS: &str = "\
Run `keycellar --help` for the vault location, use from scripts, and exit codes;
`keycellar help COMMAND` for a command's options and an example.";

const TOPICS: &str = "\
VAULT LOCATION
  --vault PATH, else $KEYCELLAR_VAULT, else keycellar/vault.kc in the platform data
  directory (~/.local/share/keycellar/vault.kc on Linux). Two previous generations are kept
  beside it (vault.kc.1, vault.kc.2), and vault.kc.lock carries the lock.

USE FROM SCRIPTS
  No option takes a secret. The vault passphrase comes from the terminal, or from
  --passphrase-file PATH (first line; `-` for stdin) or --passphrase-fd N. API secrets come
  from --secret-file PATH or `-`; backup passphrases from --backup-passphrase-file. Without a
  terminal a missing value is an error (exit 2), never a default. --json prints one JSON
  document (docs/JSON.md); errors then come as JSON on stderr. Colour and progress appear
  only on a terminal (--color, NO_COLOR, --quiet).

EXIT CODES
  0 ok; 1 other failure; 2 usage, or no terminal to ask on; 3 wrong passphrase or no
  matching identity; 4 verification mismatch; 5 damaged, truncated or unsupported file;
  6 vault or entry not found; 7 vault busy (another keycellar holds the lock); 8 audit found
  a high-severity problem. `exec` exits with its command's code.";

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
    after_long_help = TOPICS
)]
pub struct Cli {
    /// Vault file [default: keycellar/vault.kc in the platform data directory]
    #[arg(long, global = true, env = "KEYCELLAR_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Read the vault passphrase from the first line of this file (`-` for stdin)
    #[arg(long, global = true, value_name = "PATH")]
    pub passphrase_file: Option<String>,

    /// Read the vault passphrase from this open file descriptor (first line)
    #[arg(
        long,
        global = true,
        value_name = "N",
        conflicts_with = "passphrase_file"
    )]
    pub passphrase_fd: Option<u32>,

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
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<String>,
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
        #[arg(long, value_name = "SCAN", num_args = 1.., conflicts_with_all = ["label", "backup"])]
        paper: Vec<PathBuf>,
        #[command(flatten)]
        unlock: BackupUnlockArgs,
    },
    /// Write an age-encrypted copy of the keys (all, or the LABELs given)
    #[command(
        after_help = "Examples:\n  keycellar export -o keys.age -r age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n  keycellar export -o keys.age -R team-recipients.txt --armor\n  keycellar export -o keys.age --passphrase kraken-grid-bot"
    )]
    Export(Box<ExportArgs>),
    /// Bring entries in from an export: into this vault, or a new one with --init
    #[command(
        after_help = "Examples:\n  keycellar import keys.age -i backup-key.txt --dry-run\n  keycellar import --init keys.age -i ~/.ssh/id_ed25519"
    )]
    Import(Box<ImportArgs>),
    /// Print a PDF paper backup: QR codes and a checked typeable copy, encrypted
    #[command(
        after_help = "Examples:\n  keycellar print -o backup.pdf\n  keycellar print -o backup.pdf --paper letter -R team-recipients.txt kraken-grid-bot"
    )]
    Print(Box<PrintArgs>),
    /// Restore entries from a paper backup: scans or photos, or typed text
    #[command(
        after_help = "Examples:\n  keycellar restore --init --image page1.png page2.png page3.png\n  keycellar restore --text typed.txt kraken-grid-bot"
    )]
    Restore(Box<RestoreArgs>),
    /// Replace a key with a new one, keeping the old as `rotated` (back up first)
    #[command(
        after_help = "Example: keycellar rotate kraken-grid-bot --key NEWPUBLICKEY --secret-file new-secret.txt --reason scheduled"
    )]
    Rotate(Box<RotateArgs>),
    /// The keys that have held a label, newest first
    #[command(after_help = "Example: keycellar history kraken-grid-bot")]
    History { label: String },
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
        after_help = "Examples:\n  keycellar exec kraken-grid-bot -- ./gridbot --live\n  keycellar exec okx-tax --env OKX_KEY=api_key --env OKX_SECRET=secret -- python sync.py\n\nDefault variables: EXCHANGE_API_KEY, EXCHANGE_API_SECRET and, if set, EXCHANGE_API_PASSPHRASE,\nwith EXCHANGE the exchange id in capitals (KRAKEN_API_KEY, KRAKEN_FUTURES_API_SECRET, ...)."
    )]
    Exec {
        label: String,
        /// Set NAME to a field (api_key, secret, api_passphrase, label, account_ref) instead of the defaults (repeat)
        #[arg(long = "env", value_name = "NAME=FIELD")]
        env: Vec<String>,
        /// The command and its arguments
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Make an age identity file (the age-keygen format) to receive exports
    #[command(after_help = "Example: keycellar keygen -o backup-key.txt")]
    Keygen {
        /// Where to write the identity (created 0600, never overwritten)
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Print a shell completion script (labels are encrypted, so only commands and options
    /// complete)
    #[command(
        after_help = "Examples:\n  keycellar completions bash > ~/.local/share/bash-completion/completions/keycellar\n  keycellar completions zsh > ~/.zfunc/_keycellar"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages (keycellar.1 and one per command) into a directory
    #[command(after_help = "Example: keycellar man -o ~/.local/share/man/man1")]
    Man {
        /// The directory to write into (created if missing)
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Report the process hardening in effect (for tests)
    #[command(hide = true)]
    HygieneCheck,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Calibrate Argon2id to take about this long [default: 1000]
    #[arg(long, value_name = "MS")]
    pub kdf_target_ms: Option<u64>,
    /// Argon2id memory in MiB [default: 256]
    #[arg(long, value_name = "MIB")]
    pub kdf_memory: Option<u32>,
    /// Argon2id passes (skips calibration)
    #[arg(long, value_name = "N")]
    pub kdf_time: Option<u32>,
    /// Argon2id lanes [default: 4]
    #[arg(long, value_name = "N")]
    pub kdf_parallelism: Option<u32>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Your name for the key, e.g. kraken-grid-bot
    #[arg(required_unless_present = "from_json")]
    pub label: Option<String>,
    #[arg(long, value_enum)]
    pub exchange: Option<Exchange>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// Add one entry, or a JSON list of entries, from this file (`-` for stdin)
    #[arg(long, value_name = "PATH", conflicts_with_all = [
        "label", "exchange", "key", "secret_file", "api_passphrase_file", "kraken_uri_file", "qr"
    ])]
    pub from_json: Option<String>,
    /// KuCoin API key version
    #[arg(long, value_name = "N")]
    pub key_version: Option<String>,
    /// Account reference (Kraken IIBAN, customer id, ...)
    #[arg(long, value_name = "REF")]
    pub account: Option<String>,
    /// A permission the key has (repeat)
    #[arg(long = "permission", value_name = "P")]
    pub permissions: Vec<String>,
    /// An allowed IP address or CIDR block (repeat)
    #[arg(long = "ip", value_name = "CIDR")]
    pub ips: Vec<String>,
    /// Expiry date on the exchange
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
    /// Creation date on the exchange
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub created: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// An app or host that uses this key (repeat)
    #[arg(long = "used-by", value_name = "APP")]
    pub used_by: Vec<String>,
}

/// Where a key's public part and secret parts come from (shared by `add` and `rotate`).
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// The public API key (asked for when missing)
    #[arg(long, value_name = "PUBLIC")]
    pub key: Option<String>,
    /// Read the API secret from this file (`-` for stdin)
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<String>,
    /// Read the API passphrase / 2FA password from this file (`-` for stdin)
    #[arg(long, value_name = "PATH")]
    pub api_passphrase_file: Option<String>,
    /// Read key and secret from Kraken's kraken://apikey?key=...&secret=... URI in this file
    #[arg(long, value_name = "PATH", conflicts_with_all = ["key", "secret_file"])]
    pub kraken_uri_file: Option<String>,
    /// Read Kraken's key QR code from a screenshot (PNG or JPEG)
    #[arg(long, value_name = "IMAGE", conflicts_with_all = ["key", "secret_file", "kraken_uri_file"])]
    pub qr: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub label: String,
    /// Give the entry a new label
    #[arg(long, value_name = "NEW")]
    pub rename: Option<String>,
    #[arg(long, value_name = "P")]
    pub add_permission: Vec<String>,
    #[arg(long, value_name = "P")]
    pub remove_permission: Vec<String>,
    #[arg(long, value_name = "CIDR")]
    pub add_ip: Vec<String>,
    #[arg(long, value_name = "CIDR")]
    pub remove_ip: Vec<String>,
    #[arg(long, value_name = "APP")]
    pub add_used_by: Vec<String>,
    #[arg(long, value_name = "APP")]
    pub remove_used_by: Vec<String>,
    /// Replace the note (an empty string clears it)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Set the expiry date (`none` clears it)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
    /// Set the account reference (an empty string clears it)
    #[arg(long, value_name = "REF")]
    pub account: Option<String>,
    #[arg(long, value_enum)]
    pub status: Option<Status>,
    #[arg(long, value_name = "N")]
    pub key_version: Option<String>,
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

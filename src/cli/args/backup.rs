//! Arguments of the backup commands: export, import, print and restore.

use super::{Choice, InitArgs, NewPassphraseArgs, choice};
use clap::Args;
use keycellar::backup::agefile::{DEFAULT_MAX_WORK_FACTOR, HIGHEST_WORK_FACTOR};
use keycellar::backup::paper::pdf::Paper;
use keycellar::movein::Format;
use keycellar::source::InputSource;
use keycellar::vault::merge::OnConflict;
use std::path::PathBuf;

/// How to open an age-encrypted backup.
#[derive(Debug, Args)]
pub struct BackupUnlockArgs {
    /// An age identity file or SSH private key (repeat)
    #[arg(short, long = "identity", value_name = "FILE")]
    pub identities: Vec<PathBuf>,
    /// Read the backup passphrase from this file (`-` for stdin)
    #[arg(long, value_name = "PATH")]
    pub backup_passphrase_file: Option<InputSource>,
    /// Allow a passphrase-encrypted backup to ask for scrypt work up to this factor (each
    /// step doubles time and memory; 20 needs 1 GiB, 22 needs 4 GiB)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_WORK_FACTOR,
          value_parser = clap::value_parser!(u8).range(10..=HIGHEST_WORK_FACTOR as i64))]
    pub max_work_factor: u8,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output file (`-` for stdout); created 0600
    #[arg(short, long, value_name = "FILE", required_unless_present_any = ["format", "to"])]
    pub output: Option<PathBuf>,
    /// What to write: `age` (the default), or `keepass-xml`, the KeePass XML that
    /// `keepassxc-cli import` reads, in plain text: to standard output or a pipe only
    #[arg(long, value_name = "FORMAT", value_parser = choice::<ExportFormat>(),
          conflicts_with_all = ["recipients", "recipients_files", "passphrase", "armor", "to"])]
    pub format: Option<ExportFormat>,
    /// With --format keepass-xml: write to a regular file (0600) or a terminal too
    #[arg(long, requires = "format")]
    pub force_plaintext: bool,
    /// Hand one entry to a password manager instead: `export --to pass NAME LABEL` runs
    /// `pass insert -m NAME` with the entry on its standard input (--force replaces NAME)
    #[arg(long, value_name = "TOOL", value_parser = choice::<HandoffTool>(),
          conflicts_with_all = ["output", "recipients", "recipients_files", "passphrase", "armor"])]
    pub to: Option<HandoffTool>,
    /// An age recipient: age1..., age1tag1..., age1tagpq1..., a plugin's age1NAME1...,
    /// or an ssh-ed25519 / ssh-rsa public key (repeat)
    #[arg(short, long = "recipient", value_name = "RECIPIENT")]
    pub recipients: Vec<String>,
    /// A file of recipients, one a line, # comments allowed (repeat)
    #[arg(short = 'R', long = "recipients-file", value_name = "FILE")]
    pub recipients_files: Vec<PathBuf>,
    /// Encrypt to a passphrase (age scrypt) instead of recipients
    #[arg(long, conflicts_with_all = ["recipients", "recipients_files"])]
    pub passphrase: bool,
    /// Read the backup passphrase from this file (`-` for stdin)
    #[arg(long, value_name = "PATH", requires = "passphrase")]
    pub backup_passphrase_file: Option<InputSource>,
    #[command(flatten)]
    pub new_passphrase: NewPassphraseArgs,
    /// ASCII-armored output (always on when writing to a terminal)
    #[arg(short, long)]
    pub armor: bool,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
    /// Only these entries (with --to pass: NAME LABEL)
    pub labels: Vec<String>,
}

/// What `export --format` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Age,
    KeepassXml,
}

impl Choice for ExportFormat {
    fn all() -> &'static [Self] {
        &[ExportFormat::Age, ExportFormat::KeepassXml]
    }
    fn name(&self) -> &'static str {
        match self {
            ExportFormat::Age => "age",
            ExportFormat::KeepassXml => "keepass-xml",
        }
    }
}

/// The password managers `export --to` hands an entry to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandoffTool {
    Pass,
}

impl Choice for HandoffTool {
    fn all() -> &'static [Self] {
        &[HandoffTool::Pass]
    }
    fn name(&self) -> &'static str {
        "pass"
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export to read (armored or binary age); with --from, the source (`-` for stdin)
    pub file: PathBuf,
    /// Read keys from where a bot or a password manager keeps them instead of an export: a
    /// freqtrade config, a `.env` file, ccxt's keys.local.json, `keepassxc-cli export`'s XML,
    /// Bitwarden's JSON export, or `pass show`'s text
    #[arg(long, value_name = "FORMAT", value_parser = choice::<Format>(),
          conflicts_with_all = ["identities", "backup_passphrase_file"])]
    pub from: Option<Format>,
    /// With --from freqtrade or env: once the keys are in the vault, take them out of FILE
    /// (written back in place, its mode kept: a config's key, secret and password emptied,
    /// an env file's key lines removed) and print the `keycellar exec` line that runs the bot
    #[arg(long, requires = "from")]
    pub strip: bool,
    /// With --strip: keep the file as it was in FILE.bak (created 0600; never replaced)
    #[arg(long, requires = "strip")]
    pub backup: bool,
    #[command(flatten)]
    pub unlock: BackupUnlockArgs,
    #[command(flatten)]
    pub merge: MergeArgs,
}

/// How restored entries join a vault (shared by `import` and `restore`).
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Show what would change and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// What to do when a label is taken by a different key
    #[arg(long, value_parser = choice::<OnConflict>(), default_value = "refuse")]
    pub on_conflict: OnConflict,
    /// Create a new vault from the backup (restore on a new machine)
    #[arg(long)]
    pub init: bool,
    /// KDF settings for the new vault (with --init)
    #[command(flatten)]
    pub kdf: InitArgs,
}

#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The PDF to write (created 0600; `-` for stdout)
    #[arg(short, long, value_name = "FILE.pdf")]
    pub output: PathBuf,
    #[arg(long, value_parser = choice::<Paper>(), default_value = "a4")]
    pub paper: Paper,
    /// Encrypt the sheet to an age recipient instead of a passphrase (repeat)
    #[arg(short, long = "recipient", value_name = "RECIPIENT")]
    pub recipients: Vec<String>,
    /// A file of age recipients (repeat)
    #[arg(short = 'R', long = "recipients-file", value_name = "FILE")]
    pub recipients_files: Vec<PathBuf>,
    /// Read the sheet passphrase from this file (`-` for stdin)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["recipients", "recipients_files"])]
    pub backup_passphrase_file: Option<InputSource>,
    #[command(flatten)]
    pub new_passphrase: NewPassphraseArgs,
    /// Split the sheet key into N shares, any K of which restore it (2 <= K <= N <= 16),
    /// each printed as its own PDF (share-1-of-N.pdf, ...); no passphrase is involved
    #[arg(long, value_name = "K-of-N", value_parser = parse_split,
          conflicts_with_all = ["recipients", "recipients_files"])]
    pub split: Option<(u8, u8)>,
    /// With --split: also encrypt each share to a passphrase (asked, or
    /// --backup-passphrase-file), so that the holders of K shares cannot combine them alone
    #[arg(long, requires = "split")]
    pub share_passphrase: bool,
    /// Where the share PDFs go [default: the directory of the sheet]
    #[arg(long, value_name = "DIR", requires = "split")]
    pub share_dir: Option<PathBuf>,
    /// Pages of parity codes, so that any N lost pages of codes can be rebuilt (0 to 8)
    /// [default: 1 when the sheet has three or more pages of codes, else 0]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=8))]
    pub parity_pages: Option<u8>,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
    /// Only these entries
    pub labels: Vec<String>,
}

/// `3-of-5`: K and N with 2 <= K <= N <= 16.
fn parse_split(text: &str) -> Result<(u8, u8), String> {
    let max = keycellar::backup::paper::shares::MAX_SHARES;
    let (k, n) = text
        .split_once("-of-")
        .and_then(|(k, n)| Some((k.parse::<u8>().ok()?, n.parse::<u8>().ok()?)))
        .ok_or_else(|| {
            format!(
                "write it as K-of-N, e.g. 3-of-5, not {}",
                keycellar::untrusted::quoted(text)
            )
        })?;
    if 2 <= k && k <= n && n <= max {
        Ok((k, n))
    } else {
        Err(format!("K-of-N needs 2 <= K <= N <= {max}"))
    }
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Scans or photos of the pages (PNG or JPEG)
    #[arg(long, value_name = "SCAN", num_args = 1.., required_unless_present = "text")]
    pub image: Vec<PathBuf>,
    /// A typed copy of the sheet's lines (and of shares, for a split sheet; repeat)
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "image")]
    pub text: Vec<PathBuf>,
    /// Only these entries
    #[arg(long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,
    #[command(flatten)]
    pub unlock: BackupUnlockArgs,
    #[command(flatten)]
    pub merge: MergeArgs,
}

//! The commands: one variant each, with its help and the example every help ends with.

use super::*;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty vault
    #[command(after_help = examples::help("init", ""))]
    Init(InitArgs),
    /// Add an API key (the secret is asked for, or read from a file; never an argument)
    #[command(after_help = examples::help("add", &kraken_permissions()))]
    Add(Box<AddArgs>),
    /// List entries without secrets (active ones, unless --all or --status)
    #[command(after_help = examples::help("list", ""))]
    List(ListArgs),
    /// Show one entry; the secret only with --reveal
    #[command(after_help = examples::help("show", ""))]
    Show {
        label: String,
        /// Print the secret and API passphrase
        #[arg(long)]
        reveal: bool,
    },
    /// Print the code a Kraken key's authenticator shows now (keys with authenticator 2FA,
    /// whose seed was recorded with --otp-file or --otp-qr)
    #[command(after_help = examples::help("otp", ""))]
    Otp { label: String },
    /// Change an entry's metadata (never its key material)
    #[command(after_help = examples::help("edit", ""))]
    Edit(Box<EditArgs>),
    /// Remove an entry
    #[command(after_help = examples::help("remove", ""))]
    Remove {
        label: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Change the vault passphrase
    #[command(after_help = examples::help("passwd", ""))]
    Passwd {
        /// Read the new passphrase from this file (`-` for stdin)
        #[arg(long, value_name = "PATH", conflicts_with = "generate_passphrase")]
        new_passphrase_file: Option<InputSource>,
        /// New KDF settings (the vault's own are kept unless one is given)
        #[command(flatten)]
        settings: InitArgs,
    },
    /// The vault's keyslots: the passphrase, and age identities (an age or SSH key, a
    /// YubiKey, a TPM) that open it too
    #[command(
        subcommand,
        after_help = examples::help("slot", "")
    )]
    Slot(SlotCommand),
    /// Give the vault a new key, wrapped again to every keyslot (public keys only; asks
    /// the passphrase for the passphrase slot)
    #[command(after_help = examples::help("rekey", ""))]
    Rekey,
    /// Print the vault fingerprint, or one entry's
    #[command(after_help = examples::help("fingerprint", ""))]
    Fingerprint { label: Option<String> },
    /// Recompute fingerprints and compare them with what was recorded, written down, or
    /// held in a backup
    #[command(after_help = examples::help("verify", ""))]
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
    #[command(after_help = examples::help("export", ""))]
    Export(Box<ExportArgs>),
    /// Bring entries in from an export (into this vault, or a new one with --init), or
    /// keys from a bot's files with --from
    #[command(after_help = examples::help("import", ""))]
    Import(Box<ImportArgs>),
    /// Print a PDF paper backup: QR codes and a checked typeable copy, encrypted
    #[command(after_help = examples::help("print", ""))]
    Print(Box<PrintArgs>),
    /// Restore entries from a paper backup: scans or photos, or typed text
    #[command(after_help = examples::help("restore", ""))]
    Restore(Box<RestoreArgs>),
    /// Replace a key with a new one, keeping the old as `rotated` (back up first)
    #[command(after_help = examples::help("rotate", ""))]
    Rotate(Box<RotateArgs>),
    /// The keys that have held a label, newest first
    #[command(after_help = examples::help("history", ""))]
    History {
        label: String,
        /// Show what `exec --profile sign` signed and refused for the key instead (its
        /// journal: time, process, endpoint, digest of the body; never a secret)
        #[arg(long)]
        signatures: bool,
    },
    /// Vault fingerprint, entry counts, KDF settings, last export and print
    #[command(after_help = examples::help("status", ""))]
    Status,
    /// Findings that need attention; exit 8 when one is high severity
    #[command(after_help = examples::help("audit", ""))]
    Audit {
        /// Keys older than this many days are reported
        #[arg(long, default_value_t = 90, value_name = "N")]
        max_age_days: i64,
    },
    /// Run a command with a key in its environment (never on its command line)
    #[command(after_help = examples::help("exec", EXEC_VARIABLES))]
    Exec(Box<ExecArgs>),
    /// Unlock once: an agent that holds the vault key and answers commands until it locks
    #[command(subcommand, after_help = examples::help("agent", ""))]
    Agent(AgentCommand),
    /// Wipe the key of the agent serving this vault (it stays locked until started again)
    #[command(after_help = examples::help("lock", ""))]
    Lock,
    /// Make an age identity file (the age-keygen format) to receive exports, or print the
    /// recipient of one
    #[command(after_help = examples::help("keygen", ""))]
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
    #[command(after_help = examples::help("completions", ""))]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages (keycellar.1 and one per command) into a directory
    #[command(after_help = examples::help("man", ""))]
    Man {
        /// The directory to write into (created if missing)
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Report the process hardening in effect (for tests)
    #[command(hide = true)]
    HygieneCheck,
}

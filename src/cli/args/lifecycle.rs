//! Arguments of the key-lifecycle commands.

use super::{CredentialArgs, choice};
use clap::Args;
use keycellar::credential::exec::profiles::Profile;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RotateArgs {
    pub label: String,
    /// The new key
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// Why the key is rotated (e.g. scheduled, leaked)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Rotate even though the vault changed since its last export or print
    #[arg(long)]
    pub no_backup_check: bool,
    /// Permissions of the new key, by their names in keycellar's list for the exchange
    /// (default: the old key's)
    #[arg(long = "permission", value_name = "P")]
    pub permissions: Vec<String>,
    /// A permission of the new key that keycellar's list lacks, kept as given (repeat)
    #[arg(long = "permission-other", value_name = "TEXT")]
    pub permissions_other: Vec<String>,
    /// IP allow-list of the new key (default: the old key's)
    #[arg(long = "ip", value_name = "CIDR")]
    pub ips: Vec<String>,
    /// Expiry of the new key
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
    /// Note for the new key (default: the old key's)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Apps that use the new key (default: the old key's)
    #[arg(long = "used-by", value_name = "APP")]
    pub used_by: Vec<String>,
}

/// When `exec` starts its command again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Restart {
    /// Never: keycellar ends with the command
    No,
    /// When the command fails
    OnFailure,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The entries whose keys the command gets (several for a bot that trades on more
    /// than one exchange)
    #[arg(required_unless_present = "list_profiles", value_name = "LABEL")]
    pub labels: Vec<String>,
    /// Where the command reads its keys: env (default), ccxt, freqtrade, json-fd, or sign
    /// (no secret: keycellar signs the command's requests over a socket)
    #[arg(long, value_parser = choice::<Profile>(), default_value = "env")]
    pub profile: Profile,
    /// With --profile sign: the signing policy file (docs/SIGNING.md) narrowing what each
    /// key may sign
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// With --profile sign: let the keys sign requests that move funds out (withdrawals,
    /// transfers), refused by default
    #[arg(long)]
    pub allow_withdraw: bool,
    /// With --profile sign: start the bot even though an unlocked agent is running, which
    /// the bot (any process of yours) could ask for the vault's secrets (docs/SIGNING.md)
    #[arg(long)]
    pub beside_agent: bool,
    /// List the profiles and what each hands the command
    #[arg(long, conflicts_with_all = ["labels", "command"])]
    pub list_profiles: bool,
    /// Set NAME to a field (api_key, secret, api_passphrase, label, account_ref) instead of
    /// the profile's variables (one LABEL only; repeat)
    #[arg(long = "env", value_name = "NAME=FIELD", conflicts_with = "profile")]
    pub env: Vec<String>,
    /// Hand out a key that is revoked, rotated or past its expiry date
    #[arg(long)]
    pub allow_inactive: bool,
    /// Let other `exec --shared` runs use the key at the same time (by default a key runs
    /// one command at a time: two processes signing with one key break its nonces)
    #[arg(long)]
    pub shared: bool,
    /// Pass the command's output straight through (by default secrets in it are masked)
    #[arg(long)]
    pub no_masking: bool,
    /// Start the command again when it fails (exits non-zero, or a signal keycellar did not
    /// pass on ends it), after 1 s, 2 s, 4 s ... up to a minute, holding the key meanwhile
    #[arg(long, value_enum, default_value = "no", value_name = "WHEN")]
    pub restart: Restart,
    /// With --restart on-failure: give up after N restarts and exit with the last code
    #[arg(long, value_name = "N")]
    pub max_restarts: Option<u32>,
    /// The command and its arguments
    #[arg(
        last = true,
        required_unless_present = "list_profiles",
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

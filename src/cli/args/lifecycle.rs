//! Arguments of the key-lifecycle commands.

use super::CredentialArgs;
use clap::Args;

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

#[derive(Debug, Args)]
pub struct ExecArgs {
    pub label: String,
    /// Set NAME to a field (api_key, secret, api_passphrase, label, account_ref) instead of the defaults (repeat)
    #[arg(long = "env", value_name = "NAME=FIELD")]
    pub env: Vec<String>,
    /// Hand out a key that is revoked, rotated or past its expiry date
    #[arg(long)]
    pub allow_inactive: bool,
    /// The command and its arguments
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

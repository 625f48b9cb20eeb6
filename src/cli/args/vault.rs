//! Arguments of the vault commands: init, add (and the credential sources it shares with
//! rotate), edit, and list's filters.

use super::choice;
use clap::Args;
use keycellar::credential::entry::Status;
use keycellar::credential::exchange::Exchange;
use keycellar::kdf::KdfRequest;
use keycellar::source::InputSource;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Calibrate Argon2id's passes to take about this long (at least 3 passes; memory is
    /// never reduced to meet it) [default: 1000]
    #[arg(long, value_name = "MS", conflicts_with = "kdf_time")]
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
    #[command(flatten)]
    pub passphrase: NewPassphraseArgs,
}

impl InitArgs {
    /// The KDF settings asked for.
    pub fn kdf_request(&self) -> KdfRequest {
        KdfRequest {
            memory_mib: self.kdf_memory,
            time: self.kdf_time,
            parallelism: self.kdf_parallelism,
            target_ms: self.kdf_target_ms,
        }
    }

    /// True when any KDF setting was given.
    pub fn kdf_given(&self) -> bool {
        self.kdf_target_ms.is_some()
            || self.kdf_memory.is_some()
            || self.kdf_time.is_some()
            || self.kdf_parallelism.is_some()
    }
}

/// How a new passphrase is chosen (init, passwd, export, print, import/restore --init).
#[derive(Debug, Args)]
pub struct NewPassphraseArgs {
    /// Make the new passphrase from random words (EFF large list) and show it once on the
    /// terminal; keycellar never writes it anywhere
    #[arg(long)]
    pub generate_passphrase: bool,
    /// Words in a generated passphrase (4 to 16; 12.9 bits each) [default: 6]
    #[arg(long, value_name = "N", requires = "generate_passphrase")]
    pub words: Option<usize>,
    /// Accept a new passphrase that costs less than keycellar's floor to guess
    #[arg(long)]
    pub allow_weak_passphrase: bool,
}

impl NewPassphraseArgs {
    /// True when any of these flags was given.
    pub fn given(&self) -> bool {
        self.generate_passphrase || self.allow_weak_passphrase
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Your name for the key, e.g. kraken-grid-bot
    #[arg(required_unless_present = "from_json")]
    pub label: Option<String>,
    #[arg(long, value_parser = choice::<Exchange>())]
    pub exchange: Option<Exchange>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// Add one entry, or a JSON list of entries, from this file (`-` for stdin)
    #[arg(long, value_name = "PATH", conflicts_with_all = [
        "label", "exchange", "key", "secret_file", "api_passphrase_file", "kraken_uri_file", "qr",
        "otp_file", "otp_qr"
    ])]
    pub from_json: Option<InputSource>,
    /// KuCoin API key version
    #[arg(long, value_name = "N")]
    pub key_version: Option<String>,
    /// Account reference (Kraken IIBAN, customer id, ...)
    #[arg(long, value_name = "REF")]
    pub account: Option<String>,
    /// A permission the key has, by its name in keycellar's list for the exchange (repeat)
    #[arg(long = "permission", value_name = "P")]
    pub permissions: Vec<String>,
    /// A permission keycellar's list lacks, kept as given (repeat)
    #[arg(long = "permission-other", value_name = "TEXT")]
    pub permissions_other: Vec<String>,
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
    pub secret_file: Option<InputSource>,
    /// Read the API passphrase / 2FA password from this file (`-` for stdin)
    #[arg(long, value_name = "PATH")]
    pub api_passphrase_file: Option<InputSource>,
    /// Read key and secret from Kraken's kraken://apikey?key=...&secret=... URI in this file
    #[arg(long, value_name = "PATH", conflicts_with_all = ["key", "secret_file"])]
    pub kraken_uri_file: Option<InputSource>,
    /// Read Kraken's key QR code from a screenshot (PNG or JPEG)
    #[arg(long, value_name = "IMAGE", conflicts_with_all = ["key", "secret_file", "kraken_uri_file"])]
    pub qr: Option<PathBuf>,
    /// Kraken key with authenticator 2FA: read the authenticator's seed (its setup key, or
    /// its otpauth://totp/ URI) from this file (`-` for stdin)
    #[arg(long, value_name = "PATH")]
    pub otp_file: Option<InputSource>,
    /// Kraken key with authenticator 2FA: read the authenticator's QR code (otpauth://) from
    /// a screenshot (PNG or JPEG)
    #[arg(long, value_name = "IMAGE", conflicts_with = "otp_file")]
    pub otp_qr: Option<PathBuf>,
}

impl CredentialArgs {
    /// The first part read from standard input, named as an error message names it.
    pub fn stdin_part(&self) -> Option<&'static str> {
        let parts = [
            (&self.secret_file, "API secret"),
            (&self.api_passphrase_file, "API passphrase"),
            (&self.kraken_uri_file, "Kraken key URI"),
            (&self.otp_file, "authenticator seed"),
        ];
        parts
            .into_iter()
            .find(|(source, _)| matches!(source, Some(InputSource::Stdin)))
            .map(|(_, name)| name)
    }
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub label: String,
    /// Give the entry a new label
    #[arg(long, value_name = "NEW")]
    pub rename: Option<String>,
    /// Add a permission, by its name in keycellar's list for the exchange (repeat)
    #[arg(long, value_name = "P")]
    pub add_permission: Vec<String>,
    /// Add a permission keycellar's list lacks, kept as given (repeat)
    #[arg(long, value_name = "TEXT")]
    pub add_permission_other: Vec<String>,
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
    #[arg(long, value_parser = choice::<Status>())]
    pub status: Option<Status>,
    #[arg(long, value_name = "N")]
    pub key_version: Option<String>,
}

/// Which entries `list` shows (every filter given must hold).
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only keys of this exchange
    #[arg(long, value_parser = choice::<Exchange>())]
    pub exchange: Option<Exchange>,
    /// Only entries with this status (by default: active)
    #[arg(long, value_parser = choice::<Status>())]
    pub status: Option<Status>,
    /// Only keys a bot of this name uses (as recorded with --used-by)
    #[arg(long, value_name = "BOT")]
    pub used_by: Option<String>,
    /// Only keys with this permission, as recorded or as what it lets a key do (read,
    /// trade, funds, withdraw)
    #[arg(long, value_name = "PERMISSION")]
    pub permission: Option<String>,
    /// Every entry, rotated, revoked and expired ones too
    #[arg(long, conflicts_with = "status")]
    pub all: bool,
}

impl ListArgs {
    /// The library's filter. `--json` without a filter lists every entry, as it always has:
    /// scripts read the whole vault.
    pub fn filter(&self, json: bool) -> keycellar::ops::ListFilter {
        let unfiltered = self.exchange.is_none()
            && self.status.is_none()
            && self.used_by.is_none()
            && self.permission.is_none();
        keycellar::ops::ListFilter {
            exchange: self.exchange,
            status: self.status,
            used_by: self.used_by.clone(),
            permission: self.permission.clone(),
            all: self.all || (json && unfiltered),
        }
    }
}

//! Arguments of the keyslot commands (docs/FORMAT.md section 1.2.1).

use crate::cli::examples;
use clap::{ArgGroup, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SlotCommand {
    /// List the keyslots: the passphrase slot and each age slot, with kind and name
    #[command(after_help = examples::help("slot list", ""))]
    List,
    /// Add an age keyslot from a public recipient (a spare token need not be present)
    #[command(
        group(ArgGroup::new("who").required(true).args(["recipient", "recipients_file"])),
        after_help = examples::help("slot add", "")
    )]
    Add {
        /// An age recipient: age1..., ssh-ed25519 / ssh-rsa, age1tag1... (TPM), or a
        /// plugin's age1NAME1...
        #[arg(
            short,
            long,
            value_name = "RECIPIENT",
            conflicts_with = "recipients_file"
        )]
        recipient: Option<String>,
        /// A recipients file (one a line, `#` comments): one slot for each
        #[arg(short = 'R', long, value_name = "FILE")]
        recipients_file: Option<PathBuf>,
        /// The slot's name [default: its kind and a number, e.g. yubikey-1]
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Remove a keyslot (never the last that opens without hardware)
    #[command(after_help = examples::help("slot remove", ""))]
    Remove {
        /// The slot's name, as `slot list` shows it
        name: String,
    },
}

//! keycellar: an offline, encrypted vault for cryptocurrency-exchange API keys.
//!
//! The library holds all logic; the `keycellar` binary only parses arguments and prints.
//! Modules, from the bytes up:
//!
//! - [`crypto`]: XChaCha20-Poly1305, SHA-256 and randomness behind a byte-level API.
//! - [`kdf`]: Argon2id parameters, reader bounds and calibration.
//! - [`format`]: the vault file layout (docs/FORMAT.md) and its integrity checks.
//! - [`entry`], [`validate`], [`fingerprint`]: the credential schema, its per-exchange
//!   checks and the fingerprints that prove a key intact.
//! - [`store`]: durable files: lock, atomic save, generations, 0600 permissions.
//! - [`vault`]: create, open, change and save a vault, tying the above together;
//!   [`payload`]: the document sealed inside it; [`backup_log`]: its record of exports
//!   and prints.
//! - [`agefile`]: age encryption of backups (recipients, identities, passphrase);
//!   [`export`]: the JSON document inside an export; [`merge`]: import plans and
//!   backup-versus-vault comparison; [`paper`]: printed backups and restoring from them.
//! - [`lifecycle`]: rotation and history; [`audit`]: findings that need attention.
//! - [`input`]: reading passphrases and secrets from a terminal, a file or stdin, and
//!   Kraken's key URI.
//! - [`hygiene`]: process hardening (no core dumps).
//! - [`error`], [`secret`]: typed errors with exit codes; zeroizing secret holders.

pub mod agefile;
pub mod audit;
pub mod backup_log;
pub mod crypto;
pub mod entry;
pub mod error;
pub mod export;
pub mod fingerprint;
pub mod format;
pub mod hygiene;
pub mod input;
pub mod kdf;
pub mod lifecycle;
pub mod merge;
pub mod paper;
pub mod payload;
pub mod secret;
pub mod store;
pub mod validate;
pub mod vault;

pub use error::{Error, Result};

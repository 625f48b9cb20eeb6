//! One exchange key and what keycellar knows about it: the entry schema, per-exchange shape
//! checks, fingerprints, rotation and history, Kraken's key URI and API-key 2FA, and values
//! pasted in the wrong place. The audit of a whole vault is a use case above the vault (`ops::audit`).

pub mod details;
pub mod entry;
pub mod exchange;
pub mod exec;
pub mod expiry;
pub mod fingerprint;
pub mod kraken_uri;
pub mod lifecycle;
pub mod otp;
pub mod paste;
pub mod validate;

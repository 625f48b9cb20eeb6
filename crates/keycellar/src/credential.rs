//! One exchange key and what keycellar knows about it: the entry schema, per-exchange shape
//! checks, fingerprints, rotation and history, the audit rules, and Kraken's key URI.

pub mod audit;
pub mod details;
pub mod entry;
pub mod exchange;
pub mod exec;
pub mod fingerprint;
pub mod kraken_uri;
pub mod lifecycle;
pub mod validate;

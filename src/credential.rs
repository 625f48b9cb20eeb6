//! One exchange key and what keycellar knows about it: the entry schema, per-exchange shape
//! checks, fingerprints, rotation and history, and the audit rules.

pub mod audit;
pub mod entry;
pub mod fingerprint;
pub mod lifecycle;
pub mod validate;

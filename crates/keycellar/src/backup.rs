//! Copies that leave the vault: age encryption (`agefile`), the export document
//! (`export`), import plans and comparisons (`merge`), and printed sheets (`paper`).

pub mod agefile;
pub mod export;
pub mod merge;
pub mod paper;

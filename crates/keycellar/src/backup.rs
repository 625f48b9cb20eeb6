//! Copies that leave the vault: age encryption (`agefile`), the export document
//! (`export`), and printed sheets (`paper`). How their entries join a vault (import plans
//! and comparisons) is the vault's `merge`.

pub mod agefile;
pub mod export;
pub mod paper;

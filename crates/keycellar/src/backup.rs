//! Copies that leave the vault: age encryption (`agefile`), the export document
//! (`export`), printed sheets (`paper`), and keys handed to a password manager (`handoff`:
//! KeePass XML and `pass` entries). How their entries join a vault (import plans
//! and comparisons) is the vault's `merge`.

pub mod agefile;
pub mod export;
pub mod handoff;
pub mod paper;

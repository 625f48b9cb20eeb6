//! What every command needs from the global options: the vault path, the passphrase source,
//! output mode, and opening the vault (with retries after a mistyped passphrase).

use super::ui;
use keycellar::error::{Error, Result};
use keycellar::input;
use keycellar::secret::Secret;
use keycellar::vault::Vault;
use std::path::PathBuf;
use std::time::Duration;

const PASSPHRASE_ATTEMPTS: u32 = 3;

/// What every command needs from the global options.
pub struct Context {
    pub vault: PathBuf,
    pub passphrase_file: Option<String>,
    pub json: bool,
    pub lock_timeout: Duration,
}

impl Context {
    pub fn passphrase(&self) -> Result<Secret> {
        match &self.passphrase_file {
            Some(source) => input::passphrase_from(source),
            None => input::prompt_hidden("Vault passphrase: ", "the vault passphrase"),
        }
    }

    /// Opens the vault, asking again (up to three times) after a mistyped passphrase.
    fn open_with(&self, open: impl Fn(&Secret) -> Result<Vault>) -> Result<Vault> {
        if !self.vault.exists() {
            return Err(Error::VaultNotFound {
                path: self.vault.clone(),
            });
        }
        let mut attempt = 1;
        loop {
            let passphrase = self.passphrase()?;
            let result =
                ui::with_spinner("Deriving the vault key (Argon2id)", || open(&passphrase));
            match result {
                Err(Error::WrongPassphrase { .. })
                    if self.passphrase_file.is_none() && attempt < PASSPHRASE_ATTEMPTS =>
                {
                    ui::warn("wrong passphrase, try again");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    pub fn open(&self) -> Result<Vault> {
        self.open_with(|p| Vault::open(&self.vault, p))
    }

    pub fn open_for_change(&self) -> Result<Vault> {
        self.open_with(|p| Vault::open_for_change(&self.vault, p, self.lock_timeout))
    }
}

pub fn default_vault_path() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join("keycellar").join("vault.kc"))
        .ok_or_else(|| Error::Usage("there is no platform data directory; give --vault".into()))
}

/// Refuses invocations where two inputs would both read standard input.
pub fn check_single_stdin(sources: &[Option<&String>]) -> Result<()> {
    let readers = sources
        .iter()
        .flatten()
        .filter(|s| s.as_str() == "-")
        .count();
    if readers > 1 {
        return Err(Error::Usage(
            "only one input can come from standard input (`-`); put the others in files".into(),
        ));
    }
    Ok(())
}

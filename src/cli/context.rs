//! What every command needs from the global options: the vault path, the passphrase source,
//! output mode; unlocking the vault (the command line's [`Unlock`], with retries after a
//! mistyped passphrase) in the one place commands open vaults, and the passphrase and KDF
//! settings of a new vault.

use super::args::InitArgs;
use super::new_passphrase::{self, Purpose, Request};
use super::prompt::{self, Asked, TerminalPrompts};
use super::report::{Failure, Result};
use super::ui;
use keycellar::Error;
use keycellar::agent::{self, Fallback};
use keycellar::backup::agefile::{Identities, SlotIdentities};
use keycellar::error::VaultError;
use keycellar::kdf::{KdfParams, KdfRequest};
use keycellar::ops::{LocalSession, Reply, Session, VaultRequest};
use keycellar::passphrase::NewPassphrase;
use keycellar::passphrase::cost::Kdf;
use keycellar::secret::Secret;
use keycellar::source::InputSource;
use keycellar::vault::{LockedVault, Unlock, Vault, VaultHeader, VaultKey};
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

const PASSPHRASE_ATTEMPTS: u32 = 3;

/// What every command needs from the global options.
pub struct Context {
    pub vault: PathBuf,
    pub passphrase_source: Option<InputSource>,
    pub json: bool,
    pub lock_timeout: Duration,
    /// `--no-agent`: never ask an agent.
    pub no_agent: bool,
    /// `--identity` (or `KEYCELLAR_IDENTITY`): open through an age keyslot with it.
    pub identity: Option<PathBuf>,
    /// The vault key and its keyslot once a passphrase opened the vault, so that a command
    /// that runs several requests (check, ask, change) asks and derives once.
    pub unlocked: RefCell<Option<KeptKey>>,
    /// Set once the agent could not be reached or did not answer in time: the command's
    /// later requests run here at once, so that one stopped agent costs a command its
    /// patience once, not once per request.
    pub agent_unreachable: Cell<bool>,
}

/// A vault key and the keyslot bytes it came from.
pub type KeptKey = (Zeroizing<[u8; 32]>, Vec<u8>);

impl Context {
    /// The same options, opening through `identity` when one is given.
    pub fn with_identity(&self, identity: Option<PathBuf>) -> Context {
        Context {
            vault: self.vault.clone(),
            passphrase_source: self.passphrase_source.clone(),
            json: self.json,
            lock_timeout: self.lock_timeout,
            no_agent: self.no_agent,
            identity: identity.or_else(|| self.identity.clone()),
            unlocked: Default::default(),
            agent_unreachable: Cell::new(self.agent_unreachable.get()),
        }
    }

    /// The vault passphrase, from its source or the terminal.
    pub fn passphrase(&self) -> Result<Secret> {
        match &self.passphrase_source {
            Some(source) => prompt::passphrase_from(source, "vault passphrase"),
            None => prompt::hidden(
                "Vault passphrase: ",
                Asked::by("the vault passphrase", "--passphrase-file"),
            ),
        }
    }

    /// The one place the command line opens vaults: `open` gets the terminal's way to
    /// unlock, and a failure to get a passphrase is reported as what it was.
    fn open_with<T>(
        &self,
        open: impl FnOnce(&mut dyn Unlock) -> keycellar::Result<T>,
    ) -> Result<T> {
        if !self.vault.exists() {
            return Err(Error::Vault(VaultError::VaultNotFound {
                path: self.vault.clone(),
            })
            .into());
        }
        if let Some(identity) = &self.identity {
            let mut identities = Identities::with_prompts(Arc::new(TerminalPrompts::default()));
            identities.add_file(identity)?;
            // A plugin's question that got no answer is reported as the plugin being
            // cancelled, its own kind, whether or not there was a terminal to ask on.
            return Ok(open(&mut SlotIdentities(&identities))?);
        }
        let mut unlock = TerminalUnlock {
            context: self,
            accepted: None,
            failure: None,
        };
        let opened = open(&mut unlock);
        match unlock.failure {
            Some(failure) => Err(failure),
            None => Ok(opened?),
        }
    }

    /// For `rekey`: the vault opened to change it, and the passphrase that re-wraps its
    /// passphrase slot (the one that opened it, or asked for when an identity did).
    pub fn open_for_rekey(&self) -> Result<(LockedVault, Option<Secret>)> {
        if self.identity.is_some() {
            let vault = self.open_for_change()?;
            let passphrase = match vault.kdf_params().is_empty() {
                true => None,
                false => Some(self.passphrase()?),
            };
            return Ok((vault, passphrase));
        }
        let mut unlock = TerminalUnlock {
            context: self,
            accepted: None,
            failure: None,
        };
        let opened = Vault::open_for_change(&self.vault, &mut unlock, self.lock_timeout);
        match unlock.failure {
            Some(failure) => Err(failure),
            None => Ok((opened?, unlock.accepted)),
        }
    }

    /// THE AGENT SEAM: runs `request` in the agent serving this vault when one is
    /// unlocked for it (same vault id and file) and `--no-agent` is not given. `None`: no
    /// such agent, and the command opens the vault itself (with `--verbose`, a note says
    /// why). A failure the agent answered is this command's failure, with its kind and
    /// exit code; a reply of another kind than asked is the agent's protocol error.
    fn through_agent<R: Reply>(&self, request: &VaultRequest) -> Result<Option<R>> {
        if self.no_agent || self.agent_unreachable.get() {
            return Ok(None);
        }
        let explicit = explicit_socket();
        let asked = agent::run(
            &self.vault,
            runtime_dir().as_deref(),
            explicit.as_deref(),
            request,
        )?;
        match asked {
            Ok(reply) => Ok(Some(reply)),
            Err(Fallback::NoAgent) => Ok(None),
            Err(Fallback::Declined(refusal)) => {
                if ui::is_verbose() {
                    ui::note(&format!("not using the agent: {}", refusal.message_shown()));
                }
                Ok(None)
            }
            Err(Fallback::Unreachable(error)) => {
                ui::warn(&format!("not using the agent: {error}"));
                self.agent_unreachable.set(true);
                Ok(None)
            }
        }
    }

    /// Wipes the vault key kept for later requests where it lies (moving the context to
    /// drop it would leave the bytes in the frame it moved from).
    pub fn forget_key(&self) {
        if let Some((key, _)) = self.unlocked.borrow_mut().as_mut() {
            zeroize::Zeroize::zeroize(&mut **key);
        }
    }

    /// For `agent start`: unlocks as every command does and opens the payload once (so a
    /// wrong passphrase fails here), and returns the vault key with the keyslot it came
    /// from. The vault itself is dropped (and wiped) at once.
    pub fn unlock_for_agent(&self) -> Result<(Zeroizing<[u8; 32]>, Vec<u8>)> {
        let mut kept = None;
        self.open_with(|unlock| {
            let mut keeping = KeepingUnlock {
                inner: unlock,
                kept: &mut kept,
            };
            Vault::open(&self.vault, &mut keeping).map(drop)
        })?;
        kept.ok_or_else(|| Error::Internal("the vault opened without a key".into()).into())
    }

    /// Opens the vault to read it here, never through an agent: for what an agent does not
    /// serve (the keyslots, which only a command that proves it can open the vault lists).
    pub fn open(&self) -> Result<Vault> {
        self.open_with(|unlock| Vault::open(&self.vault, unlock))
    }

    /// Opens the vault to change it, holding its lock.
    pub fn open_for_change(&self) -> Result<LockedVault> {
        self.open_with(|unlock| Vault::open_for_change(&self.vault, unlock, self.lock_timeout))
    }

    /// The passphrase (asked twice, or read from its source) and the KDF parameters
    /// (calibrated, or as given) for a new vault.
    pub fn new_vault_settings(&self, args: &InitArgs) -> Result<(NewPassphrase, KdfParams)> {
        // The settings come first: what a guess costs depends on them.
        let params = resolve_kdf(&args.kdf_request())?;
        let request = Request {
            source: self.passphrase_source.as_ref(),
            args: &args.passphrase,
            purpose: Purpose::Vault,
            flag: "--passphrase-file",
        };
        let passphrase = new_passphrase::choose(request, Kdf::from(&params))?;
        Ok((passphrase, params))
    }
}

/// Where the command line runs vault requests (`ctx.run`, `ctx.change` with the
/// `--lock-timeout` wait), and so the library's use cases too.
impl Session for Context {
    type Error = Failure;

    /// In the agent unlocked for this vault when there is one (the agent runs the same
    /// `ops::run_at`), else in a session that opens the vault here; the reply is the kind
    /// `R` the request gives.
    fn run<R: Reply>(&self, request: VaultRequest) -> Result<R> {
        if let Some(reply) = self.through_agent(&request)? {
            return Ok(reply);
        }
        self.open_with(|unlock| LocalSession::new(&self.vault, unlock).run(request))
    }

    fn vault(&self) -> &Path {
        &self.vault
    }

    fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }
}

/// The command line's way to unlock a vault: the passphrase from its source or the
/// terminal, asked again (three tries in all) after a mistyped one, with a spinner while
/// Argon2id runs.
struct TerminalUnlock<'a> {
    context: &'a Context,
    /// The passphrase that opened the vault. When the vault changed before its lock was
    /// taken, it is tried again without asking (a passphrase read from a descriptor cannot
    /// be read twice).
    accepted: Option<Secret>,
    /// Why no passphrase was had, reported instead of the library's error.
    failure: Option<Failure>,
}

impl Unlock for TerminalUnlock<'_> {
    fn unlock(&mut self, path: &Path, header: &VaultHeader) -> keycellar::Result<VaultKey> {
        let kept = self.context.unlocked.borrow();
        if let Some(key) = kept
            .as_ref()
            .and_then(|(k, s)| VaultKey::from_parts(k.clone(), s))
        {
            return Ok(key);
        }
        drop(kept);
        let key = self.derive(path, header)?;
        *self.context.unlocked.borrow_mut() = Some((Zeroizing::new(*key.expose()), key.keyslot()));
        Ok(key)
    }
}

impl TerminalUnlock<'_> {
    fn derive(&mut self, path: &Path, header: &VaultHeader) -> keycellar::Result<VaultKey> {
        let derive = |passphrase: &Secret| {
            ui::with_spinner("Deriving the vault key (Argon2id)", || {
                header.unlock_with_passphrase(path, passphrase)
            })
        };
        if let Some(accepted) = &self.accepted {
            return derive(accepted);
        }
        let mut attempt = 1;
        loop {
            let passphrase = match self.context.passphrase() {
                Ok(passphrase) => passphrase,
                Err(failure) => {
                    self.failure = Some(failure);
                    let path = path.to_path_buf();
                    return Err(Error::Vault(VaultError::NotUnlocked { path }));
                }
            };
            match derive(&passphrase) {
                Err(Error::Vault(VaultError::WrongPassphrase { .. }))
                    if self.context.passphrase_source.is_none()
                        && attempt < PASSPHRASE_ATTEMPTS =>
                {
                    prompt::tell("Wrong passphrase, try again.");
                    attempt += 1;
                }
                Ok(key) => {
                    self.accepted = Some(passphrase);
                    return Ok(key);
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Passes unlocking on, and keeps a copy of the key it gave and the keyslot it came from.
struct KeepingUnlock<'a> {
    inner: &'a mut dyn Unlock,
    kept: &'a mut Option<(Zeroizing<[u8; 32]>, Vec<u8>)>,
}

impl Unlock for KeepingUnlock<'_> {
    fn unlock(&mut self, path: &Path, header: &VaultHeader) -> keycellar::Result<VaultKey> {
        let key = self.inner.unlock(path, header)?;
        *self.kept = Some((Zeroizing::new(*key.expose()), key.keyslot()));
        Ok(key)
    }
}

/// The user's base directory, where agents' sockets and run locks live: found from the uid,
/// not the environment (`keycellar::vault::runtime_dir::user_base`).
pub fn runtime_dir() -> Option<PathBuf> {
    keycellar::vault::runtime_dir::user_base()
}

/// `$KEYCELLAR_AGENT_SOCK`, the agent to ask, when set.
pub fn explicit_socket() -> Option<PathBuf> {
    std::env::var_os(agent::SOCKET_VARIABLE)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

/// KDF parameters from a request, measuring this machine (with a spinner) when the passes
/// are not given, with a note saying what was chosen and why; a warning when they are below
/// the recommended memory.
pub fn resolve_kdf(request: &KdfRequest) -> Result<KdfParams> {
    let chosen = if request.time.is_none() {
        ui::with_spinner("Measuring this machine to tune Argon2id", || {
            request.resolve()
        })?
    } else {
        request.resolve()?
    };
    let params = chosen.params;
    if chosen.measured.is_some() {
        ui::note(&format!("{}: {}.", params.describe(), chosen.explain()));
    }
    if params.below_recommended() {
        ui::warn(&format!(
            "{} is below the recommended 64 MiB; use such settings only for tests",
            params.describe()
        ));
    }
    Ok(params)
}

/// keycellar/vault.kc in the platform data directory.
pub fn default_vault_path() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join("keycellar").join("vault.kc"))
        .ok_or_else(|| Failure::Usage("there is no platform data directory; give --vault".into()))
}

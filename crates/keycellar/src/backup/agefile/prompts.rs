//! What age plugins, encrypted SSH keys and passphrase-encrypted backups may ask a person,
//! answered by the front end.

use crate::secret::Secret;
use crate::untrusted::escaped;
use age::secrecy::SecretString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What age plugins, encrypted SSH keys and passphrase-encrypted backups may ask of a
/// person. The command line answers on the terminal (or from a passphrase file); another
/// front end answers its own way. Every question is declined unless answered (`None`: the
/// step that asked fails, and the front end says why), so a front end implements only
/// what it can ask, and [`NoPrompts`] nothing.
pub trait Prompts: Send + Sync {
    /// Shows a message (e.g. "touch your hardware key").
    fn message(&self, _text: &str) {}
    /// Asks a yes/no question; `None` when it cannot be asked.
    fn confirm(&self, _question: &str, _yes: &str, _no: Option<&str>) -> Option<bool> {
        None
    }
    /// Asks for a value that is not secret.
    fn public_value(&self, _description: &str) -> Option<String> {
        None
    }
    /// Asks for a secret (a key's passphrase or PIN).
    fn secret_value(&self, _description: &str) -> Option<Secret> {
        None
    }
    /// The passphrase of the passphrase-encrypted backup `backup` (an export, a sheet key,
    /// a share), asked only when such a file is met and at most once per [`Identities`].
    ///
    /// [`Identities`]: super::Identities
    fn backup_passphrase(&self, _backup: &str) -> Option<Secret> {
        None
    }
}

/// Declines every question: for identities that never ask (a paper sheet's own key).
pub struct NoPrompts;

impl Prompts for NoPrompts {}

/// age wants its callbacks by value and cloneable; this carries shared [`Prompts`], and
/// notes when a question got no answer (a plugin then fails because it was cancelled).
#[derive(Clone)]
pub(super) struct Callbacks(pub(super) Arc<dyn Prompts>, pub(super) Arc<AtomicBool>);

impl Callbacks {
    pub(super) fn new(prompts: Arc<dyn Prompts>) -> Self {
        Callbacks(prompts, Arc::default())
    }

    /// Notes an unanswered question, and passes the answer on.
    fn noted<T>(&self, answer: Option<T>) -> Option<T> {
        if answer.is_none() {
            self.1.store(true, Ordering::SeqCst);
        }
        answer
    }
}

/// What a plugin sends is a program's text from outside (and may repeat what a hostile
/// header put in a stanza): every string reaches the front end with its control and
/// invisible characters escaped, as other untrusted text is.
impl age::Callbacks for Callbacks {
    fn display_message(&self, message: &str) {
        self.0.message(&escaped(message));
    }

    fn confirm(&self, message: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        let no = no.map(escaped);
        self.noted(
            self.0
                .confirm(&escaped(message), &escaped(yes), no.as_deref()),
        )
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        self.noted(self.0.public_value(&escaped(description)))
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        self.noted(self.0.secret_value(&escaped(description)))
            .map(|s| SecretString::from(s.expose().to_string()))
    }
}

//! A key rotated in one call, [`rotate`]: the rules that need no new key are checked first
//! (the label's entry exists and is active, its key is in a backup unless the plan says to
//! go ahead without, the permissions are ones its exchange knows), so that a refusal comes
//! before anyone types a new key; then the front end is asked for the new key of that
//! exchange; then the rotation is made under the vault's lock, which checks everything
//! again.

use super::change::ChangeRequest;
use super::reply;
use super::request::VaultRequest;
use super::session::Session;
use crate::clock::Date;
use crate::credential::exchange::Exchange;
use crate::credential::lifecycle::{NewKey, Replacement};
use crate::error::Error;

/// A rotation to make: what changes with the new key. Lists left empty and a note left
/// `None` are inherited from the old key.
pub struct RotatePlan {
    pub label: String,
    /// Permissions the exchange must know.
    pub permissions: Vec<String>,
    /// Permissions added without that check, on purpose.
    pub permissions_other: Vec<String>,
    pub ip_allowlist: Vec<String>,
    pub expires: Option<Date>,
    pub notes: Option<String>,
    pub used_by: Vec<String>,
    /// Why the key was rotated, kept in the old entry.
    pub reason: Option<String>,
    /// Rotates even though the old key is in no backup as it is now.
    pub unbacked: bool,
}

/// What a rotation asks its front end for, once the rules allow it.
pub trait RotatePrompts {
    type Error: From<Error>;

    /// The new key, of `exchange` (the rotated entry's).
    fn new_key(&self, exchange: Exchange) -> Result<NewKey, Self::Error>;
}

/// Rotates the key `plan` names to the one `prompts` gives; the old and new entries as
/// they are now, with what the rotation warns of.
pub fn rotate<S: Session>(
    session: &S,
    plan: RotatePlan,
    prompts: &dyn RotatePrompts<Error = S::Error>,
) -> Result<reply::Rotated, S::Error> {
    let check = VaultRequest::Rotatable {
        label: plan.label.clone(),
        permissions: plan.permissions.clone(),
        unbacked: plan.unbacked,
    };
    let reply::Rotatable { exchange } = session.run(check)?;
    let key = prompts.new_key(exchange)?;
    let replacement = Replacement {
        api_key: key.api_key,
        secret: key.secret,
        api_passphrase: key.api_passphrase,
        otp_seed: key.otp_seed,
        permissions: plan.permissions,
        ip_allowlist: plan.ip_allowlist,
        expires: plan.expires,
        notes: plan.notes,
        used_by: plan.used_by,
    };
    session.change(ChangeRequest::Rotate {
        label: plan.label,
        replacement,
        permissions_other: plan.permissions_other,
        reason: plan.reason,
        unbacked: plan.unbacked,
    })
}

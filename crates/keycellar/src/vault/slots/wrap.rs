//! The vault key as an age file to one recipient: what an age keyslot holds. Only the
//! public recipient is needed; a plugin recipient runs the plugin's encryption side, which
//! asks nothing (its questions are declined) and needs no token.

use crate::error::{Error, Result, VaultError};
use crate::untrusted::quoted;
use std::io::Write;

/// An age file (binary) whose plaintext is `vault_key`, to `recipient`.
pub fn wrap_to(recipient: &str, vault_key: &[u8; 32]) -> Result<Vec<u8>> {
    let boxed = parse(recipient)?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(boxed.as_ref()))
        .map_err(|e| encrypt_failed(recipient, e))?;
    let mut file = Vec::with_capacity(512);
    let io = |e: std::io::Error| Error::Internal(format!("age encryption in memory: {e}"));
    let mut writer = encryptor.wrap_output(&mut file).map_err(io)?;
    writer.write_all(vault_key).map_err(io)?;
    writer.finish().map_err(io)?;
    Ok(file)
}

fn bad(recipient: &str, why: impl std::fmt::Display) -> Error {
    let upper = recipient.to_ascii_uppercase();
    let shown = if upper.starts_with("AGE-SECRET-KEY-") || upper.starts_with("AGE-PLUGIN-") {
        "(an age identity, which is a secret key; give its public age1... recipient)".into()
    } else if recipient.contains("PRIVATE KEY") {
        "(a private key; give the public key)".into()
    } else {
        quoted(recipient)
    };
    Error::Vault(VaultError::BadSlotRecipient {
        shown,
        why: why.to_string(),
    })
}

/// The recipient, or why it is not one; a plugin's is resolved on `PATH`.
fn parse(recipient: &str) -> Result<Box<dyn age::Recipient>> {
    use super::recipient::{Parsed, Problem};
    let parsed = super::recipient::parse(recipient).map_err(|problem| match problem {
        Problem::Ssh => bad(
            recipient,
            "not a whole ssh-ed25519 or ssh-rsa public key line",
        ),
        Problem::Age(why) => bad(recipient, why),
        Problem::Neither => bad(
            recipient,
            "expected an age1... recipient or an ssh-ed25519 / ssh-rsa public key",
        ),
    })?;
    let plugin = match parsed {
        Parsed::X25519(r) => return Ok(Box::new(r)),
        Parsed::Ssh(r) => return Ok(Box::new(r)),
        Parsed::Tag(r) => return Ok(Box::new(r)),
        Parsed::TagPq(r) => return Ok(r),
        Parsed::Plugin(r) => r,
    };
    let name = plugin.plugin().to_string();
    let resolved = age::plugin::RecipientPluginV1::new(&name, &[plugin], &[], age::NoCallbacks)
        .map_err(|_| {
            Error::Vault(VaultError::PluginNotInstalled {
                binary: format!("age-plugin-{name}"),
            })
        })?;
    Ok(Box::new(resolved))
}

fn encrypt_failed(recipient: &str, error: age::EncryptError) -> Error {
    match error {
        age::EncryptError::Plugin(errors) => Error::Vault(VaultError::PluginFailed {
            binary: plugin_binary(recipient),
            why: plugin_messages(errors.iter().map(ToString::to_string)),
        }),
        age::EncryptError::PluginResolve(_) => Error::Vault(VaultError::PluginNotInstalled {
            binary: plugin_binary(recipient),
        }),
        other => bad(recipient, other),
    }
}

/// `age-plugin-NAME` for a plugin recipient `age1NAME1...`.
pub(crate) fn plugin_binary(recipient: &str) -> String {
    let name = recipient
        .strip_prefix("age1")
        .and_then(|rest| rest.split_once('1'))
        .map_or("", |(name, _)| name);
    format!("age-plugin-{name}")
}

/// What a plugin said, each message quoted: a plugin is a program from outside.
pub(crate) fn plugin_messages(messages: impl Iterator<Item = String>) -> String {
    let quoted: Vec<String> = messages.map(|m| quoted(&m)).collect();
    match quoted.is_empty() {
        true => "it gave no reason".into(),
        false => quoted.join("; "),
    }
}

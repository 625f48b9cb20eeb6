//! Identities as the keyslots see them: each with the one recipient it answers for (in
//! canonical form, so an upper-case `AGE1...` slot is the same key), so that a vault open
//! tries a slot only with an identity whose key it is wrapped to.

use super::prompts::Callbacks;
use crate::vault::recipient::Parsed;
use crate::vault::recipient;

/// One identity, and what it answers for.
pub(super) enum SlotKey {
    /// An X25519 identity, with its canonical `age1...` recipient.
    X25519 {
        public: String,
        identity: age::x25519::Identity,
    },
    /// An SSH private key, maybe encrypted (decrypted at most once per open, and only for
    /// a slot wrapped to its public key), with that public key in canonical form.
    Ssh {
        public: Option<String>,
        name: String,
        key: age::ssh::Identity,
    },
    /// A plugin identity: the recipients its file names in comments (`# Recipient:
    /// age1...`, as age-plugin-yubikey writes), tag recipients only so; with no such
    /// comment, any recipient of its plugin.
    Plugin {
        plugin: String,
        identity: age::plugin::Identity,
        claims: Vec<String>,
    },
}

impl SlotKey {
    /// True when a slot wrapped to `parsed` may open with this identity.
    pub(super) fn answers(&self, parsed: &Parsed) -> bool {
        match (self, parsed) {
            (SlotKey::X25519 { public, .. }, Parsed::X25519(_)) => *public == parsed.canonical(),
            (SlotKey::Ssh { public, .. }, Parsed::Ssh(_)) => {
                public.as_ref() == Some(&parsed.canonical())
            }
            (SlotKey::Plugin { plugin, claims, .. }, Parsed::Plugin(r)) => {
                r.plugin() == plugin && (claims.is_empty() || claims.contains(&parsed.canonical()))
            }
            (SlotKey::Plugin { claims, .. }, Parsed::Tag(_) | Parsed::TagPq(_)) => {
                claims.contains(&parsed.canonical())
            }
            _ => false,
        }
    }

    /// An SSH private key, with the public key it holds in the clear.
    pub(super) fn ssh(key: age::ssh::Identity, name: &str) -> SlotKey {
        let public = age::ssh::Recipient::try_from(key.clone())
            .ok()
            .map(|r| r.to_string());
        SlotKey::Ssh {
            public,
            name: name.to_string(),
            key,
        }
    }
}

/// The identities of an age identity file, in either case of bech32: X25519 keys and
/// plugin identities, each plugin identity claiming the recipients the file's comments
/// name.
pub(super) fn age_file_keys(text: &str) -> Vec<SlotKey> {
    let claims: Vec<String> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix('#'))
        .filter_map(|comment| comment.split_once(':'))
        .filter_map(|(_, value)| recipient::canonical(value))
        .collect();
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            if let Ok(identity) = line.parse::<age::x25519::Identity>() {
                let public = identity.to_public().to_string();
                return Some(SlotKey::X25519 { public, identity });
            }
            let identity = line.parse::<age::plugin::Identity>().ok()?;
            Some(SlotKey::Plugin {
                plugin: identity.plugin().to_string(),
                identity,
                claims: claims.clone(),
            })
        })
        .collect()
}

/// A plugin identity ready to run, asking its questions through `prompts`.
pub(super) fn plugin_identity(
    plugin: &str,
    identity: &age::plugin::Identity,
    prompts: &Callbacks,
) -> Option<age::plugin::IdentityPluginV1<Callbacks>> {
    age::plugin::IdentityPluginV1::new(plugin, std::slice::from_ref(identity), prompts.clone())
        .ok()
}

//! Identities as the keyslots see them: each with the one recipient it answers for (in
//! canonical form, so an upper-case `AGE1...` slot is the same key), so that a vault open
//! tries a slot only with an identity whose key it is wrapped to.

use super::prompts::Callbacks;
use crate::vault::SlotKind;
use crate::vault::recipient::{self, Parsed};

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
    /// age1...`, as age-plugin-yubikey writes), tag recipients only so; when the file names
    /// none of its plugin's, any recipient of its plugin.
    Plugin {
        plugin: String,
        identity: age::plugin::Identity,
        claims: Vec<Claim>,
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
                let kind = parsed.kind();
                let names_its_own = claims.iter().any(|claim| claim.kind == kind);
                r.plugin() == plugin && (!names_its_own || Claim::names(claims, parsed))
            }
            (SlotKey::Plugin { claims, .. }, Parsed::Tag(_) | Parsed::TagPq(_)) => {
                Claim::names(claims, parsed)
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

/// A recipient an identity file names in a comment, parsed.
#[derive(Clone)]
pub(super) struct Claim {
    kind: SlotKind,
    canonical: String,
}

impl Claim {
    /// True when `claims` name `parsed`.
    fn names(claims: &[Claim], parsed: &Parsed) -> bool {
        let canonical = parsed.canonical();
        claims.iter().any(|claim| claim.canonical == canonical)
    }
}

/// The identities of an age identity file, in either case of bech32: X25519 keys and
/// plugin identities, each plugin identity claiming the recipients the file's comments
/// name (an X25519 key's `# public key:` line among them, which no plugin slot is).
pub(super) fn age_file_keys(text: &str) -> Vec<SlotKey> {
    let claims: Vec<Claim> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix('#'))
        .filter_map(|comment| comment.split_once(':'))
        .filter_map(|(_, value)| recipient::parse(value).ok())
        .map(|parsed| Claim {
            kind: parsed.kind(),
            canonical: parsed.canonical(),
        })
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
    age::plugin::IdentityPluginV1::new(plugin, std::slice::from_ref(identity), prompts.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLUGIN_RECIPIENT: &str = "age1kctest1pyysjzgfpyysjxveuws";
    const PLUGIN_IDENTITY: &str = "AGE-PLUGIN-KCTEST-1QURSWPC8QURSW6J94ED";
    const OTHER_PLUGIN: &str = "age1kctest1qurswpc8qurswf3at8g";
    const TAG: &str = "age1tag1qd43050juykyy3lchnnw2caygre8wqmasyk7kvaq7jsnj3wcnrpfvt5hxye";

    fn answers(file: &str, recipient: &str) -> bool {
        let parsed = recipient::parse(recipient).ok().unwrap();
        let keys = age_file_keys(file);
        let plugin = keys.iter().find(|k| matches!(k, SlotKey::Plugin { .. }));
        plugin.unwrap().answers(&parsed)
    }

    #[test]
    fn a_plugin_identity_answers_the_recipients_its_file_names() {
        let x25519 = age::x25519::Identity::generate();
        let public = x25519.to_public().to_string();
        let secret = age::secrecy::ExposeSecret::expose_secret(&x25519.to_string()).to_string();
        // An age-keygen key's `# public key:` line names no recipient of the plugin.
        let mixed = format!("# public key: {public}\n{secret}\n{PLUGIN_IDENTITY}\n");
        assert!(answers(&mixed, PLUGIN_RECIPIENT));
        assert!(answers(&mixed, &PLUGIN_RECIPIENT.to_ascii_uppercase()));
        assert!(!answers(&mixed, TAG));
        // Naming one of its plugin's recipients, it answers that one only, and a tag it names.
        let named =
            format!("# Recipient: {PLUGIN_RECIPIENT}\n# Recipient: {TAG}\n{PLUGIN_IDENTITY}\n");
        assert!(answers(&named, PLUGIN_RECIPIENT));
        assert!(answers(&named, TAG));
        assert!(!answers(&named, OTHER_PLUGIN));
    }
}

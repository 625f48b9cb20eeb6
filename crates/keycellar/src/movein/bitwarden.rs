//! Bitwarden's JSON export (`bw export --format json`, or the web vault's ".json"): its
//! `items`, each a login (`type` 1: `login.username`, `login.password`, `login.uris`) or a
//! secure note (`type` 2), with custom `fields` (`type` 1 is hidden). Cards and identities
//! are passed over. An encrypted export (`"encrypted": true`, to an account or a password)
//! is refused: its values cannot be read without Bitwarden.

use super::item::{Field, Item};
use super::{Problem, RawKey};
use crate::secret::Secret;
use serde::Deserialize;

/// Read first, alone: an encrypted export's items need not have the plain one's shape.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    encrypted: bool,
}

#[derive(Deserialize)]
struct Export {
    items: Option<Vec<BitwardenItem>>,
}

#[derive(Deserialize)]
struct BitwardenItem {
    #[serde(rename = "type", default)]
    kind: u8,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    login: Option<Login>,
    #[serde(default)]
    fields: Option<Vec<BitwardenField>>,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: Option<Secret>,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    uris: Option<Vec<Uri>>,
}

#[derive(Deserialize)]
struct Uri {
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
struct BitwardenField {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<Secret>,
    #[serde(rename = "type", default)]
    kind: u8,
}

/// Item types that hold logins and notes; cards (3), identities (4), SSH keys (5) do not.
const LOGIN: u8 = 1;
const SECURE_NOTE: u8 = 2;
/// The custom field type that Bitwarden hides.
const HIDDEN: u8 = 1;

pub(super) fn read(text: &str) -> Result<Vec<RawKey>, Problem> {
    let envelope: Envelope = super::parse_json(text)?;
    if envelope.encrypted {
        return Err(Problem::Encrypted {
            what: "an encrypted Bitwarden export",
        });
    }
    let export: Export = super::parse_json(text)?;
    let Some(items) = export.items else {
        return Err(Problem::NoKeys {
            skipped: vec!["no \"items\" list".into()],
        });
    };
    let keys = items
        .into_iter()
        .filter(|i| i.kind == LOGIN || i.kind == SECURE_NOTE)
        .filter_map(|i| item(i).into_key(false))
        .collect();
    Ok(keys)
}

fn item(from: BitwardenItem) -> Item {
    let title = from.name.unwrap_or_default().trim().to_string();
    let login = from.login.unwrap_or(Login {
        username: None,
        password: None,
        uris: None,
    });
    let fields = from.fields.unwrap_or_default().into_iter().filter_map(|f| {
        Some(Field {
            name: f.name?,
            value: f.value?,
            hidden: f.kind == HIDDEN,
        })
    });
    Item {
        source: title.clone(),
        title,
        username: login.username.map(|u| ("login.username".into(), u)),
        password: login.password.map(|p| ("login.password".into(), p)),
        urls: login
            .uris
            .unwrap_or_default()
            .into_iter()
            .filter_map(|u| u.uri)
            .collect(),
        fields: fields.collect(),
    }
}

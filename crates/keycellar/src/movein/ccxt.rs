//! ccxt's `keys.local.json` (and `keys.json`): one object per exchange id, with `apiKey`,
//! `secret`, `password` and `uid` (other settings beside them are not keys and are left).

use super::{Problem, RawKey};
use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Keys {
    #[serde(default, rename = "apiKey")]
    api_key: Option<String>,
    #[serde(default)]
    secret: Option<Secret>,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    uid: Option<String>,
}

pub(super) fn read(text: &str) -> Result<Vec<RawKey>, Problem> {
    // Keys come in order of exchange id, as ccxt's own files are written.
    let document: BTreeMap<String, Keys> = super::parse_json(text)?;
    let keys = document
        .into_iter()
        .map(|(id, keys)| {
            let mut key = RawKey::new(&id, &id, &id);
            key.api_key = keys.api_key.map(|k| (format!("{id}.apiKey"), k));
            key.secret = keys.secret.map(|s| (format!("{id}.secret"), s));
            key.passphrase = keys.password.map(|p| (format!("{id}.password"), p));
            key.uid = keys.uid.map(|u| (format!("{id}.uid"), u));
            key
        })
        .collect();
    Ok(keys)
}

//! What the items of a format-2 sheet hold once decrypted (docs/FORMAT.md section 8.1):
//!
//! - an entry item, only what using the key needs, one field a line, readable as it is
//!   after `age -d`:
//!
//!   ```text
//!   kraken-grid-bot
//!   kraken
//!   CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y
//!   FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==
//!   passphrase: ...        (only for keys that have one)
//!   authenticator: ...     (only for keys that have one: the seed, base32)
//!   key version: 2         (only for keys that have one)
//!   ```
//!
//! - the details item `M`, every entry's details (permissions, allow-list, used-by, notes,
//!   dates, status, history, recorded fingerprint) as one JSON document, gzip-compressed.

use crate::credential::details::Details;
use crate::credential::entry::{Entry, NewEntry};
use crate::secret::{Secret, SecretBytes};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// Version of the details document.
pub const DETAILS_VERSION: u32 = 2;
/// Largest details document keycellar unpacks: the gzip stream is bounded too.
const MAX_DETAILS_LEN: u64 = 64 * 1024 * 1024;

const PASSPHRASE: &str = "passphrase: ";
const AUTHENTICATOR: &str = "authenticator: ";
const KEY_VERSION: &str = "key version: ";

/// A PEM secret's line ends, written as `\n` so that the secret stays on one line; the
/// entry check turns them back (`validate::admit`).
fn one_line(text: &str) -> String {
    text.replace('\n', "\\n")
}

/// The entry item's text.
pub fn entry_text(entry: &Entry) -> SecretBytes {
    let mut text = Zeroizing::new(String::with_capacity(256));
    let fields = [entry.label(), entry.exchange().id(), entry.api_key()];
    for field in fields {
        text.push_str(field);
        text.push('\n');
    }
    text.push_str(&one_line(entry.secret().expose()));
    text.push('\n');
    if let Some(passphrase) = entry.api_passphrase() {
        text.push_str(PASSPHRASE);
        text.push_str(&one_line(passphrase.expose()));
        text.push('\n');
    }
    if let Some(seed) = entry.otp_seed() {
        text.push_str(AUTHENTICATOR);
        text.push_str(seed.expose());
        text.push('\n');
    }
    if let Some(version) = entry.key_version() {
        text.push_str(KEY_VERSION);
        text.push_str(version);
        text.push('\n');
    }
    Zeroizing::new(text.as_bytes().to_vec())
}

/// Reads an entry item's text; `Err` says what is wrong with it.
pub fn read_entry(plain: &[u8]) -> Result<NewEntry, String> {
    let text = std::str::from_utf8(plain).map_err(|_| "it is not UTF-8 text".to_string())?;
    let lines: Vec<&str> = text.lines().collect();
    let [label, exchange, api_key, secret, rest @ ..] = lines.as_slice() else {
        return Err("it has fewer than its four lines".into());
    };
    let mut entry = NewEntry::credential(
        label.to_string(),
        exchange.parse()?,
        api_key.to_string(),
        Secret::new(secret.to_string()),
    );
    for line in rest {
        if let Some(passphrase) = line.strip_prefix(PASSPHRASE) {
            entry.api_passphrase = Some(Secret::new(passphrase.to_string()));
        } else if let Some(seed) = line.strip_prefix(AUTHENTICATOR) {
            entry.otp_seed = Some(Secret::new(seed.to_string()));
        } else if let Some(version) = line.strip_prefix(KEY_VERSION) {
            entry.key_version = Some(version.to_string());
        } else {
            return Err("it has a line that is not a known field".into());
        }
    }
    Ok(entry)
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetailsDocument {
    keycellar_details: u32,
    /// Keyed by item tag, `E001`...
    entries: BTreeMap<String, Details>,
}

/// The details item's content: the details of each entry by item tag, as gzip'd JSON.
pub fn details_block(entries: &[(String, &Entry)]) -> Result<Vec<u8>, String> {
    let document = DetailsDocument {
        keycellar_details: DETAILS_VERSION,
        entries: entries
            .iter()
            .map(|(tag, entry)| (tag.clone(), entry.details()))
            .collect(),
    };
    let json = serde_json::to_vec(&document).map_err(|e| e.to_string())?;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&json).map_err(|e| e.to_string())?;
    gzip.finish().map_err(|e| e.to_string())
}

/// Reads the details item's content.
pub fn read_details(block: &[u8]) -> Result<BTreeMap<String, Details>, String> {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(block)
        .take(MAX_DETAILS_LEN + 1)
        .read_to_end(&mut json)
        .map_err(|_| "it is not a gzip stream".to_string())?;
    if json.len() as u64 > MAX_DETAILS_LEN {
        return Err("it unpacks to more than keycellar reads".into());
    }
    let text = std::str::from_utf8(&json).map_err(|_| "it is not UTF-8 text".to_string())?;
    let document: DetailsDocument = crate::source::parse_json(text)
        .map_err(|e| format!("its document is not readable ({e})"))?;
    if document.keycellar_details != DETAILS_VERSION {
        return Err(format!(
            "it is of version {}, not {DETAILS_VERSION}",
            document.keycellar_details
        ));
    }
    Ok(document.entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::entry::sample;
    use crate::credential::exchange::Exchange;

    /// A key with authenticator 2FA keeps its seed on its own item, after the secret, so
    /// that it restores without the details block.
    #[test]
    fn an_authenticator_seed_is_one_line_of_the_entry_item() {
        let mut entry = sample("grid", Exchange::Kraken, "KEY", "SECRET");
        entry.otp_seed = Some(Secret::new("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into()));
        let text = entry_text(&entry);
        assert_eq!(
            std::str::from_utf8(&text).unwrap(),
            "grid\nkraken\nKEY\nSECRET\nauthenticator: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"
        );
        let read = read_entry(&text).unwrap();
        assert_eq!(
            read.otp_seed.unwrap().expose(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert!(
            read_entry(b"grid\nkraken\nKEY\nSECRET\n")
                .unwrap()
                .otp_seed
                .is_none()
        );
    }
}

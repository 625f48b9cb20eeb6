//! Reading passphrases and secrets: hidden terminal prompts, files, or stdin (`-`), plus the
//! `kraken://apikey?...` URI that Kraken's key QR code holds.
//!
//! Nothing here takes a secret from the command line. Buffers that held secret text are
//! zeroized.

use crate::credential::entry::NewEntry;
use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use zeroize::Zeroizing;

/// Where a value comes from: a file path, or `-` for standard input.
pub fn read_source(source: &str, what: &str) -> Result<Zeroizing<String>> {
    let mut text = Zeroizing::new(String::new());
    let result = if source == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        File::open(source).and_then(|mut f| f.read_to_string(&mut text))
    };
    let place = if source == "-" {
        "standard input".to_string()
    } else {
        source.to_string()
    };
    result.map_err(|e| Error::io(format!("cannot read the {what} from {place}"), e))?;
    Ok(text)
}

/// A passphrase from a file or stdin: the first line, without its line ending.
pub fn passphrase_from(source: &str) -> Result<Secret> {
    let text = read_source(source, "passphrase")?;
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(Error::BadInput(format!(
            "the passphrase from {source} is empty"
        )));
    }
    Ok(Secret::new(line.to_string()))
}

/// A secret from a file or stdin: the whole text without trailing line breaks (PEM blocks
/// keep their inner newlines).
pub fn secret_from(source: &str, what: &str) -> Result<Secret> {
    let text = read_source(source, what)?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r']).to_string()))
}

/// Asks for a secret on the terminal without echoing it.
pub fn prompt_hidden(prompt: &str, what: &'static str) -> Result<Secret> {
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(|_| Error::NoTerminal { what })
}

/// Asks for a new passphrase (`kind` is "vault" or "backup") twice and insists they match
/// and are not empty.
pub fn prompt_new_passphrase(kind: &str) -> Result<Secret> {
    let first = prompt_hidden(&format!("New {kind} passphrase: "), "a new passphrase")?;
    if first.is_empty() {
        return Err(Error::BadInput("the passphrase must not be empty".into()));
    }
    let again = prompt_hidden("Repeat the passphrase: ", "a new passphrase")?;
    if first != again {
        return Err(Error::BadInput(
            "the two passphrases differ; nothing was changed".into(),
        ));
    }
    Ok(first)
}

/// Describes how a new passphrase is weak, by the zxcvbn estimate, or `None` when it scores
/// 3 or 4 of 4 (more than 10^8 guesses; Argon2id makes each guess cost about a second).
/// The description never contains the passphrase.
pub fn passphrase_weakness(passphrase: &Secret) -> Option<String> {
    let estimate = zxcvbn::zxcvbn(passphrase.expose(), &["keycellar", "kraken", "vault"]);
    let score = estimate.score() as u8;
    if score >= 3 {
        return None;
    }
    let mut text = format!(
        "the new passphrase is weak (strength {score} of 4: about 10^{:.0} guesses)",
        estimate.guesses_log10()
    );
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            text.push_str(&format!("; {warning}"));
        }
        if let Some(suggestion) = feedback.suggestions().first() {
            text.push_str(&format!("; {suggestion}"));
        }
    }
    Some(text)
}

/// Asks for a non-secret value on the terminal, echoed as typed.
pub fn prompt_visible(prompt: &str, what: &'static str) -> Result<String> {
    let tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| Error::NoTerminal { what })?;
    let mut writer = &tty;
    writer
        .write_all(prompt.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(|_| Error::NoTerminal { what })?;
    let mut line = String::new();
    BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(|_| Error::NoTerminal { what })?;
    Ok(line.trim().to_string())
}

/// Entries for `add --from-json`: one JSON object, or a list of them (see docs/FORMAT.md).
pub fn entries_from_json(source: &str) -> Result<Vec<NewEntry>> {
    let text = read_source(source, "JSON entries")?;
    if text.trim_start().starts_with('[') {
        parse_json(&text, source)
    } else {
        parse_json(&text, source).map(|entry| vec![entry])
    }
}

/// Parses a JSON document. Errors name the JSON path of the bad field; the parser's own
/// detail is left out for secret fields, since it may quote the value.
pub fn parse_json<T: DeserializeOwned>(text: &str, source: &str) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let secret_field = ["secret", "api_passphrase"]
            .iter()
            .any(|f| path.ends_with(f));
        let detail = if secret_field {
            String::new()
        } else {
            format!(": {inner}")
        };
        Error::BadInput(format!(
            "{source}: bad value at `{path}` (line {}, column {}){detail}",
            inner.line(),
            inner.column()
        ))
    })?;
    deserializer
        .end()
        .map_err(|_| Error::BadInput(format!("{source}: unexpected text after the JSON")))?;
    Ok(value)
}

/// The public key and secret from `kraken://apikey?key=...&secret=...`.
///
/// The query is split on `&`, and each pair on its first `=` only, since the secret ends in
/// `==`. `+` and `/` are kept as they are; `%`-escapes are decoded only if present.
pub fn parse_kraken_uri(text: &str) -> Result<(String, Secret)> {
    const SCHEME: &str = "kraken://apikey?";
    let bad = |why: &str| Error::BadInput(format!("not a Kraken key URI: {why}"));
    let text = text.trim();
    let query = text
        .strip_prefix(SCHEME)
        .ok_or_else(|| bad("it must start with kraken://apikey?"))?;
    let mut key = None;
    let mut secret = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("key", value)) => key = Some(percent_decode(value)?),
            Some(("secret", value)) => secret = Some(Secret::new(percent_decode(value)?)),
            _ => {}
        }
    }
    match (key, secret) {
        (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => Ok((k, s)),
        _ => Err(bad("it needs both key= and secret=")),
    }
}

fn percent_decode(value: &str) -> Result<String> {
    if !value.contains('%') {
        return Ok(value.to_string());
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::BadInput("a %-escape in the Kraken URI is broken".into()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::BadInput("the Kraken URI is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
    const SECRET: &str =
        "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

    #[test]
    fn json_errors_name_the_path_but_never_a_secret_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.json");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        let source = path.to_str().unwrap();
        write(r#"[{"label":"a","exchange":"kraken","api_key":"k","secret":"s"}]"#);
        assert_eq!(entries_from_json(source).unwrap().len(), 1);
        write(r#"{"label":"a","exchange":"kraken","api_key":"k","secret":"s","colour":1}"#);
        let message = entries_from_json(source).unwrap_err().to_string();
        assert!(message.contains("colour"), "{message}");
        write(r#"[{"label":"a","exchange":"kraken","api_key":"k","secret":987654321}]"#);
        let message = entries_from_json(source).unwrap_err().to_string();
        assert!(
            message.contains("[0].secret") && !message.contains("987654321"),
            "{message}"
        );
        write(r#"{"label":"a","exchange":"mtgox","api_key":"k","secret":"s"}"#);
        let message = entries_from_json(source).unwrap_err().to_string();
        assert!(message.contains("exchange"), "{message}");
    }

    #[test]
    fn kraken_uri_keeps_plus_slash_and_padding() {
        let uri = format!("kraken://apikey?key={KEY}&secret={SECRET}\n");
        let (key, secret) = parse_kraken_uri(&uri).unwrap();
        assert_eq!(key, KEY);
        assert_eq!(secret.expose(), SECRET);
    }

    #[test]
    fn kraken_uri_decodes_percent_escapes_and_rejects_others() {
        let uri = "kraken://apikey?secret=ab%2B%3D%3D&key=x%2Fy";
        let (key, secret) = parse_kraken_uri(uri).unwrap();
        assert_eq!((key.as_str(), secret.expose()), ("x/y", "ab+=="));
        assert!(parse_kraken_uri("https://apikey?key=a&secret=b").is_err());
        assert!(parse_kraken_uri("kraken://apikey?key=a").is_err());
        assert!(parse_kraken_uri("kraken://apikey?key=a&secret=%zz").is_err());
    }
}

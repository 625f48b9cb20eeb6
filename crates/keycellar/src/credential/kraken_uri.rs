//! The `kraken://apikey?key=...&secret=...` URI that Kraken's key QR code holds.

use crate::error::PaperError;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// The public key and secret from `kraken://apikey?key=...&secret=...`.
///
/// The query is split on `&`, and each pair on its first `=` only, since the secret ends in
/// `==`. `+` and `/` are kept as they are; `%`-escapes are decoded only if present.
pub fn parse(text: &str) -> Result<(String, Secret)> {
    const SCHEME: &str = "kraken://apikey?";
    let query = text
        .trim()
        .strip_prefix(SCHEME)
        .ok_or(Error::Paper(PaperError::BadKrakenUri(
            "it must start with kraken://apikey?",
        )))?;
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
        _ => Err(Error::Paper(PaperError::BadKrakenUri(
            "it needs both key= and secret=",
        ))),
    }
}

fn percent_decode(value: &str) -> Result<String> {
    if !value.contains('%') {
        return Ok(value.to_string());
    }
    let bytes = value.as_bytes();
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(Error::Paper(PaperError::BadKrakenUri(
                    "a %-escape in it is broken",
                )))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    std::str::from_utf8(&out)
        .map(str::to_string)
        .map_err(|_| Error::Paper(PaperError::BadKrakenUri("it is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
    const SECRET: &str =
        "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

    #[test]
    fn keeps_plus_slash_and_padding() {
        let uri = format!("kraken://apikey?key={KEY}&secret={SECRET}\n");
        let (key, secret) = parse(&uri).unwrap();
        assert_eq!(key, KEY);
        assert_eq!(secret.expose(), SECRET);
    }

    #[test]
    fn decodes_percent_escapes_and_rejects_others() {
        let uri = "kraken://apikey?secret=ab%2B%3D%3D&key=x%2Fy";
        let (key, secret) = parse(uri).unwrap();
        assert_eq!((key.as_str(), secret.expose()), ("x/y", "ab+=="));
        assert!(parse("https://apikey?key=a&secret=b").is_err());
        assert!(parse("kraken://apikey?key=a").is_err());
        assert!(parse("kraken://apikey?key=a&secret=%zz").is_err());
    }
}

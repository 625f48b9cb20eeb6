//! Kraken spot REST signatures (docs.kraken.com/api/docs/guides/spot-rest-auth):
//! `API-Sign = base64(HMAC-SHA512(base64decode(secret), path + SHA256(nonce + body)))`, where
//! `body` already starts with `nonce=N` (a form body) or `{"nonce":"N",` (a JSON body, which
//! Kraken accepts with `Content-Type: application/json`, and ccxt sends for batch orders).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};

/// Whether a body is JSON rather than a form (an array too, which is refused: Kraken's
/// JSON bodies are objects, and the nonce is put first in one).
pub(super) fn is_json(body: &str) -> bool {
    body.trim_start().starts_with(['{', '['])
}

/// The body Kraken receives: the nonce first, then the authenticator's code of a key with
/// authenticator 2FA (Kraken's `otp` field), then the caller's fields, in the caller's
/// encoding.
pub(super) fn body_with_nonce(nonce: u64, otp: Option<&str>, body: &str) -> String {
    if let Some(rest) = body.trim_start().strip_prefix('{') {
        let separator = if rest.trim_start().starts_with('}') {
            ""
        } else {
            ","
        };
        let otp = otp
            .map(|code| format!(",\"otp\":\"{code}\""))
            .unwrap_or_default();
        format!("{{\"nonce\":\"{nonce}\"{otp}{separator}{rest}")
    } else {
        let otp = otp.map(|code| format!("&otp={code}")).unwrap_or_default();
        let separator = if body.is_empty() { "" } else { "&" };
        format!("nonce={nonce}{otp}{separator}{body}")
    }
}

/// Whether a body already carries a `nonce` field (keycellar's to set). `None` for a body
/// that starts like JSON but is not a JSON object.
pub(super) fn has_nonce_field(body: &str) -> Option<bool> {
    has_field(body, "nonce")
}

/// Whether a body already carries `field` (`nonce`, or `otp` for a key whose authenticator
/// codes keycellar makes). `None` for a body that starts like JSON but is not an object.
pub(super) fn has_field(body: &str, field: &str) -> Option<bool> {
    if is_json(body) {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(body).ok()?;
        return Some(object.contains_key(field));
    }
    // Names as a server may decode them: `%6Eonce`, `nonce+` (a trailing space, which some
    // form parsers trim or turn into `_`), `Nonce` and `nonce[0]` may all be read as the
    // field, and no Kraken parameter starts with "nonce" or "otp" but those, so any such
    // name is refused.
    let bracketed = format!("{field}]");
    Some(super::policy::form_names(body).any(|name| {
        let name = name.trim_start().to_ascii_lowercase();
        name.starts_with(field) || name.rsplit('[').next() == Some(bracketed.as_str())
    }))
}

/// `API-Sign` for `path` and the full `body` (with its nonce), keyed by the decoded secret.
pub(super) fn api_sign(key: &[u8], path: &str, nonce: u64, body: &str) -> String {
    let inner = Sha256::new()
        .chain_update(nonce.to_string().as_bytes())
        .chain_update(body.as_bytes())
        .finalize();
    let mut mac =
        <Hmac<Sha512> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(path.as_bytes());
    mac.update(&inner);
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kraken's documented example (the spot REST authentication guide).
    #[test]
    fn the_documented_example_signs_as_documented() {
        let key = STANDARD
            .decode("kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==")
            .unwrap();
        let body = body_with_nonce(
            1616492376594,
            None,
            "ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
        );
        assert_eq!(
            body,
            "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
        );
        assert_eq!(
            api_sign(&key, "/0/private/AddOrder", 1616492376594, &body),
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
        );
    }

    /// A key with authenticator 2FA: the code goes right after the nonce, in the body the
    /// signature covers, in either encoding; a caller's own `otp` is found as `nonce` is.
    #[test]
    fn the_authenticator_code_follows_the_nonce() {
        let code = Some("287082");
        assert_eq!(body_with_nonce(5, code, ""), "nonce=5&otp=287082");
        assert_eq!(
            body_with_nonce(5, code, "pair=XBTUSD"),
            "nonce=5&otp=287082&pair=XBTUSD"
        );
        assert_eq!(
            body_with_nonce(5, code, "{}"),
            r#"{"nonce":"5","otp":"287082"}"#
        );
        assert_eq!(
            body_with_nonce(5, code, r#"{"orders":[]}"#),
            r#"{"nonce":"5","otp":"287082","orders":[]}"#
        );
        for spelled in ["otp=1", "a=1&OTP=1", "%6Ftp=1", "x[otp]=1"] {
            assert_eq!(has_field(spelled, "otp"), Some(true), "{spelled}");
        }
        assert_eq!(has_field("pair=XBTUSD&userref=1", "otp"), Some(false));
        assert_eq!(has_field(r#"{"otp":"1"}"#, "otp"), Some(true));
    }

    #[test]
    fn a_nonce_field_is_found_only_as_a_field_name() {
        assert_eq!(has_nonce_field("a=1&nonce=2"), Some(true));
        assert_eq!(has_nonce_field("nonce"), Some(true));
        assert_eq!(has_nonce_field("pair=nonce&userref=nonce2"), Some(false));
        for spelled in [
            "nonc%65=1",
            "%6Eonce=1",
            "a=1&nonce%5B0%5D=1",
            "nonce[]=1",
            "x[nonce]=1",
            "nonce+=1",
            "+Nonce=1",
            "nonce_=1",
        ] {
            assert_eq!(has_nonce_field(spelled), Some(true), "{spelled}");
        }
        assert_eq!(has_nonce_field(r#"{"nonce":"1"}"#), Some(true));
        assert_eq!(has_nonce_field(r#"{"pair":"nonce"}"#), Some(false));
        assert_eq!(has_nonce_field("{nonce"), None);
        assert_eq!(has_nonce_field(r#"[{"pair":"XBTUSD"}]"#), None);
        assert_eq!(body_with_nonce(5, None, ""), "nonce=5");
        assert_eq!(body_with_nonce(5, None, "{}"), r#"{"nonce":"5"}"#);
        assert_eq!(
            body_with_nonce(5, None, r#"{"orders":[]}"#),
            r#"{"nonce":"5","orders":[]}"#
        );
    }
}

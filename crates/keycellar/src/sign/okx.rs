//! OKX v5 REST signatures (OKX API v5 documentation, "REST Authentication"):
//! `OK-ACCESS-SIGN = base64(HMAC-SHA256(secret as UTF-8, timestamp + METHOD + requestPath +
//! body))`, the timestamp in ISO 8601 UTC with milliseconds, `requestPath` with its query.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The path OKX signs: the path, then `?query` when there is one.
pub(super) fn request_path(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

pub(super) fn signature(
    secret: &str,
    timestamp: &str,
    method: &str,
    request_path: &str,
    body: &str,
) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    for part in [timestamp, method, request_path, body] {
        mac.update(part.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_8601_with_milliseconds() {
        use crate::sign::rfc3339_millis;
        assert_eq!(rfc3339_millis(1607418537715), "2020-12-08T09:08:57.715Z");
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
    }

    /// The prehash of OKX's documentation example
    /// (`2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC`) with a made-up secret;
    /// the expected value is `openssl dgst -sha256 -hmac SECRET -binary | base64`.
    #[test]
    fn the_prehash_is_timestamp_method_path_and_body() {
        let path = request_path("/api/v5/account/balance", "ccy=BTC");
        assert_eq!(path, "/api/v5/account/balance?ccy=BTC");
        let secret = "22582BD0CFF14C41EDBF1AB98506286D";
        assert_eq!(
            signature(secret, "2020-12-08T09:08:57.715Z", "GET", &path, ""),
            "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
        );
    }
}

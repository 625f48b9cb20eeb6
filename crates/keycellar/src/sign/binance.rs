//! Binance signatures (binance/binance-spot-api-docs, rest-api.md, "SIGNED (TRADE and
//! USER_DATA) Endpoint security"): the payload is the query string followed directly by the
//! body. HMAC keys sign `hex(HMAC-SHA256(secret as ASCII, payload))`; Ed25519 keys (a PKCS#8
//! PEM the user generated) sign `base64(Ed25519(payload))`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The bytes Binance checks: `query` then `body`, with nothing between them.
pub(super) fn payload(query: &str, body: &str) -> String {
    format!("{query}{body}")
}

pub(super) fn hmac_signature(secret: &str, payload: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(payload.as_bytes());
    super::hex(&mac.finalize().into_bytes())
}

pub(super) fn ed25519_signature(key: &ed25519_dalek::SigningKey, payload: &str) -> String {
    STANDARD.encode(key.sign(payload.as_bytes()).to_bytes())
}

/// The `timestamp` parameter of a payload, if it has one that is a number.
pub(super) fn timestamp(payload: &str) -> Option<u64> {
    payload
        .split('&')
        .find_map(|pair| pair.strip_prefix("timestamp="))
        .and_then(|value| value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    /// Examples 1 and 3 of "SIGNED Endpoint Examples for POST /api/v3/order" in Binance's
    /// spot API documentation (rest-api.md).
    #[test]
    fn the_documented_examples_sign_as_documented() {
        let whole = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            hmac_signature(SECRET, &payload("", whole)),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
        let mixed = payload(
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
        );
        assert_eq!(
            hmac_signature(SECRET, &mixed),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
        assert_eq!(timestamp(&mixed), Some(1499827319559));
        assert_eq!(timestamp("a=1"), None);
    }
}

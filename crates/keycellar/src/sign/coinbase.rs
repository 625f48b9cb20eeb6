//! Coinbase CDP API key JWTs (docs.cdp.coinbase.com, "API Key Authentication"; the same
//! fields as coinbase/cdp-sdk's `generateJwt`): ES256 over the key's P-256 private key, the
//! key name as `kid` and `sub`, `iss` "cdp", valid from `nbf` for at most 120 s, bound to one
//! request by `uri` = "METHOD host/path", with a random `nonce` in the header.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use serde::Serialize;

/// How long a JWT lives: CDP's maximum.
pub(super) const LIFETIME_SECONDS: u64 = 120;

/// The host of the Advanced Trade and Coinbase App APIs.
pub(super) const DEFAULT_HOST: &str = "api.coinbase.com";

/// The hosts keycellar signs JWTs for: the JWT binds its host, and the deny list
/// (docs/SIGNING.md section 4) is written for this one; a JWT for another CDP host (the
/// wallet API at api.cdp.coinbase.com sends funds) would pass no check made for it.
pub(super) const HOSTS: &[&str] = &[DEFAULT_HOST];

#[derive(Serialize)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
    nonce: &'a str,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    nbf: u64,
    exp: u64,
    uri: &'a str,
}

/// One request's JWT: what it binds and when it was made.
pub(super) struct JwtRequest<'a> {
    pub key_name: &'a str,
    pub method: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub now_seconds: u64,
    /// 32 hex digits, fresh for each JWT.
    pub nonce: &'a str,
}

/// The signed JWT, `header.claims.signature` in base64url without padding.
pub(super) fn jwt(key: &p256::ecdsa::SigningKey, request: &JwtRequest) -> String {
    let uri = format!("{} {}{}", request.method, request.host, request.path);
    let header = Header {
        alg: "ES256",
        kid: request.key_name,
        typ: "JWT",
        nonce: request.nonce,
    };
    let claims = Claims {
        iss: "cdp",
        sub: request.key_name,
        nbf: request.now_seconds,
        exp: request.now_seconds + LIFETIME_SECONDS,
        uri: &uri,
    };
    let signing_input = format!("{}.{}", encode_part(&header), encode_part(&claims));
    let signature: p256::ecdsa::Signature = key.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

fn encode_part(value: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("plain structs serialise"))
}

/// The EC private key of a CDP key: a SEC1 `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY` PEM, as
/// downloaded or stored on one line with literal `\n` (as in CDP's JSON key file).
pub(super) fn parse_key(pem: &str) -> Option<p256::ecdsa::SigningKey> {
    use p256::pkcs8::DecodePrivateKey;
    let text = zeroize::Zeroizing::new(pem.trim().replace("\\n", "\n"));
    let secret = if text.contains("BEGIN EC PRIVATE KEY") {
        p256::SecretKey::from_sec1_pem(&text).ok()?
    } else {
        p256::SecretKey::from_pkcs8_pem(&text).ok()?
    };
    Some(p256::ecdsa::SigningKey::from(secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn a_jwt_carries_cdps_claims_and_verifies() {
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let request = JwtRequest {
            key_name: "organizations/o/apiKeys/k",
            method: "GET",
            host: DEFAULT_HOST,
            path: "/api/v3/brokerage/accounts",
            now_seconds: 1_700_000_000,
            nonce: "00112233445566778899aabbccddeeff",
        };
        let token = jwt(&key, &request);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            claims["uri"],
            "GET api.coinbase.com/api/v3/brokerage/accounts"
        );
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["nbf"].as_u64().unwrap(),
            120
        );
        let signature =
            p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(
            key.verifying_key()
                .verify(input.as_bytes(), &signature)
                .is_ok()
        );
    }
}

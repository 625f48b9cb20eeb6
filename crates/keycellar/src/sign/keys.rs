//! What one entry signs with: its public parts and its secret decoded once, when the service
//! starts, into the holder each construction needs. Every holder wipes itself when dropped
//! (`Zeroizing`, [`Secret`], and the zeroize-on-drop key types of ed25519-dalek and p256).

use super::nonce::NonceIssuer;
use super::protocol::{ErrorKind, Failure, SignRequest, Signed};
use crate::credential::entry::Entry;
use crate::credential::exchange::Exchange;
use crate::error::{EntryError, EntryProblem};
use crate::error::{Error, Result};
use crate::secret::{Secret, SecretBytes};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;

/// An entry the service may sign for.
pub struct SigningKey {
    label: String,
    exchange: Exchange,
    api_key: String,
    permissions: Vec<String>,
    pub(super) material: Material,
}

/// The decoded secret, per signature construction.
pub(super) enum Material {
    /// Kraken: the 64 bytes the base64 secret decodes to, and the seed of the authenticator
    /// whose code a key with authenticator 2FA sends in every request's `otp` field.
    Kraken {
        key: SecretBytes,
        otp_seed: Option<Secret>,
    },
    /// Binance HMAC keys: the secret string itself is the HMAC key.
    BinanceHmac(Secret),
    /// Binance Ed25519 keys: the private key the user generated.
    BinanceEd25519(Box<ed25519_dalek::SigningKey>),
    /// OKX: the secret string is the HMAC key; the passphrase goes in a header.
    Okx { secret: Secret, passphrase: Secret },
    /// Coinbase CDP: the P-256 key of an ECDSA API key.
    CoinbaseEs256(Box<p256::ecdsa::SigningKey>),
}

impl SigningKey {
    /// The entry's key, decoded for signing. Fails for an exchange keycellar cannot sign
    /// for and for a secret that is not of the shape the exchange's signature needs.
    pub fn from_entry<F>(entry: &Entry<F>) -> Result<SigningKey> {
        let refuse = |why: String| {
            Error::Entry(EntryError::Invalid {
                label: entry.label().to_string(),
                problems: vec![EntryProblem::CannotSign { why }],
            })
        };
        let secret = entry.secret().expose();
        let material = match entry.exchange() {
            Exchange::Kraken => Material::Kraken {
                key: decode_kraken(secret).ok_or_else(|| {
                    refuse("its Kraken secret is not base64 of 64 bytes, so it cannot sign".into())
                })?,
                otp_seed: entry.otp_seed().cloned(),
            },
            Exchange::Binance | Exchange::BinanceUs => binance_material(secret).map_err(refuse)?,
            Exchange::Okx => Material::Okx {
                secret: entry.secret().clone(),
                passphrase: entry.api_passphrase().cloned().ok_or_else(|| {
                    refuse("an OKX key signs only with its API passphrase, which it lacks".into())
                })?,
            },
            Exchange::Coinbase => super::coinbase::parse_key(secret)
                .map(|key| Material::CoinbaseEs256(Box::new(key)))
                .ok_or_else(|| {
                    refuse(
                        "its Coinbase secret is not a P-256 EC private key (SEC1 or PKCS#8 \
                         PEM), so it cannot sign ES256 JWTs"
                            .into(),
                    )
                })?,
            other => return Err(refuse(format!("keycellar cannot sign {other} requests"))),
        };
        Ok(SigningKey {
            label: entry.label().to_string(),
            exchange: entry.exchange(),
            api_key: entry.api_key().to_string(),
            permissions: entry.permissions().to_vec(),
            material,
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn exchange(&self) -> Exchange {
        self.exchange
    }

    /// The public API key (Coinbase: the key name).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The key's permissions as recorded in its entry (as the exchange names them).
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }

    /// Identifies the key across labels: 16 hex digits of SHA-256 over the exchange id and
    /// the public key. Two entries holding one key share their nonces through it.
    pub fn key_id(&self) -> String {
        let digest = crate::crypto::sha256(&[
            self.exchange.id().as_bytes(),
            b"\n",
            self.api_key.as_bytes(),
        ]);
        super::hex(&digest[..8])
    }

    /// True for keys whose requests carry a keycellar-issued nonce.
    pub fn needs_nonces(&self) -> bool {
        matches!(self.material, Material::Kraken { .. })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("label", &self.label)
            .field("exchange", &self.exchange)
            .finish_non_exhaustive()
    }
}

fn decode_kraken(secret: &str) -> Option<SecretBytes> {
    let mut bytes = SecretBytes::new(Vec::with_capacity(66));
    STANDARD.decode_vec(secret.trim(), &mut bytes).ok()?;
    (bytes.len() == 64).then_some(bytes)
}

fn binance_material(secret: &str) -> Result<Material, String> {
    if !secret.trim_start().starts_with("-----BEGIN") {
        return Ok(Material::BinanceHmac(Secret::new(secret.to_string())));
    }
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    let text = zeroize::Zeroizing::new(secret.trim().replace("\\n", "\n"));
    ed25519_dalek::SigningKey::from_pkcs8_pem(&text)
        .map(|key| Material::BinanceEd25519(Box::new(key)))
        .map_err(|_| {
            "its Binance private key is not an unencrypted PKCS#8 Ed25519 PEM (RSA keys and \
             encrypted PEMs cannot sign here)"
                .into()
        })
}

/// What signing needs besides the request: keycellar's clock and, for Kraken keys, the key's
/// nonce issuer.
pub(super) struct Context<'a> {
    pub now_ms: u64,
    pub nonces: Option<&'a NonceIssuer>,
}

/// A signature answer and the hex SHA-256 of what it covers, for the journal.
pub(super) struct Signature {
    pub answer: Signed,
    pub covered_sha256: String,
}

impl SigningKey {
    /// Signs `request` (already allowed by the policy) the way the key's exchange wants.
    pub(super) fn sign(
        &self,
        request: &SignRequest,
        context: &Context,
    ) -> Result<Signature, Failure> {
        let mut answer = Signed::default();
        let covered = format!("{}?{}", request.query, request.body);
        let mut covered_sha256 = super::hex(&crate::crypto::sha256(&[covered.as_bytes()]));
        match &self.material {
            Material::Kraken { key, otp_seed } => {
                let nonces = context
                    .nonces
                    .ok_or_else(|| Failure::new(ErrorKind::Internal, "no nonce issuer"))?;
                let body = kraken_body(request, otp_seed.is_some())?;
                let code = otp_seed
                    .as_ref()
                    .map(|seed| authenticator_code(seed, context.now_ms))
                    .transpose()?;
                // The message names the store's files and what stopped the nonce, never a
                // value of the secret.
                let nonce = nonces
                    .next()
                    .map_err(|e| Failure::new(ErrorKind::NonceStore, e.to_string()))?;
                let body = super::kraken::body_with_nonce(nonce, code.as_deref(), body);
                let sign = super::kraken::api_sign(key, &request.path, nonce, &body);
                covered_sha256 = super::hex(&crate::crypto::sha256(&[body.as_bytes()]));
                answer.headers.insert("API-Key", self.api_key.clone());
                answer.headers.insert("API-Sign", sign);
                answer.nonce = Some(nonce.to_string());
                answer.body = Some(body);
            }
            Material::BinanceHmac(secret) => {
                let payload = super::binance::payload(&request.query, &request.body);
                answer.signature = Some(super::binance::hmac_signature(secret.expose(), &payload));
                answer.headers.insert("X-MBX-APIKEY", self.api_key.clone());
            }
            Material::BinanceEd25519(key) => {
                let payload = super::binance::payload(&request.query, &request.body);
                answer.signature = Some(super::binance::ed25519_signature(key, &payload));
                answer.headers.insert("X-MBX-APIKEY", self.api_key.clone());
            }
            Material::Okx { secret, passphrase } => {
                let timestamp = super::rfc3339_millis(context.now_ms);
                let path = super::okx::request_path(&request.path, &request.query);
                let sign = super::okx::signature(
                    secret.expose(),
                    &timestamp,
                    &request.method,
                    &path,
                    &request.body,
                );
                answer.headers.insert("OK-ACCESS-KEY", self.api_key.clone());
                answer.headers.insert("OK-ACCESS-SIGN", sign);
                answer
                    .headers
                    .insert("OK-ACCESS-TIMESTAMP", timestamp.clone());
                let passphrase = passphrase.expose().to_string();
                answer.headers.insert("OK-ACCESS-PASSPHRASE", passphrase);
                answer.timestamp = Some(timestamp);
            }
            Material::CoinbaseEs256(key) => self.coinbase(key, request, context, &mut answer)?,
        }
        Ok(Signature {
            answer,
            covered_sha256,
        })
    }

    fn coinbase(
        &self,
        key: &p256::ecdsa::SigningKey,
        request: &SignRequest,
        context: &Context,
        answer: &mut Signed,
    ) -> Result<(), Failure> {
        let nonce = crate::crypto::random_array::<16>()
            .map_err(|_| Failure::new(ErrorKind::Internal, "no randomness for the JWT nonce"))?;
        let now_seconds = context.now_ms / 1000;
        let jwt = super::coinbase::jwt(
            key,
            &super::coinbase::JwtRequest {
                key_name: &self.api_key,
                method: &request.method,
                host: request
                    .host
                    .as_deref()
                    .unwrap_or(super::coinbase::DEFAULT_HOST),
                path: &request.path,
                now_seconds,
                nonce: &super::hex(&nonce),
            },
        );
        answer
            .headers
            .insert("Authorization", format!("Bearer {jwt}"));
        answer.expires = Some(now_seconds + super::coinbase::LIFETIME_SECONDS);
        answer.jwt = Some(jwt);
        Ok(())
    }
}

/// The code the key's authenticator shows at `now_ms` (keycellar's clock).
fn authenticator_code(seed: &Secret, now_ms: u64) -> Result<String, Failure> {
    let at = crate::clock::Timestamp::from_unix_seconds(now_ms / 1000);
    at.and_then(|at| crate::credential::otp::code_at(seed, at).ok())
        .map(|(code, _)| code)
        .ok_or_else(|| Failure::new(ErrorKind::Internal, "no authenticator code at this time"))
}

/// The body of a Kraken request, once checked: a `/0/private/` path, no query, a form or a
/// JSON object without a nonce of its own (nor a 2FA code, for a key whose authenticator
/// codes keycellar makes: `with_otp`).
fn kraken_body(request: &SignRequest, with_otp: bool) -> Result<&str, Failure> {
    if with_otp && super::kraken::has_field(&request.body, "otp") == Some(true) {
        return Err(Failure::bad(
            "the body carries its own otp; keycellar adds this key's authenticator code",
        ));
    }
    if !request.path.starts_with("/0/private/") {
        return Err(Failure::bad(
            "keycellar signs Kraken requests to /0/private/ paths only",
        ));
    }
    if !request.query.is_empty() {
        return Err(Failure::bad(
            "Kraken private requests carry no query string",
        ));
    }
    match super::kraken::has_nonce_field(&request.body) {
        Some(false) => Ok(&request.body),
        Some(true) => Err(Failure::bad(
            "the body carries its own nonce; keycellar issues Kraken nonces",
        )),
        None => Err(Failure::bad(
            "the body starts like JSON but is not a JSON object",
        )),
    }
}

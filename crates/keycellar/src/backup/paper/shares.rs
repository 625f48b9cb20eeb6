//! k-of-n shares of a sheet key (`print --split K-of-N`): Shamir's secret sharing over
//! GF(2^8), byte by byte, from the `blahaj` crate (0.7), the maintained fork of `sharks`
//! that fixed its biased coefficients (RUSTSEC-2024-0398); `vsss-rs` was the other
//! candidate, but it is built around elliptic-curve scalars, where a byte field is all a
//! key file needs. The field is GF(2^8) with the reduction polynomial x^8+x^4+x^3+x^2+1
//! (0x11d); share number x (1..=N) holds f(x) for each byte's polynomial, whose constant
//! term is that byte of the secret. docs/FORMAT.md section 8.7 specifies the bytes.
//!
//! The secret is the key item's plaintext (`# keycellar sheet ID, entries: N` and the
//! `AGE-SECRET-KEY-1...` line), so combining gives exactly what decrypting item K would.
//!
//! Combining the shares read, and finding an altered one among more than K, is in
//! `combine`.
//!
//! A wrong set is caught, never turned into a wrong key: each share carries the sheet ID,
//! K, N and its number under a check (the first 4 bytes of a SHA-256 of the rest), and a
//! digest of the secret (in the spirit of SLIP-39's digest share); combining refuses shares
//! that disagree on sheet, K, N or digest, fewer than K, and a result whose digest does not
//! match. With more than K shares, an altered one is found and named: K-subsets are tried
//! until one gives the digest, and every other share must lie on the same polynomial.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Most shares a split makes.
pub const MAX_SHARES: u8 = 16;
/// The version byte of the share and threshold layouts.
const VERSION: u8 = 1;
const DIGEST_CONTEXT: &[u8] = b"keycellar share digest v1";
const CHECK_LEN: usize = 4;

/// What every share of a split agrees on; the data sheet carries it as item `T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub sheet: [u8; 4],
    pub k: u8,
    pub n: u8,
    /// The first 8 bytes of SHA-256("keycellar share digest v1" || sheet || secret).
    pub digest: [u8; 8],
}

/// One share.
#[derive(Clone, PartialEq, Eq)]
pub struct Share {
    pub threshold: Threshold,
    /// The share's number, 1..=N (its x).
    pub x: u8,
    /// f(x) for each byte of the secret.
    pub y: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Share({} of {:?})", self.x, self.threshold)
    }
}

fn digest(sheet: &[u8; 4], secret: &[u8]) -> [u8; 8] {
    let hash = Sha256::new()
        .chain_update(DIGEST_CONTEXT)
        .chain_update(sheet)
        .chain_update(secret)
        .finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&hash[..8]);
    out
}

/// `body` followed by its check.
fn checked(mut body: Vec<u8>) -> Vec<u8> {
    let hash = Sha256::digest(&body);
    body.extend_from_slice(&hash[..CHECK_LEN]);
    body
}

/// The body of `bytes` when its check holds.
fn verified(bytes: &[u8]) -> std::result::Result<&[u8], String> {
    let split = bytes
        .len()
        .checked_sub(CHECK_LEN)
        .ok_or("it is too short")?;
    let (body, check) = bytes.split_at(split);
    (Sha256::digest(body)[..CHECK_LEN] == *check)
        .then_some(body)
        .ok_or_else(|| "its check does not match (a character is wrong)".to_string())
}

impl Threshold {
    /// `T` | version | sheet (4) | K | N | digest (8) | check (4).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = vec![b'T', VERSION];
        body.extend_from_slice(&self.sheet);
        body.extend_from_slice(&[self.k, self.n]);
        body.extend_from_slice(&self.digest);
        checked(body)
    }

    pub fn parse(bytes: &[u8]) -> std::result::Result<Threshold, String> {
        let body = verified(bytes)?;
        match body {
            [b'T', VERSION, s0, s1, s2, s3, k, n, digest @ ..] => {
                Threshold::checked([*s0, *s1, *s2, *s3], *k, *n, digest)
            }
            _ => Err("it is not a keycellar split record".into()),
        }
    }

    /// A split record read back: the counts keycellar makes and an 8-byte digest.
    fn checked(sheet: [u8; 4], k: u8, n: u8, digest: &[u8]) -> std::result::Result<Self, String> {
        let digest = digest.try_into().map_err(|_| "its digest is not 8 bytes")?;
        let threshold = Threshold {
            sheet,
            k,
            n,
            digest,
        };
        threshold.check_counts()?;
        Ok(threshold)
    }

    fn check_counts(&self) -> std::result::Result<(), String> {
        if 2 <= self.k && self.k <= self.n && self.n <= MAX_SHARES {
            Ok(())
        } else {
            Err(format!(
                "{}-of-{} is not a split keycellar makes",
                self.k, self.n
            ))
        }
    }

    /// The sheet ID as printed: 8 hex digits.
    pub fn sheet_id(&self) -> String {
        self.sheet.iter().map(|b| format!("{b:02X}")).collect()
    }
}

impl Share {
    /// `S` | version | sheet (4) | K | N | x | digest (8) | length | y | check (4).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let t = &self.threshold;
        let mut body = vec![b'S', VERSION];
        body.extend_from_slice(&t.sheet);
        body.extend_from_slice(&[t.k, t.n, self.x]);
        body.extend_from_slice(&t.digest);
        body.push(self.y.len() as u8);
        body.extend_from_slice(&self.y);
        Zeroizing::new(checked(body))
    }

    pub fn parse(bytes: &[u8]) -> std::result::Result<Share, String> {
        let body = verified(bytes)?;
        let [b'S', VERSION, s0, s1, s2, s3, k, n, x, rest @ ..] = body else {
            return Err("it is not a keycellar share".into());
        };
        let (digest, rest) = rest.split_at_checked(8).ok_or("it is cut short")?;
        let (len, y) = rest.split_first().ok_or("it is cut short")?;
        if y.len() != usize::from(*len) || y.is_empty() {
            return Err("its length does not match".into());
        }
        let threshold = Threshold::checked([*s0, *s1, *s2, *s3], *k, *n, digest)?;
        if *x == 0 || *x > *n {
            return Err(format!("share number {x} is not between 1 and {n}"));
        }
        Ok(Share {
            threshold,
            x: *x,
            y: Zeroizing::new(y.to_vec()),
        })
    }
}

/// Splits `secret` (at most 255 bytes) into `n` shares, any `k` of which give it back.
pub fn split(secret: &[u8], sheet: [u8; 4], k: u8, n: u8) -> Result<(Threshold, Vec<Share>)> {
    let threshold = Threshold {
        sheet,
        k,
        n,
        digest: digest(&sheet, secret),
    };
    threshold.check_counts().map_err(Error::Internal)?;
    if secret.is_empty() || secret.len() > 255 {
        return Err(Error::Internal("a split secret is 1 to 255 bytes".into()));
    }
    // A fallible first draw says whether the system's generator works (see generate.rs).
    getrandom::fill(&mut [0u8; 8]).map_err(|e| Error::NoRandomness(e.to_string()))?;
    let mut rng = rand::rand_core::UnwrapErr(rand::rngs::SysRng);
    let shares = blahaj::Sharks(k)
        .dealer_rng(secret, &mut rng)
        .take(usize::from(n))
        .map(|share| {
            let bytes = Zeroizing::new(Vec::<u8>::from(&share));
            Share {
                threshold,
                x: bytes[0],
                y: Zeroizing::new(bytes[1..].to_vec()),
            }
        })
        .collect();
    Ok((threshold, shares))
}

mod combine;
pub use combine::{Combined, MAX_INTERPOLATIONS, MAX_SUBSETS, combine};

#[cfg(test)]
mod tests;

//! Combining the shares read into the secret. Exactly K shares either give the digest or
//! say that one of them was altered. With more, K-subsets are tried: a subset that gives
//! the digest fixes a polynomial, and every share read is checked against it, so an
//! altered share is named and set aside rather than blocking the restore.
//!
//! One altered share never hides: its change moves the value at 0 (each Lagrange
//! coefficient at 0 is non-zero), so no subset holding it gives the digest. Several
//! altered shares can cancel out at 0 (a forger who knows the coefficients can arrange
//! it); the polynomial most shares agree with is then taken, and when two agree with as
//! many, the shares are named as disputed rather than as altered.

use super::{Share, Threshold, digest};
use crate::error::{Error, Result};
use crate::error::{NoKey, NumberedShare, PaperError, SplitOf, Unreadable};
use std::collections::BTreeSet;
use zeroize::Zeroizing;

/// Most K-subsets of the shares read that combining tries: C(16, 8) = 12,870, all that the
/// 16 shares of an 8-of-16 split can ask for. Only a file repeating share numbers with
/// different texts can ask for more, and the search stops there.
pub const MAX_SUBSETS: usize = 12_870;

/// Most interpolations (of at most 16 shares of at most 255 bytes) a search makes: one per
/// subset tried, and one per share checked against a subset that gives the digest. Twice
/// [`MAX_SUBSETS`]: only shares altered to cancel out at 0 come near it.
pub const MAX_INTERPOLATIONS: usize = 2 * MAX_SUBSETS;

/// The secret combined from the shares read, and what each share read turned out to be.
#[derive(Debug)]
pub struct Combined {
    pub secret: Zeroizing<Vec<u8>>,
    /// The numbers of the K shares the secret came from.
    pub used: Vec<u8>,
    /// The numbers of shares read that do not lie on the polynomial of `used`.
    pub odd: Vec<u8>,
    /// True when `odd` were certainly altered: the shares that agree with `used` are more
    /// than any other polynomial with the digest could gather.
    pub certain: bool,
}

/// A polynomial with the digest: the K shares that fix it, its secret, and the indices of
/// the shares read that lie on it.
struct Fit<'a> {
    subset: Vec<&'a Share>,
    secret: Zeroizing<Vec<u8>>,
    agree: Vec<usize>,
}

/// The secret from shares read in any order (repeats allowed), checked against `expected`
/// (the data sheet's record, when it was read) and against the digest.
pub fn combine(shares: &[Share], expected: Option<&Threshold>) -> Result<Combined> {
    let split = one_split(shares, expected)?;
    let mut read: Vec<&Share> = Vec::new();
    for share in shares {
        if !read.iter().any(|r| r.x == share.x && r.y == share.y) {
            read.push(share);
        }
    }
    read.sort_by(|a, b| (a.x, &a.y[..]).cmp(&(b.x, &b.y[..])));
    let numbers: Vec<u8> = read
        .iter()
        .map(|s| s.x)
        .collect::<BTreeSet<u8>>()
        .into_iter()
        .collect();
    let twice = twice_numbered(&read);
    let refuse = |why| no_key(why, twice.clone());
    let (k, n) = (split.k, split.n);
    if numbers.len() < usize::from(k) {
        return Err(refuse(NoKey::TooFew {
            k,
            n,
            read: numbers,
        }));
    }
    let Some((fit, certain)) = best_fit(&read, &split)? else {
        return Err(refuse(NoKey::NoneCombine { k, read: numbers }));
    };
    let odd = (0..read.len())
        .filter(|i| !fit.agree.contains(i))
        .map(|i| read[i].x)
        .collect();
    Ok(Combined {
        secret: fit.secret,
        used: fit.subset.iter().map(|s| s.x).collect(),
        odd,
        certain,
    })
}

/// What every share agrees on; shares of another split, or of another sheet than the data
/// sheet read, are refused by name.
fn one_split(shares: &[Share], expected: Option<&Threshold>) -> Result<Threshold> {
    let refuse = |why| no_key(why, Vec::new());
    let Some(first) = shares.first().map(|s| s.threshold).or(expected.copied()) else {
        return Err(refuse(NoKey::NoShare));
    };
    if let Some(other) = shares.iter().find(|s| s.threshold != first) {
        let numbered = |number, threshold: &Threshold| NumberedShare {
            number,
            split: split_of(threshold),
        };
        return Err(refuse(NoKey::OtherSplit {
            share: numbered(other.x, &other.threshold),
            first: numbered(shares[0].x, &first),
        }));
    }
    if let Some(expected) = expected.filter(|e| **e != first) {
        return Err(refuse(NoKey::NotThisSheet {
            shares: split_of(&first),
            sheet: expected.sheet_id(),
        }));
    }
    Ok(first)
}

/// The polynomial with the digest that most shares read lie on, trying K-subsets in
/// order (at most [`MAX_SUBSETS`] subsets and [`MAX_INTERPOLATIONS`] interpolations); and
/// whether no other could have as many. It stops at
/// the first that more than half the shares beyond K-1 agree with: no other polynomial
/// can then gather as many (two agree on at most K-1 shares).
fn best_fit<'a>(read: &[&'a Share], split: &Threshold) -> Result<Option<(Fit<'a>, bool)>> {
    let k = usize::from(split.k);
    let mut chosen: Vec<usize> = (0..k).collect();
    let mut best: Option<Fit> = None;
    let mut tied = false;
    let (mut subsets, mut interpolations) = (0, 0);
    while subsets < MAX_SUBSETS && interpolations < MAX_INTERPOLATIONS {
        subsets += 1;
        interpolations += 1;
        let subset: Vec<&Share> = chosen.iter().map(|&i| read[i]).collect();
        if let Some(secret) = combined(&subset, split)? {
            interpolations += read.len() - k;
            let agree = agreeing(read, &subset, &secret)?;
            if 2 * agree.len() >= k + read.len() {
                return Ok(Some((
                    Fit {
                        subset,
                        secret,
                        agree,
                    },
                    true,
                )));
            }
            match &best {
                Some(b) if b.agree.len() > agree.len() => {}
                Some(b) if b.agree.len() == agree.len() => tied |= b.agree != agree,
                _ => {
                    tied = false;
                    best = Some(Fit {
                        subset,
                        secret,
                        agree,
                    });
                }
            }
        }
        // The next k-combination of 0..read.len(), in lexicographic order.
        let Some(i) = (0..k).rev().find(|&i| chosen[i] < read.len() - k + i) else {
            return Ok(best.map(|fit| (fit, !tied)));
        };
        chosen[i] += 1;
        for j in i + 1..k {
            chosen[j] = chosen[j - 1] + 1;
        }
    }
    match best {
        Some(fit) => Ok(Some((fit, false))),
        None => Err(no_key(
            NoKey::TooManyTexts {
                texts: read.len(),
                tried: subsets,
            },
            Vec::new(),
        )),
    }
}

/// The indices of the shares read that lie on the polynomial of `subset`: a share does
/// when it and K-1 of the subset give the same secret (two polynomials through the same
/// K-1 points differ at 0 unless they are one).
fn agreeing(read: &[&Share], subset: &[&Share], secret: &[u8]) -> Result<Vec<usize>> {
    let base = &subset[..subset.len() - 1];
    let mut agree = Vec::new();
    for (i, share) in read.iter().enumerate() {
        let member = subset.iter().any(|s| std::ptr::eq(*s, *share));
        let mut with = base.to_vec();
        with.push(share);
        if member || interpolate(&with)?.is_some_and(|other| other[..] == *secret) {
            agree.push(i);
        }
    }
    Ok(agree)
}

/// The secret K shares give when it has the split's digest.
fn combined(shares: &[&Share], split: &Threshold) -> Result<Option<Zeroizing<Vec<u8>>>> {
    Ok(interpolate(shares)?.filter(|secret| digest(&split.sheet, secret) == split.digest))
}

/// Lagrange interpolation at 0 (by blahaj) of shares with distinct numbers and one length;
/// `None` for shares that cannot be combined.
fn interpolate(shares: &[&Share]) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let numbers: BTreeSet<u8> = shares.iter().map(|s| s.x).collect();
    let length = shares.first().map(|s| s.y.len());
    if numbers.len() != shares.len() || shares.iter().any(|s| Some(s.y.len()) != length) {
        return Ok(None);
    }
    let parts: Vec<blahaj::Share> = shares
        .iter()
        .map(|s| {
            let mut bytes = Zeroizing::new(vec![s.x]);
            bytes.extend_from_slice(&s.y);
            blahaj::Share::try_from(&bytes[..]).map_err(|e| Error::Internal(e.into()))
        })
        .collect::<Result<_>>()?;
    let secret = blahaj::Sharks(shares.len() as u8)
        .recover(&parts)
        .map_err(|e| Error::Internal(e.into()))?;
    Ok(Some(Zeroizing::new(secret)))
}

/// The numbers that two different shares read carry (`read` is sorted).
fn twice_numbered(read: &[&Share]) -> Vec<u8> {
    let twice: BTreeSet<u8> = read
        .windows(2)
        .filter(|pair| pair[0].x == pair[1].x)
        .map(|pair| pair[0].x)
        .collect();
    twice.into_iter().collect()
}

/// The failure of shares that give no key.
fn no_key(why: NoKey, twice: Vec<u8>) -> Error {
    let unread = Vec::new();
    let why = Box::new(Unreadable::Shares { why, twice, unread });
    Error::Paper(PaperError::PaperUnreadable { why })
}

/// A threshold as a failure names its split.
fn split_of(threshold: &Threshold) -> SplitOf {
    SplitOf {
        sheet: threshold.sheet_id(),
        k: threshold.k,
        n: threshold.n,
    }
}

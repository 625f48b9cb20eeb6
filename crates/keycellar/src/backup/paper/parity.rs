//! Parity over page slots (docs/FORMAT.md section 8.8): the erasure code that lets any N
//! whole pages of a sheet be lost. Each slot (one code's place on a page, or one typed
//! line's) is framed as its length and its text; slot j of parity page i is, byte by byte,
//! the sum over data pages d of `coefficient(i, d)` times slot j of page d, in GF(2^8).
//!
//! The coefficients are a Cauchy matrix, 1 / (x_i + y_d) with x_i = i and y_d = 128 + d,
//! each column scaled so that parity page 0 is the plain XOR of the data pages. Every
//! square part of a Cauchy matrix is invertible, and scaling columns keeps it so: any N
//! lost pages, data or parity, can be rebuilt from the others.

/// The most data pages parity covers (their `y` must stay clear of the parity pages' `x`).
pub const MAX_DATA_PAGES: usize = 128;
/// The most parity pages a sheet may have.
pub const MAX_PARITY_PAGES: usize = 8;

/// Product in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11d), as section 8.7.
pub fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0x1d;
        }
        b >>= 1;
    }
    product
}

/// Inverse in GF(2^8): a^254 (a^255 = 1 for every non-zero a), and 254 = 2 + 4 + ... + 128.
fn inverse(a: u8) -> u8 {
    debug_assert!(a != 0, "zero has no inverse");
    let (mut square, mut product) = (a, 1);
    for _ in 1..8 {
        square = mul(square, square);
        product = mul(product, square);
    }
    product
}

/// The weight of data page `d` (from 0) in parity page `i` (from 0): y_d / (x_i + y_d).
pub fn coefficient(i: usize, d: usize) -> u8 {
    assert!(i < MAX_PARITY_PAGES && d < MAX_DATA_PAGES);
    let y = 128 + d as u8;
    mul(y, inverse(i as u8 ^ y))
}

/// A slot's text as parity covers it: its length (2 bytes, big-endian), the text, and
/// zero bytes up to `len`.
fn framed(text: &[u8], len: usize) -> Vec<u8> {
    let mut out = (text.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(text);
    out.resize(len, 0);
    out
}

/// The framed length of a slot: 2 bytes more than its longest text on any data page.
fn framed_len(texts: &[&[u8]]) -> usize {
    2 + texts.iter().map(|t| t.len()).max().unwrap_or(0)
}

/// The parity blocks of one slot, given its text on each data page in order (empty where
/// the page has nothing in that slot).
pub fn encode(texts: &[&[u8]], parity_pages: usize) -> Vec<Vec<u8>> {
    let len = framed_len(texts);
    (0..parity_pages)
        .map(|i| {
            let mut block = vec![0u8; len];
            for (d, text) in texts.iter().enumerate() {
                let weight = coefficient(i, d);
                for (out, byte) in block.iter_mut().zip(framed(text, len)) {
                    *out ^= mul(weight, byte);
                }
            }
            block
        })
        .collect()
}

/// Why lost pages could not be rebuilt.
#[derive(Debug, PartialEq, Eq)]
pub enum Unrebuilt {
    /// Too many pages are missing: `more` of the `missing` ones (data pages and then
    /// parity pages, from 0) are needed, any of them.
    NeedMore { more: usize, missing: Vec<usize> },
    /// The pages read do not fit together (a page of another sheet, or a misread).
    Inconsistent,
}

/// The slot's text on every data page, those lost (`None`) rebuilt from the parity
/// blocks read (`None` where lost). Data pages read are returned as they are.
pub fn rebuild(
    data: &[Option<&[u8]>],
    parity: &[Option<&[u8]>],
) -> Result<Vec<Vec<u8>>, Unrebuilt> {
    let lost: Vec<usize> = (0..data.len()).filter(|&d| data[d].is_none()).collect();
    let rows: Vec<(usize, &[u8])> = (0..parity.len())
        .filter_map(|i| parity[i].map(|block| (i, block)))
        .take(lost.len())
        .collect();
    if rows.len() < lost.len() {
        let missing_parity = (0..parity.len()).filter(|&i| parity[i].is_none());
        return Err(Unrebuilt::NeedMore {
            more: lost.len() - rows.len(),
            missing: lost
                .iter()
                .copied()
                .chain(missing_parity.map(|i| data.len() + i))
                .collect(),
        });
    }
    let mut out: Vec<Vec<u8>> = data
        .iter()
        .map(|t| t.unwrap_or_default().to_vec())
        .collect();
    let Some(len) = rows.first().map(|(_, block)| block.len()) else {
        return Ok(out);
    };
    let known: Vec<&[u8]> = data.iter().flatten().copied().collect();
    if rows.iter().any(|(_, b)| b.len() != len) || framed_len(&known) > len {
        return Err(Unrebuilt::Inconsistent);
    }
    // What the lost pages add to each parity row: the row less the pages read.
    let syndromes: Vec<Vec<u8>> = rows
        .iter()
        .map(|&(i, block)| {
            let mut s = block.to_vec();
            for (d, text) in data.iter().enumerate() {
                if let Some(text) = text {
                    let weight = coefficient(i, d);
                    for (out, byte) in s.iter_mut().zip(framed(text, len)) {
                        *out ^= mul(weight, byte);
                    }
                }
            }
            s
        })
        .collect();
    let matrix: Vec<Vec<u8>> = rows
        .iter()
        .map(|&(i, _)| lost.iter().map(|&d| coefficient(i, d)).collect())
        .collect();
    let inverse = invert(matrix).ok_or(Unrebuilt::Inconsistent)?;
    for (c, &d) in lost.iter().enumerate() {
        let frame: Vec<u8> = (0..len)
            .map(|b| (0..rows.len()).fold(0, |acc, r| acc ^ mul(inverse[c][r], syndromes[r][b])))
            .collect();
        let text_len = usize::from(u16::from_be_bytes([frame[0], frame[1]]));
        if text_len > len - 2 || frame[2 + text_len..].iter().any(|&b| b != 0) {
            return Err(Unrebuilt::Inconsistent);
        }
        out[d] = frame[2..2 + text_len].to_vec();
    }
    Ok(out)
}

/// The inverse of a square matrix over GF(2^8) by Gauss-Jordan elimination, or `None`
/// when it has none.
fn invert(mut m: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
    let n = m.len();
    let mut inv: Vec<Vec<u8>> = (0..n)
        .map(|r| (0..n).map(|c| u8::from(r == c)).collect())
        .collect();
    for col in 0..n {
        let pivot = (col..n).find(|&r| m[r][col] != 0)?;
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let scale = inverse(m[col][col]);
        for c in 0..n {
            m[col][c] = mul(m[col][c], scale);
            inv[col][c] = mul(inv[col][c], scale);
        }
        for r in 0..n {
            let factor = m[r][col];
            if r == col || factor == 0 {
                continue;
            }
            for c in 0..n {
                m[r][c] ^= mul(factor, m[col][c]);
                inv[r][c] ^= mul(factor, inv[col][c]);
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
#[path = "parity/tests.rs"]
mod tests;

//! Parity over page slots (docs/FORMAT.md section 8.8): the erasure code that lets any N
//! whole pages of a sheet be lost. Each slot (one code's place on a page, or one typed
//! line's) is framed as its length and its text; slot j of parity page i is, byte by byte,
//! the sum over data pages d of `coefficient(i, d)` times slot j of page d, in GF(2^8).
//!
//! The coefficients are a Cauchy matrix, 1 / (x_i + y_d) with x_i = i and y_d = 128 + d,
//! each column scaled so that parity page 0 is the plain XOR of the data pages. Every
//! square part of a Cauchy matrix is invertible, and scaling columns keeps it so: any N
//! lost pages, data or parity, can be rebuilt from the others. The typed lines' parity
//! is the same code over GF(2^5), a base32 character an element, with y_d = 8 + d.

/// The most data pages parity covers (their `y` must stay clear of the parity pages' `x`).
pub const MAX_DATA_PAGES: usize = 128;
/// The most parity pages a sheet may have.
pub const MAX_PARITY_PAGES: usize = 8;

/// The base32 alphabet of RFC 4648: a character's value is its place.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A code's data, five bits a base32 character, most significant first, the last byte
/// filled out with zero bits.
pub fn pack(data: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity((data.len() * 5).div_ceil(8));
    let (mut bits, mut held) = (0u32, 0);
    for c in data.bytes() {
        let value = ALPHABET.iter().position(|&b| b == c).unwrap_or(0) as u32;
        bits = (bits << 5) | value;
        held += 5;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
        }
    }
    if held > 0 {
        out.push((bits << (8 - held)) as u8);
    }
    out
}

/// `chars` base32 characters back from [`pack`]ed bytes, or `None` when the bytes are not
/// exactly what packing that many characters gives.
pub fn unpack(packed: &[u8], chars: usize) -> Option<String> {
    if packed.len() != (chars * 5).div_ceil(8) {
        return None;
    }
    let bit = |n: usize| (packed[n / 8] >> (7 - n % 8)) & 1;
    let spare = (chars * 5..packed.len() * 8).any(|n| bit(n) != 0);
    let text = (0..chars).map(|c| {
        let value = (0..5).fold(0usize, |v, b| (v << 1) | usize::from(bit(c * 5 + b)));
        char::from(ALPHABET[value])
    });
    (!spare).then(|| text.collect())
}

/// A finite field GF(2^bits) for parity, and where its Cauchy matrix takes the data pages'
/// `y` from (the parity pages' `x` are 0 ... 7, below it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    bits: u32,
    /// The reducing polynomial, x^bits included.
    poly: u16,
    y0: u8,
}

/// GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11d), as section 8.7: the codes' parity,
/// byte by byte.
pub const GF256: Field = Field {
    bits: 8,
    poly: 0x11d,
    y0: 128,
};

/// GF(2^5) modulo x^5 + x^2 + 1 (0x25): the typed lines' parity, character by character
/// (a base32 character's value is one element).
pub const GF32: Field = Field {
    bits: 5,
    poly: 0x25,
    y0: 8,
};

impl Field {
    /// The product of two elements.
    pub fn mul(self, a: u8, b: u8) -> u8 {
        let (mut a, mut b, mut product) = (u16::from(a), b, 0u16);
        while b != 0 {
            if b & 1 != 0 {
                product ^= a;
            }
            a <<= 1;
            if a >> self.bits != 0 {
                a ^= self.poly;
            }
            b >>= 1;
        }
        product as u8
    }

    /// The inverse of a non-zero element: a^(2^bits - 2), as a^(2^bits - 1) = 1.
    fn inverse(self, a: u8) -> u8 {
        debug_assert!(a != 0, "zero has no inverse");
        let (mut square, mut product) = (a, 1);
        for _ in 1..self.bits {
            square = self.mul(square, square);
            product = self.mul(product, square);
        }
        product
    }

    /// The most data pages the field's Cauchy matrix has room for.
    pub fn max_data_pages(self) -> usize {
        (1 << self.bits) - usize::from(self.y0)
    }

    /// The weight of data page `d` (from 0) in parity page `i` (from 0): y_d / (x_i + y_d),
    /// x_i = i, y_d = y0 + d.
    pub fn coefficient(self, i: usize, d: usize) -> u8 {
        assert!(i < MAX_PARITY_PAGES && d < self.max_data_pages());
        let y = self.y0 + d as u8;
        self.mul(y, self.inverse(i as u8 ^ y))
    }
}

/// Product in GF(2^8) (see [`GF256`]).
pub fn mul(a: u8, b: u8) -> u8 {
    GF256.mul(a, b)
}

/// The weight of data page `d` in parity page `i` of the codes, in GF(2^8): y_d / (x_i + y_d)
/// with x_i = i and y_d = 128 + d.
pub fn coefficient(i: usize, d: usize) -> u8 {
    GF256.coefficient(i, d)
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
    let frames: Vec<Vec<u8>> = texts.iter().map(|t| framed(t, len)).collect();
    let frames: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    encode_blocks(GF256, &frames, parity_pages)
}

/// The parity blocks of equal-length data blocks of elements of `field` (shorter ones
/// count as filled out with zeros to the longest): no framing, for texts whose lengths are
/// known otherwise.
pub fn encode_blocks(field: Field, blocks: &[&[u8]], parity_pages: usize) -> Vec<Vec<u8>> {
    let len = blocks.iter().map(|b| b.len()).max().unwrap_or(0);
    (0..parity_pages)
        .map(|i| {
            let mut parity = vec![0u8; len];
            for (d, block) in blocks.iter().enumerate() {
                add_scaled(field, &mut parity, field.coefficient(i, d), block);
            }
            parity
        })
        .collect()
}

/// `out` += `weight` * `block`, byte by byte (a block shorter than `out` is filled out with
/// zero bytes).
fn add_scaled(field: Field, out: &mut [u8], weight: u8, block: &[u8]) {
    for (o, &byte) in out.iter_mut().zip(block) {
        *o ^= field.mul(weight, byte);
    }
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
    let len = parity.iter().flatten().map(|b| b.len()).next().unwrap_or(0);
    let known: Vec<&[u8]> = data.iter().flatten().copied().collect();
    let lost = data.iter().any(Option::is_none);
    if lost && framed_len(&known) > len && parity.iter().any(Option::is_some) {
        return Err(Unrebuilt::Inconsistent);
    }
    let frames: Vec<Option<Vec<u8>>> = data.iter().map(|t| t.map(|t| framed(t, len))).collect();
    let frames: Vec<Option<&[u8]>> = frames.iter().map(|f| f.as_deref()).collect();
    let blocks = rebuild_blocks(GF256, &frames, parity)?;
    let mut out: Vec<Vec<u8>> = data
        .iter()
        .map(|t| t.unwrap_or_default().to_vec())
        .collect();
    for d in (0..data.len()).filter(|&d| data[d].is_none()) {
        let frame = &blocks[d];
        let text_len = usize::from(u16::from_be_bytes([frame[0], frame[1]]));
        if text_len > len - 2 || frame[2 + text_len..].iter().any(|&b| b != 0) {
            return Err(Unrebuilt::Inconsistent);
        }
        out[d] = frame[2..2 + text_len].to_vec();
    }
    Ok(out)
}

/// Every data block, those lost (`None`) rebuilt from the parity blocks read (`None` where
/// lost), in `field`; all blocks as long as the parity blocks (those read may be shorter:
/// zeros fill them out). Data blocks read are returned as they are, filled out.
pub fn rebuild_blocks(
    field: Field,
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
    let len = rows.first().map_or(0, |(_, block)| block.len());
    let filled = |block: &[u8]| {
        let mut out = block.to_vec();
        out.resize(len.max(block.len()), 0);
        out
    };
    let mut out: Vec<Vec<u8>> = data.iter().map(|b| filled(b.unwrap_or_default())).collect();
    if lost.is_empty() {
        return Ok(out);
    }
    let known_fits = data.iter().flatten().all(|b| b.len() <= len);
    if rows.iter().any(|(_, b)| b.len() != len) || !known_fits {
        return Err(Unrebuilt::Inconsistent);
    }
    // What the lost pages add to each parity row: the row less the pages read.
    let syndromes: Vec<Vec<u8>> = rows
        .iter()
        .map(|&(i, block)| {
            let mut s = block.to_vec();
            for (d, known) in data.iter().enumerate() {
                if let Some(known) = known {
                    add_scaled(field, &mut s, field.coefficient(i, d), known);
                }
            }
            s
        })
        .collect();
    let matrix: Vec<Vec<u8>> = rows
        .iter()
        .map(|&(i, _)| lost.iter().map(|&d| field.coefficient(i, d)).collect())
        .collect();
    let inverse = invert(field, matrix).ok_or(Unrebuilt::Inconsistent)?;
    for (c, &d) in lost.iter().enumerate() {
        out[d] = vec![0; len];
        for (r, syndrome) in syndromes.iter().enumerate() {
            add_scaled(field, &mut out[d], inverse[c][r], syndrome);
        }
    }
    Ok(out)
}

/// The inverse of a square matrix over `field` by Gauss-Jordan elimination, or `None`
/// when it has none.
fn invert(field: Field, mut m: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
    let mul = |a, b| field.mul(a, b);
    let n = m.len();
    let mut inv: Vec<Vec<u8>> = (0..n)
        .map(|r| (0..n).map(|c| u8::from(r == c)).collect())
        .collect();
    for col in 0..n {
        let pivot = (col..n).find(|&r| m[r][col] != 0)?;
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let scale = field.inverse(m[col][col]);
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

//! SHA-1 (FIPS 180-4) and HMAC-SHA-1 (RFC 2104), for one use only: the 6-digit codes of
//! an authenticator (RFC 6238 TOTP, whose codes Kraken checks with SHA-1). SHA-1's collision
//! weakness does not touch HMAC's or TOTP's security; nothing else in keycellar may use it.
//! Written here rather than taken as a crate because it is small, fixed and checked against
//! the published vectors below, and a new crate would need the supply check's advisory
//! snapshot cut again (docs/DEPENDENCIES.md). The key's blocks are wiped after use.

use zeroize::Zeroizing;

const BLOCK: usize = 64;

/// SHA-1 state over 64-byte blocks.
struct Sha1 {
    state: [u32; 5],
    buffer: Zeroizing<[u8; BLOCK]>,
    filled: usize,
    length: u64,
}

impl Sha1 {
    fn new() -> Sha1 {
        Sha1 {
            state: [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0],
            buffer: Zeroizing::new([0; BLOCK]),
            filled: 0,
            length: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (BLOCK - self.filled).min(data.len());
            self.buffer[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled == BLOCK {
                compress(&mut self.state, &self.buffer);
                self.filled = 0;
            }
        }
    }

    fn finish(mut self) -> [u8; 20] {
        let bits = self.length.wrapping_mul(8);
        self.update(&[0x80]);
        while self.filled != BLOCK - 8 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 20];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

fn compress(state: &mut [u32; 5], block: &[u8; BLOCK]) {
    let mut w = Zeroizing::new([0u32; 80]);
    for (i, word) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    }
    for i in 16..80 {
        w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for (i, word) in w.iter().enumerate() {
        let (f, k) = match i {
            0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
            20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
            40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
            _ => (b ^ c ^ d, 0xCA62_C1D6),
        };
        let next = a
            .rotate_left(5)
            .wrapping_add(f)
            .wrapping_add(e)
            .wrapping_add(k)
            .wrapping_add(*word);
        (e, d, c, b, a) = (d, c, b.rotate_left(30), a, next);
    }
    for (word, add) in state.iter_mut().zip([a, b, c, d, e]) {
        *word = word.wrapping_add(add);
    }
}

/// SHA-1 of `data`.
#[cfg(test)]
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut hasher = Sha1::new();
    hasher.update(data);
    hasher.finish()
}

/// HMAC-SHA-1 (RFC 2104) of `message` keyed by `key`.
pub fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = Zeroizing::new([0u8; BLOCK]);
    if key.len() > BLOCK {
        let mut hasher = Sha1::new();
        hasher.update(key);
        block[..20].copy_from_slice(&hasher.finish());
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut pad = Zeroizing::new([0u8; BLOCK]);
    let mut inner = Sha1::new();
    pad.iter_mut().zip(block.iter()).for_each(|(p, k)| *p = k ^ 0x36);
    inner.update(&*pad);
    inner.update(message);
    let inner = inner.finish();
    let mut outer = Sha1::new();
    pad.iter_mut().zip(block.iter()).for_each(|(p, k)| *p = k ^ 0x5c);
    outer.update(&*pad);
    outer.update(&inner);
    outer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// FIPS 180-4's examples (csrc.nist.gov, "SHA1.pdf"), and a million `a`.
    #[test]
    fn the_published_digests() {
        let rows: [(&[u8], &str); 4] = [
            (b"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            ),
            (&[b'a'; 1_000_000], "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
        ];
        for (data, digest) in rows {
            assert_eq!(hex(&sha1(data)), digest, "{} bytes", data.len());
        }
    }

    /// RFC 2202's HMAC-SHA-1 test cases 1, 2, 3, 6 and 7 (6 and 7 key with 80 bytes, more
    /// than a block).
    #[test]
    fn the_rfc_2202_macs() {
        let rows: [(&[u8], &[u8], &str); 5] = [
            (&[0x0b; 20], b"Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
            ),
            (&[0xaa; 20], &[0xdd; 50], "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
            (
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "aa4ae5e15272d00e95705637ce8a3b55ed402112",
            ),
            (
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
                "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
            ),
        ];
        for (key, message, mac) in rows {
            assert_eq!(hex(&hmac_sha1(key, message)), mac);
        }
    }
}

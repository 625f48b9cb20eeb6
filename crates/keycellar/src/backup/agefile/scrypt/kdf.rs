//! scrypt (RFC 7914), with its working memory asked for fallibly and wiped after use.
//!
//! age computes scrypt with RustCrypto's `scrypt` crate, which allocates its memory (1 KiB
//! times N at age's r = 8) with an infallible `vec!`: a machine without the memory aborts
//! the process, and no check made beforehand can promise the memory is still there when
//! it is asked for. Here it is asked for with `try_reserve_exact`, so a failure is an
//! [`OutOfMemory`] error, every time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// age's scrypt block size (r); its parallelism (p) is 1.
const AGE_BLOCK_SIZE: usize = 8;

/// scrypt could not have the memory it needs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OutOfMemory {
    pub(crate) memory_mib: u64,
}

/// The memory age's scrypt needs at `log_n`, in MiB: 128 * r * N bytes.
pub(crate) fn age_memory_mib(log_n: u8) -> u64 {
    ((128 * AGE_BLOCK_SIZE as u128) << log_n >> 20) as u64
}

/// age's scrypt: a 32-byte key from `passphrase` and `salt` at N = 2^`log_n`, r = 8, p = 1.
pub(crate) fn age_scrypt(
    passphrase: &[u8],
    salt: &[u8],
    log_n: u8,
) -> Result<Zeroizing<[u8; 32]>, OutOfMemory> {
    let mut key = Zeroizing::new([0; 32]);
    scrypt(passphrase, salt, log_n, AGE_BLOCK_SIZE, 1, &mut key[..]).map_err(|()| OutOfMemory {
        memory_mib: age_memory_mib(log_n),
    })?;
    Ok(key)
}

/// scrypt with block size `r` and parallelism `p` into `out`; `Err` when its memory (the
/// vector V of RFC 7914, 128 * r * N bytes) cannot be had.
fn scrypt(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: usize,
    p: usize,
    out: &mut [u8],
) -> Result<(), ()> {
    let n = 1usize.checked_shl(log_n.into()).ok_or(())?;
    let words = 32 * r;
    let mut v = Zeroizing::new(Vec::<u32>::new());
    v.try_reserve_exact(n.checked_mul(words).ok_or(())?)
        .map_err(|_| ())?;
    let mut blocks = Zeroizing::new(vec![0; 128 * r * p]);
    pbkdf2_once(password, salt, &mut blocks);
    for block in blocks.chunks_exact_mut(128 * r) {
        romix(block, n, &mut v);
    }
    pbkdf2_once(password, &blocks, out);
    Ok(())
}

/// PBKDF2-HMAC-SHA256 with one iteration, as scrypt uses it: block i of the output is
/// HMAC(password, salt || i), i counted from 1, big-endian.
fn pbkdf2_once(password: &[u8], salt: &[u8], out: &mut [u8]) {
    let prf =
        <Hmac<Sha256> as KeyInit>::new_from_slice(password).expect("HMAC takes keys of any length");
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        let mut mac = prf.clone();
        mac.update(salt);
        mac.update(&(i as u32 + 1).to_be_bytes());
        let mut block = mac.finalize().into_bytes();
        chunk.copy_from_slice(&block[..chunk.len()]);
        block[..].zeroize();
    }
}

/// ROMix of RFC 7914 on `block` (128 * r bytes), with `v` the room for its N blocks.
fn romix(block: &mut [u8], n: usize, v: &mut Vec<u32>) {
    let words = block.len() / 4;
    let mut x: Zeroizing<Vec<u32>> = Zeroizing::new(
        block
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")))
            .collect(),
    );
    let mut t = Zeroizing::new(vec![0; words]);
    v.clear();
    for _ in 0..n {
        v.extend_from_slice(&x);
        block_mix(&v[v.len() - words..], &mut x);
    }
    for _ in 0..n {
        // Integerify: the first 64 bits of the last 64-byte part, modulo N (a power of 2).
        let j = (u64::from(x[words - 16]) | (u64::from(x[words - 15]) << 32)) as usize & (n - 1);
        for ((t, x), v) in t
            .iter_mut()
            .zip(x.iter())
            .zip(&v[j * words..(j + 1) * words])
        {
            *t = x ^ v;
        }
        block_mix(&t, &mut x);
    }
    for (bytes, word) in block.chunks_exact_mut(4).zip(x.iter()) {
        bytes.copy_from_slice(&word.to_le_bytes());
    }
}

/// BlockMix over Salsa20/8: each 64-byte part is XORed into the running state and mixed;
/// the even parts' results go to the first half of `out`, the odd ones' to the second.
fn block_mix(input: &[u32], out: &mut [u32]) {
    let half = input.len() / 2;
    let mut x: [u32; 16] = input[input.len() - 16..].try_into().expect("16 words");
    for (i, part) in input.chunks_exact(16).enumerate() {
        for (x, p) in x.iter_mut().zip(part) {
            *x ^= p;
        }
        salsa20_8(&mut x);
        let at = i / 2 * 16 + i % 2 * half;
        out[at..at + 16].copy_from_slice(&x);
    }
    x.zeroize();
}

/// The Salsa20/8 core: four double rounds (columns, then rows), added to the input.
fn salsa20_8(block: &mut [u32; 16]) {
    const COLUMNS: [[usize; 4]; 4] = [[0, 4, 8, 12], [5, 9, 13, 1], [10, 14, 2, 6], [15, 3, 7, 11]];
    const ROWS: [[usize; 4]; 4] = [[0, 1, 2, 3], [5, 6, 7, 4], [10, 11, 8, 9], [15, 12, 13, 14]];
    let mut x = *block;
    for _ in 0..4 {
        for [a, b, c, d] in COLUMNS.into_iter().chain(ROWS) {
            x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
            x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
            x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
            x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
        }
    }
    for (word, x) in block.iter_mut().zip(x) {
        *word = word.wrapping_add(x);
    }
    x.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        let value = |d: u8| (d as char).to_digit(16).unwrap() as u8;
        digits
            .chunks(2)
            .map(|p| (value(p[0]) << 4) | value(p[1]))
            .collect()
    }

    /// RFC 7914, section 12 (the fourth vector, N = 2^20, needs 1 GiB: left out).
    #[test]
    fn the_test_vectors_of_rfc_7914() {
        let vectors = [
            (
                "",
                "",
                4,
                1,
                1,
                "77 d6 57 62 38 65 7b 20 3b 19 ca 42 c1 8a 04 97
                f1 6b 48 44 e3 07 4a e8 df df fa 3f ed e2 14 42 fc d0 06 9d ed 09 48 f8
                32 6a 75 3a 0f c8 1f 17 e8 d3 e0 fb 2e 0d 36 28 cf 35 e2 0c 38 d1 89 06",
            ),
            (
                "password",
                "NaCl",
                10,
                8,
                16,
                "fd ba be 1c 9d 34 72 00 78 56 e7 19 0d 01 e9 fe
                7c 6a d7 cb c8 23 78 30 e7 73 76 63 4b 37 31 62 2e af 30 d9 2e 22 a3 88
                6f f1 09 27 9d 98 30 da c7 27 af b9 4a 83 ee 6d 83 60 cb df a2 cc 06 40",
            ),
            (
                "pleaseletmein",
                "SodiumChloride",
                14,
                8,
                1,
                "70 23 bd cb 3a fd 73 48 46 1c 06 cd
                81 fd 38 eb fd a8 fb ba 90 4f 8e 3e a9 b5 43 f6 54 5d a1 f2 d5 43 29 55
                61 3f 0f cf 62 d4 97 05 24 2a 9a f9 e6 1e 85 dc 0d 65 1e 40 df cf 01 7b
                45 57 58 87",
            ),
        ];
        for (password, salt, log_n, r, p, expected) in vectors {
            let mut out = [0; 64];
            scrypt(password.as_bytes(), salt.as_bytes(), log_n, r, p, &mut out).unwrap();
            assert_eq!(out.to_vec(), hex(expected), "{password:?} {salt:?}");
        }
    }

    #[test]
    fn agrees_with_the_scrypt_crate_on_random_inputs() {
        for round in 0..6u8 {
            let random: [u8; 48] = crate::crypto::random_array().unwrap();
            let (password, salt) = random.split_at(usize::from(random[0] % 48));
            let log_n = 1 + random[1] % 12;
            let (r, p) = (
                [1, 2, 8][usize::from(round % 3)],
                1 + usize::from(round % 2),
            );
            let len = 1 + usize::from(random[2] % 80);
            // The length in the parameters is only for the crate's password hashes.
            let params = ::scrypt::Params::new(log_n, r as u32, p as u32, 32).unwrap();
            let mut theirs = vec![0; len];
            ::scrypt::scrypt(password, salt, &params, &mut theirs).unwrap();
            let mut ours = vec![0; len];
            scrypt(password, salt, log_n, r, p, &mut ours).unwrap();
            assert_eq!(ours, theirs, "log_n {log_n}, r {r}, p {p}, {random:?}");
        }
        // And at the parameters age uses, the work factor keycellar writes included.
        for log_n in [1, 10, crate::backup::agefile::SCRYPT_WORK_FACTOR] {
            let salt: [u8; 44] = crate::crypto::random_array().unwrap();
            let params = ::scrypt::Params::new(log_n, 8, 1, 32).unwrap();
            let mut theirs = [0; 32];
            ::scrypt::scrypt(b"a passphrase", &salt, &params, &mut theirs).unwrap();
            let ours = age_scrypt(b"a passphrase", &salt, log_n).unwrap();
            assert_eq!(*ours, theirs, "log_n {log_n}");
        }
    }

    /// Set in the child the next test starts under an address-space limit.
    const LIMITED: &str = "KEYCELLAR_TEST_SCRYPT_UNDER_LIMIT";

    #[test]
    fn memory_the_address_space_cannot_hold_is_an_error_not_an_abort() {
        if std::env::var_os(LIMITED).is_some() {
            // 4 GiB under a 1 GiB limit; scrypt within the limit still works.
            let refused = age_scrypt(b"passphrase", b"salt", 22).unwrap_err();
            assert_eq!(refused, OutOfMemory { memory_mib: 4096 });
            assert!(age_scrypt(b"passphrase", b"salt", 10).is_ok());
            return;
        }
        let name = "backup::agefile::scrypt::kdf::tests::\
                    memory_the_address_space_cannot_hold_is_an_error_not_an_abort";
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
            .arg(std::env::current_exe().unwrap())
            .args([name, "--exact", "--test-threads=1"])
            .env(LIMITED, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{:?}: {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

//! Damage to the golden fixture: every single-bit flip and 100,000 random damages are
//! reported as damage, never as a wrong passphrase, never as altered data, never a panic.
//! `KEYCELLAR_DAMAGE_CASES=1000000 cargo test --release --test damage` runs a million.

use keycellar::error::Error;
use keycellar::secret::Secret;
use keycellar::vault::{Passphrase, Vault};
use std::path::Path;

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vault-v1.kc")).unwrap()
}

/// Opens damaged bytes the way `keycellar` does and names the outcome.
fn outcome(bytes: &[u8], dir: &Path) -> &'static str {
    let path = dir.join("damaged.kc");
    std::fs::write(&path, bytes).unwrap();
    match Vault::open(
        &path,
        &mut Passphrase(&Secret::new("keycellar-fixture-v1".into())),
    ) {
        Ok(_) => "opened",
        Err(Error::WrongPassphrase { .. }) => "wrong-passphrase",
        Err(e) if e.is_damaged_vault() => "damaged",
        Err(e) => panic!("unexpected outcome: {e}"),
    }
}

#[test]
fn every_single_bit_flip_of_the_fixture_is_reported_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    let original = fixture();
    let mut damaged_count = 0;
    for bit in 0..original.len() * 8 {
        let mut bytes = original.clone();
        bytes[bit / 8] ^= 1 << (bit % 8);
        // Parsing alone decides it: every byte is under a checksum, so no key is derived.
        match keycellar::vault::format::parse(&bytes).map_err(|e| e.at(Path::new("f"))) {
            Err(e) if e.is_damaged_vault() => damaged_count += 1,
            other => panic!("bit {bit}: {:?}", other.map(|_| "parsed")),
        }
    }
    assert_eq!(damaged_count, original.len() * 8);
    // And through a full open, for a sample spread over the file.
    for bit in (0..original.len() * 8).step_by(97) {
        let mut bytes = original.clone();
        bytes[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(outcome(&bytes, dir.path()), "damaged", "bit {bit}");
    }
}

/// A small deterministic generator, so failures can be replayed by case number.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_damage_is_always_reported_and_never_panics() {
    let cases: usize = std::env::var("KEYCELLAR_DAMAGE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let original = fixture();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..cases {
        let mut bytes = original.clone();
        match case % 5 {
            0 => {
                for _ in 0..=rng.below(64) {
                    let bit = rng.below(bytes.len() * 8);
                    bytes[bit / 8] ^= 1 << (bit % 8);
                }
            }
            1 => {
                let at = rng.below(bytes.len());
                let new = rng.next() as u8;
                if bytes[at] == new {
                    continue;
                }
                bytes[at] = new;
            }
            2 => {
                let start = rng.below(bytes.len());
                let end = (start + 512).min(bytes.len());
                if bytes[start..end].iter().all(|b| *b == 0) {
                    continue;
                }
                bytes[start..end].fill(0);
            }
            3 => bytes.truncate(case / 5 % bytes.len()),
            _ => bytes.extend((0..=rng.below(64)).map(|_| rng.next() as u8)),
        }
        if bytes == original {
            continue;
        }
        let result = std::panic::catch_unwind(|| {
            keycellar::vault::format::parse(&bytes)
                .map(|_| ())
                .map_err(|e| e.at(Path::new("f")))
        });
        match result {
            Ok(Err(e)) if e.is_damaged_vault() => {}
            Ok(other) => panic!(
                "case {case}: not reported as damage: {:?}",
                other.map(|_| "parsed")
            ),
            Err(_) => panic!("case {case}: the parser panicked"),
        }
    }
}

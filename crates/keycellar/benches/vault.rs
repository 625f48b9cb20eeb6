//! Criterion benchmarks of the costs bench/compare.sh sets beside reference tools:
//! Argon2id at the default 256 MiB, and what opening and exporting a 10,000-entry vault
//! costs beyond it (with a tiny KDF, so the figure is all overhead).
//! Run: `cargo bench --bench vault`; figures in docs/PERFORMANCE.md.

use criterion::{Criterion, criterion_group, criterion_main};
use keycellar::backup::export;
use keycellar::credential::entry::NewEntry;
use keycellar::kdf::KdfParams;
use keycellar::passphrase::{NewPassphrase, Purpose};
use keycellar::secret::Secret;
use keycellar::vault::{Passphrase, Vault};
use std::hint::black_box;
use std::time::Duration;

const TINY: KdfParams = KdfParams {
    memory_kib: 8,
    time: 1,
    parallelism: 1,
};

/// A saved vault of `n` Kraken-shaped entries in `dir`.
fn vault_of(n: usize, dir: &std::path::Path) -> std::path::PathBuf {
    let entries: Vec<String> = (0..n)
        .map(|i| {
            // Base64 of 64 bytes, distinct per entry (the last character before the padding
            // must carry no stray bits, hence the final A).
            let secret = format!("{i:0>85}A==");
            format!(
                r#"{{"label":"kraken-{i:05}","exchange":"kraken","api_key":"KEY{i:053}","secret":"{secret}"}}"#
            )
        })
        .collect();
    let json = dir.join(format!("entries{n}.json"));
    std::fs::write(&json, format!("[{}]", entries.join(","))).unwrap();
    let path = dir.join(format!("v{n}.kc"));
    let passphrase = Secret::new("bench".into());
    let new = NewPassphrase::typed(passphrase.clone(), Purpose::Vault);
    Vault::create(&path, &new.accepting_weak(true), TINY, Vec::new()).unwrap();
    let mut vault =
        Vault::open_for_change(&path, &mut Passphrase(&passphrase), Duration::ZERO).unwrap();
    for entry in NewEntry::list_from_json(&std::fs::read_to_string(&json).unwrap()).unwrap() {
        vault.add(entry).unwrap();
    }
    vault.save().unwrap();
    path
}

fn benches(c: &mut Criterion) {
    let mut kdf = c.benchmark_group("argon2id");
    kdf.sample_size(10);
    let default = KdfParams {
        memory_kib: 256 * 1024,
        time: 3,
        parallelism: 4,
    };
    kdf.bench_function("m=256MiB t=3 p=4", |b| {
        b.iter(|| default.derive(b"password", b"somesaltsomesalt").unwrap())
    });
    kdf.finish();

    let dir = tempfile::tempdir().unwrap();
    let path = vault_of(10_000, dir.path());
    let passphrase = Secret::new("bench".into());
    let mut overhead = c.benchmark_group("10k entries");
    overhead.sample_size(10);
    overhead.bench_function("open", |b| {
        b.iter(|| black_box(Vault::open(&path, &mut Passphrase(&passphrase)).unwrap()))
    });
    let vault = Vault::open(&path, &mut Passphrase(&passphrase)).unwrap();
    let fingerprint = vault.fingerprint();
    overhead.bench_function("vault fingerprint", |b| {
        b.iter(|| black_box(vault.fingerprint()))
    });
    overhead.bench_function("export document", |b| {
        b.iter(|| {
            black_box(export::build(&vault, vault.entries().iter().collect(), fingerprint).unwrap())
        })
    });
    overhead.finish();
}

criterion_group!(vault_benches, benches);
criterion_main!(vault_benches);

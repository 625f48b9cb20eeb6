//! Times keycellar's Argon2id (the argon2 crate, `parallel`) for bench/compare.sh:
//! `cargo run --release --example kdf_time -- MEMORY_KIB PASSES LANES RUNS` prints the median
//! milliseconds of RUNS derivations, to set beside the reference `argon2` CLI.

use keycellar::kdf::KdfParams;
use std::time::Instant;

fn main() {
    let numbers: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| {
            a.parse()
                .expect("usage: kdf_time MEMORY_KIB PASSES LANES RUNS")
        })
        .collect();
    let [memory_kib, time, parallelism, runs] = numbers[..] else {
        panic!("usage: kdf_time MEMORY_KIB PASSES LANES RUNS");
    };
    let params = KdfParams {
        memory_kib,
        time,
        parallelism,
    };
    let mut millis: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            params
                .derive(b"password", b"somesaltsomesalt")
                .expect("derive");
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    millis.sort_by(f64::total_cmp);
    println!("{:.1}", millis[millis.len() / 2]);
}

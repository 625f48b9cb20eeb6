//! The restore profile: a vault made by a default `init` (Argon2id at 256 MiB, passes
//! calibrated to about 1 s) opens on a machine with 1 GiB of memory. The limit is set with
//! `ulimit -v` (address space, a stricter bound than resident memory). How long the open
//! took is printed, not asserted: tests never judge wall-clock time (docs/PERFORMANCE.md
//! does). The memory does not depend on timing, so the 256 MiB holds on a loaded machine
//! too (the decision itself is tested with simulated machines in `kdf::calibrate`).

use crate::common::TestVault;
use std::process::Command;
use std::time::Instant;

#[test]
fn a_default_vault_opens_with_1_gib_of_address_space() {
    let tv = TestVault::empty();
    let init = tv.cmd().arg("init").assert().success();
    let said = String::from_utf8_lossy(&init.get_output().stderr).to_string();
    assert!(said.contains("256 MiB (the default)"), "{said}");
    assert!(said.contains("(the fastest of 3 probes)"), "{said}");
    let status = tv.json(&["status"]);
    let kdf = &status["kdf"][0];
    assert_eq!(kdf["memory_kib"], 256 * 1024, "{status}");
    let bin = assert_cmd::cargo::cargo_bin("keycellar");
    let limited = |kib: u64| {
        let start = Instant::now();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
            .arg(&bin)
            .arg("--vault")
            .arg(&tv.vault)
            .arg("--passphrase-file")
            .arg(&tv.pass_file)
            .args(["--json", "list"])
            .output()
            .unwrap();
        (out, start.elapsed())
    };
    let (out, took) = limited(1024 * 1024);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("opened under a 1 GiB limit in {took:.2?} (m={kdf})");
    // The limit is real: 128 MiB is too little for the 256 MiB the KDF needs.
    let (out, _) = limited(128 * 1024);
    assert_eq!(out.status.code(), Some(1), "opened with 128 MiB?");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs 256 MiB of memory"), "{stderr}");
}

/// Where 256 MiB cannot be allocated (an address space of 250 MiB), `init` takes less memory
/// rather than fail, and says why; it never goes below 64 MiB.
#[test]
fn init_takes_less_memory_only_where_256_mib_cannot_be_had() {
    let tv = TestVault::empty();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 256000 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .args(["init", "--kdf-target-ms", "100"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("(256 MiB could not be allocated here)"),
        "{said}"
    );
    let memory = tv.json(&["status"])["kdf"][0]["memory_kib"]
        .as_u64()
        .unwrap();
    assert!((64 * 1024..256 * 1024).contains(&memory), "{memory}");
}

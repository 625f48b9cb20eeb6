//! The restore profile: a vault made by a default `init` (Argon2id calibrated to about 1 s
//! at 256 MiB) opens on a machine with 1 GiB of memory. The limit is set with `ulimit -v`
//! (address space, a stricter bound than resident memory). How long the open took is
//! printed, not asserted: tests never judge wall-clock time (docs/PERFORMANCE.md does).

use crate::common::TestVault;
use std::process::Command;
use std::time::Instant;

#[test]
fn a_default_vault_opens_with_1_gib_of_address_space() {
    let tv = TestVault::empty();
    tv.cmd().arg("init").assert().success();
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

//! Two writers at once: the second waits or gets exit 7, and no entry is ever lost.

use crate::common::*;
use predicates::prelude::*;
use std::fs::OpenOptions;

#[test]
fn a_writer_that_cannot_get_the_lock_exits_7_and_changes_nothing() {
    let tv = TestVault::new();
    let before = tv.bytes();
    let lock_file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(tv.dir.path().join("vault.kc.lock"))
        .unwrap();
    lock_file.lock().unwrap();
    tv.cmd()
        .args(["--lock-timeout", "0"])
        .add_kraken_args("k")
        .assert()
        .code(7)
        .stderr(predicate::str::contains("busy"));
    assert_eq!(tv.bytes(), before);
    lock_file.unlock().unwrap();
    tv.add_kraken("k").success();
}

#[test]
fn concurrent_writers_lose_no_entry() {
    let tv = TestVault::new();
    let writers = 4;
    let per_writer = 50;
    std::thread::scope(|scope| {
        for w in 0..writers {
            let tv = &tv;
            scope.spawn(move || {
                for i in 0..per_writer {
                    tv.cmd()
                        .args(["--lock-timeout", "60"])
                        .add_kraken_args(&format!("w{w}-{i}"))
                        .assert()
                        .success();
                }
            });
        }
    });
    let list = tv.json(&["list"]);
    assert_eq!(
        list["entries"].as_array().unwrap().len(),
        writers * per_writer
    );
}

trait AddKraken {
    fn add_kraken_args(&mut self, label: &str) -> &mut Self;
}

impl AddKraken for assert_cmd::Command {
    fn add_kraken_args(&mut self, label: &str) -> &mut Self {
        self.args(["add", label, "--exchange", "kraken", "--key", KRAKEN_KEY])
            .args(["--secret-file", "-"])
            .write_stdin(KRAKEN_SECRET)
    }
}

//! Shared helpers for the integration tests: a temp vault driven through the real binary.
#![allow(dead_code)]

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

pub mod paper;
pub mod sweep;
pub mod workplace;

/// A peer tool (age, zbarimg, ...), failing loudly when it is missing rather than skipping.
pub fn tool(name: &str) -> std::process::Command {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is not installed; .ci/run installs the peer tools"
    );
    std::process::Command::new(name)
}

/// Runs a peer tool, insists it succeeds, and returns its standard output.
pub fn run(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const KRAKEN_KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
pub const KRAKEN_SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";
/// Tiny Argon2id settings so tests run fast; `add` never writes such a vault by itself.
pub const FAST_KDF: [&str; 6] = [
    "--kdf-memory",
    "1",
    "--kdf-time",
    "1",
    "--kdf-parallelism",
    "1",
];

pub struct TestVault {
    pub dir: tempfile::TempDir,
    pub vault: PathBuf,
    pub pass_file: PathBuf,
    /// The user's own directories for this test (`KEYCELLAR_TEST_USER_DIRS`): `home` (0700,
    /// where run locks and agents' sockets go, in `.local/state/keycellar`) and `run` (as
    /// `/run/user/UID`, absent unless a test makes it).
    pub user: tempfile::TempDir,
}

impl TestVault {
    /// A directory with a passphrase file, no vault yet.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.kc");
        let pass_file = dir.path().join("pass");
        fs::write(&pass_file, format!("{PASSPHRASE}\n")).unwrap();
        // Private, as a passphrase file should be (keycellar warns otherwise).
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&pass_file, fs::Permissions::from_mode(0o600)).unwrap();
        let user = tempfile::tempdir().unwrap();
        fs::create_dir(user.path().join("home")).unwrap();
        TestVault {
            dir,
            vault,
            pass_file,
            user,
        }
    }

    /// A freshly initialised vault.
    pub fn new() -> Self {
        let tv = Self::empty();
        tv.cmd().arg("init").args(FAST_KDF).assert().success();
        tv
    }

    /// `keycellar --vault V --passphrase-file P` with no terminal and a clean environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.arg("--passphrase-file").arg(&self.pass_file);
        cmd
    }

    /// `keycellar --vault V` without a passphrase source.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::cargo_bin("keycellar").unwrap();
        cmd.env_remove("KEYCELLAR_VAULT")
            .env("KEYCELLAR_TEST_USER_DIRS", self.user.path())
            .arg("--vault")
            .arg(&self.vault);
        cmd
    }

    /// Where run locks and agents' sockets go: `keycellar` in the user's base directory.
    pub fn runtime(&self) -> PathBuf {
        self.user.path().join("home/.local/state/keycellar")
    }

    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, content).unwrap();
        path
    }

    pub fn add_kraken(&self, label: &str) -> assert_cmd::assert::Assert {
        let secret = self.file("kraken-secret", KRAKEN_SECRET);
        self.cmd()
            .args(["add", label, "--exchange", "kraken", "--key", KRAKEN_KEY])
            .arg("--secret-file")
            .arg(secret)
            .assert()
    }

    pub fn bytes(&self) -> Vec<u8> {
        fs::read(&self.vault).unwrap()
    }

    pub fn stdout(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        json_of(self.cmd().arg("--json").args(args))
    }
}

/// The JSON document a command that succeeds prints.
pub fn json_of(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

/// An age identity made by stock `age-keygen` as `name` in `dir`, and its recipient.
pub fn age_identity(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    run(tool("age-keygen").arg("-o").arg(&path));
    let recipient = run(tool("age-keygen").arg("-y").arg(&path));
    (
        path,
        String::from_utf8(recipient).unwrap().trim().to_string(),
    )
}

/// The steps of a save (the `vault-` steps of `store::FAULT_STEPS`), each with whether the
/// new vault is in place when the process dies or fails just before it.
pub const SAVE_STEPS: [(&str, bool); 10] = [
    ("vault-create-temp", false),
    ("vault-write-temp", false),
    ("vault-sync-temp", false),
    ("vault-keep-generation", false),
    ("vault-sync-pending", false),
    ("vault-link-temp", false),
    ("vault-rename", false),
    ("vault-place-generation", true),
    ("vault-sync-directory", true),
    ("vault-done", true),
];

/// The secrets and API passphrases held in `fixtures/vault-v1.kc` (documented test values).
pub const FIXTURE_SECRETS: [&str; 6] = [
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==",
    "0123456789ABCDEF0123456789ABCDEF",
    "Fixture OKX passphrase",
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    "8c1f5b2e-3d4a-4b6c-9e7f-0a1b2c3d4e5f",
    "kucoin pass",
];

/// Runs `script` with `sh -c`, for tests that need redirections or a umask.
pub fn sh(script: &str) -> std::process::Output {
    std::process::Command::new("sh")
        .args(["-c", script])
        .output()
        .unwrap()
}

/// Every page of process `pid` that holds data (resident or swapped, per
/// /proc/PID/pagemap), as bytes, in address order (CI runs as root; a process of the same
/// user may read its own children too where ptrace allows it). Pages never touched read as
/// zeros and hold nothing, so they are skipped: an agent's locked-on-fault arena reserves a
/// gigabyte of them.
pub fn process_memory(pid: u32) -> Vec<u8> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let pagemap = std::fs::File::open(format!("/proc/{pid}/pagemap")).unwrap();
    let mut all = Vec::new();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (range, perms) = (fields.next().unwrap(), fields.next().unwrap());
        if !perms.starts_with('r') || line.ends_with("[vvar]") || line.contains("[vsyscall]") {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        for page in pages_with_data(&pagemap, start, end) {
            let mut bytes = vec![0; PAGE as usize];
            if std::os::unix::fs::FileExt::read_exact_at(&mem, &mut bytes, page).is_ok() {
                all.extend_from_slice(&bytes);
            }
        }
    }
    all
}

const PAGE: u64 = 4096;

/// The addresses of the pages between `start` and `end` that are resident or swapped.
fn pages_with_data(pagemap: &std::fs::File, start: u64, end: u64) -> Vec<u64> {
    let count = ((end - start) / PAGE) as usize;
    let mut entries = vec![0u8; count * 8];
    if std::os::unix::fs::FileExt::read_exact_at(pagemap, &mut entries, start / PAGE * 8).is_err() {
        // No page map (an old kernel): every page, as before.
        return (0..count as u64).map(|i| start + i * PAGE).collect();
    }
    entries
        .chunks_exact(8)
        .enumerate()
        .filter(|(_, e)| u64::from_le_bytes((*e).try_into().unwrap()) >> 62 != 0)
        .map(|(i, _)| start + i as u64 * PAGE)
        .collect()
}

/// Whether `hay` holds one of `pieces` (16 bytes each): one pass, a table of first bytes.
pub fn holds_any(hay: &[u8], pieces: &[&[u8]]) -> bool {
    let mut first = [false; 256];
    pieces.iter().for_each(|p| first[usize::from(p[0])] = true);
    hay.windows(16)
        .any(|w| first[usize::from(w[0])] && pieces.contains(&w))
}

//! A vault's directory as the working directory, with a private `$TMPDIR` inside it, for
//! commands that read keys in plain text or hand them over (keycellar and the peer tools
//! alike), and the sweep that finds any file left there holding a piece of a secret.

use super::*;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Workplace {
    pub tv: TestVault,
    /// `$TMPDIR` of every command run here.
    pub tmp: PathBuf,
}

impl Workplace {
    /// A fresh vault (cheap KDF) in a new directory, and `tmp` in it.
    pub fn new() -> Workplace {
        let tv = TestVault::new();
        let tmp = tv.dir.path().join("tmp");
        fs::create_dir(&tmp).unwrap();
        Workplace { tv, tmp }
    }

    pub fn dir(&self) -> &Path {
        self.tv.dir.path()
    }

    /// A peer tool run in the working directory with the private `$TMPDIR`.
    pub fn tool(&self, name: &str) -> Command {
        let mut cmd = tool(name);
        cmd.current_dir(self.dir()).env("TMPDIR", &self.tmp);
        cmd
    }

    /// `keycellar --passphrase-file P` (the vault given by `--vault`, or else the one of
    /// this directory) run as [`Workplace::tool`] runs a tool.
    pub fn keycellar(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
        cmd.current_dir(self.dir())
            .env("TMPDIR", &self.tmp)
            .env("KEYCELLAR_VAULT", &self.tv.vault)
            .env("KEYCELLAR_TEST_USER_DIRS", self.tv.user.path())
            .arg("--passphrase-file")
            .arg(&self.tv.pass_file);
        cmd
    }

    /// Fails, naming the file and the step, when a file under the directory (but those
    /// named in `allowed`, by file name) holds 16 bytes in a row of one of `secrets`.
    pub fn sweep(&self, secrets: &[&str], allowed: &[&str], after: &str) {
        let pieces: Vec<&[u8]> = secrets
            .iter()
            .flat_map(|s| s.as_bytes().windows(16))
            .collect();
        let mut stack = vec![self.dir().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let kind = entry.file_type().unwrap();
                let name = entry.file_name().to_string_lossy().into_owned();
                if kind.is_dir() {
                    stack.push(path);
                } else if kind.is_file() && !allowed.contains(&name.as_str()) {
                    let bytes = fs::read(&path).unwrap_or_default();
                    assert!(
                        !holds_any(&bytes, &pieces),
                        "after {after}: {} holds a secret",
                        path.display()
                    );
                }
            }
        }
    }
}

/// Runs a command, insists it succeeds, and returns its standard output.
pub fn output_of(cmd: &mut Command, stdin: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

//! `exec` as trading bots use it: each profile's names (checked against what the bot's
//! own docs say, in src/credential/exec/profiles.rs), the json-fd pipe read by the README's
//! Python example, several keys at once, one running bot per key (two runs at once), the
//! secret masked in output cut across writes with no line held back, and signals passed
//! on to the child and its end reflected in the exit code.

mod boot;
mod locks;
mod masking;
mod places;
mod sign;
mod supervision;

use crate::common::*;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn exec(tv: &TestVault, args: &[&str]) -> Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
    cmd.env_remove("KEYCELLAR_VAULT")
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--passphrase-file")
        .arg(&tv.pass_file)
        .arg("exec")
        .args(args);
    cmd
}

/// Runs `cmd` and insists that it succeeds.
fn succeeds(mut cmd: Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits for `path` to exist; what a test waits on is an event, never a duration.
fn wait_for(path: &Path, child: &mut Child) {
    while !path.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn environment_of(tv: &TestVault, profile: &str) -> String {
    let out = exec(
        tv,
        &["--profile", profile, "--no-masking", "k", "--", "env"],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{profile}: {:?} {stderr}", out.status);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn each_profile_sets_the_names_its_bot_reads() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let expected: [(&str, &[(&str, &str)]); 3] = [
        (
            "env",
            &[
                ("KRAKEN_API_KEY", KRAKEN_KEY),
                ("KRAKEN_API_SECRET", KRAKEN_SECRET),
            ],
        ),
        (
            "ccxt",
            &[
                ("KRAKEN_APIKEY", KRAKEN_KEY),
                ("KRAKEN_SECRET", KRAKEN_SECRET),
            ],
        ),
        (
            "freqtrade",
            &[
                ("FREQTRADE__EXCHANGE__KEY", KRAKEN_KEY),
                ("FREQTRADE__EXCHANGE__SECRET", KRAKEN_SECRET),
            ],
        ),
    ];
    for (profile, variables) in expected {
        let env = environment_of(&tv, profile);
        for (name, value) in variables {
            assert!(
                env.contains(&format!("{name}={value}\n")),
                "{profile}: {name}"
            );
        }
        assert_eq!(env.matches(KRAKEN_SECRET).count(), 1, "{profile}");
    }
    let env = environment_of(&tv, "json-fd");
    assert!(!env.contains(KRAKEN_SECRET) && !env.contains(KRAKEN_KEY));
    assert!(env.contains("KEYCELLAR_CREDENTIALS_FD="));

    let listed = tv.stdout(&["exec", "--list-profiles"]);
    for profile in ["env", "ccxt", "freqtrade", "json-fd"] {
        assert!(listed.contains(profile), "{listed}");
    }
}

/// The README's Python example, run as a bot would run it.
#[test]
fn the_readme_python_example_reads_the_json_fd_document() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let example = readme
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README has a ```python example");
    assert!(example.lines().count() <= 10, "{example}");
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let bot = tv.file("bot.py", &format!("{example}print(len(secret), key)\n"));
    let out = exec(&tv, &["--profile", "json-fd", "k", "--", "python3"])
        .arg(&bot)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{} {KRAKEN_KEY}\n", KRAKEN_SECRET.len())
    );
}

#[test]
fn two_keys_at_once_unless_they_would_share_a_name() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let okx_secret = tv.file("okx-secret", "0123456789ABCDEF0123456789ABCDEF");
    let okx_pass = tv.file("okx-pass", "okx-api-pass-Wq7Zr4Nd");
    tv.cmd()
        .args([
            "add",
            "o",
            "--exchange",
            "okx",
            "--key",
            "6f1b2c3d-1234-4abc-9def-0123456789ab",
        ])
        .arg("--secret-file")
        .arg(&okx_secret)
        .arg("--api-passphrase-file")
        .arg(&okx_pass)
        .assert()
        .success();
    let out = exec(&tv, &["--no-masking", "k", "o", "--", "env"])
        .output()
        .unwrap();
    let env = String::from_utf8(out.stdout).unwrap();
    assert!(
        env.contains(&format!("KRAKEN_API_SECRET={KRAKEN_SECRET}\n")),
        "{env}"
    );
    assert!(
        env.contains("OKX_API_PASSPHRASE=okx-api-pass-Wq7Zr4Nd\n"),
        "{env}"
    );

    let out = exec(&tv, &["--profile", "freqtrade", "k", "o", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("would both set FREQTRADE__EXCHANGE__KEY"),
        "{stderr}"
    );
}

#[test]
fn a_key_runs_one_bot_at_a_time_unless_shared() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let started = tv.dir.path().join("started");
    let stop = tv.dir.path().join("stop");
    let script = format!(
        "touch '{}'; while [ ! -e '{}' ]; do sleep 0.05; done",
        started.display(),
        stop.display()
    );
    let mut first = exec(&tv, &["k", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    wait_for(&started, &mut first);

    let second = exec(&tv, &["k", "--", "true"]).output().unwrap();
    assert_eq!(second.status.code(), Some(7), "busy");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("in use by another `keycellar exec` (process "),
        "{stderr}"
    );
    let status = tv.stdout(&["status"]);
    assert!(
        status.contains("Running:           k under exec (process"),
        "{status}"
    );

    fs::write(&stop, "").unwrap();
    assert!(first.wait().unwrap().success());
    exec(&tv, &["k", "--", "true"])
        .status()
        .unwrap()
        .success()
        .then_some(())
        .unwrap();
    assert!(!tv.stdout(&["status"]).contains("Running:"));

    // Two shared runs at once.
    fs::remove_file(&started).unwrap();
    fs::remove_file(&stop).unwrap();
    let mut shared = exec(&tv, &["--shared", "k", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    wait_for(&started, &mut shared);
    let also = exec(&tv, &["--shared", "k", "--", "true"])
        .output()
        .unwrap();
    assert!(
        also.status.success(),
        "{}",
        String::from_utf8_lossy(&also.stderr)
    );
    let exclusive = exec(&tv, &["k", "--", "true"]).output().unwrap();
    assert_eq!(exclusive.status.code(), Some(7));
    fs::write(&stop, "").unwrap();
    assert!(shared.wait().unwrap().success());
}

/// The child writes the secret in two pieces with a pause between, after a first line
/// that must arrive before the test lets the child go on (so no line is held back).
#[test]
fn the_secret_is_masked_across_split_writes_and_lines_pass_at_once() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let go = tv.dir.path().join("go");
    let script = format!(
        "import os, sys, time\n\
         s = os.environ['KRAKEN_API_SECRET']\n\
         print('first line', flush=True)\n\
         while not os.path.exists({go:?}): time.sleep(0.02)\n\
         sys.stdout.write('secret=' + s[:10]); sys.stdout.flush(); time.sleep(0.2)\n\
         sys.stdout.write(s[10:] + ' end\\n'); sys.stdout.flush()\n\
         sys.stderr.write('err ' + s + '\\n')\n",
        go = go.display().to_string()
    );
    let mut child = exec(&tv, &["k", "--", "python3", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 11];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"first line\n");
    fs::write(&go, "").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(rest, "secret=**** end\n");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "err ****\n");
}

#[test]
fn signals_reach_the_child_and_its_end_is_the_exit_code() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let ready = tv.dir.path().join("ready");
    let got = tv.dir.path().join("got-term");
    let script = format!(
        "trap 'touch \"{}\"; exit 3' TERM; touch '{}'; while :; do sleep 0.05; done",
        got.display(),
        ready.display()
    );
    let mut child = exec(&tv, &["k", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    wait_for(&ready, &mut child);
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert_eq!(
        child.wait().unwrap().code(),
        Some(3),
        "the child's own exit code"
    );
    assert!(got.exists(), "the child got SIGTERM");

    let killed = exec(&tv, &["k", "--", "sh", "-c", "kill -KILL $$"])
        .status()
        .unwrap();
    assert_eq!(killed.code(), Some(128 + 9));
}

/// As `env` and `sudo` do: 127 for a command that is not there, 126 for one that cannot be
/// run (no execute permission, a directory), each with its own kind.
#[test]
fn a_command_not_found_exits_127_and_one_not_executable_126() {
    use std::os::unix::fs::PermissionsExt;
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let not_executable = tv.file("not-executable", "#!/bin/sh\nexit 0\n");
    fs::set_permissions(&not_executable, fs::Permissions::from_mode(0o644)).unwrap();
    let missing = tv.dir.path().join("missing");
    let directory = tv.dir.path().to_path_buf();
    let cases = [
        (missing.as_path(), 127, "command_not_found"),
        (Path::new("no-such-command-kc"), 127, "command_not_found"),
        (not_executable.as_path(), 126, "command_not_executable"),
        (directory.as_path(), 126, "command_not_executable"),
    ];
    for (program, code, kind) in cases {
        let out = exec(&tv, &["k", "--"]).arg(program).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{program:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot run"), "{stderr}");
        let out = Command::new(assert_cmd::cargo::cargo_bin("keycellar"))
            .env_remove("KEYCELLAR_VAULT")
            .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
            .args(["--json", "--vault"])
            .arg(&tv.vault)
            .arg("--passphrase-file")
            .arg(&tv.pass_file)
            .args(["exec", "k", "--"])
            .arg(program)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("\"{kind}\"")), "{stderr}");
    }
}

/// Each run is recorded per entry outside the vault (the vault file is not rewritten), and
/// `status --json` shows when a bot last started and ended with it, and its code. The
/// records live in the user's runtime directory, found from the uid: a bot started with
/// one environment (cron's) and a `status` run from another (a login shell's
/// `XDG_STATE_HOME`) see the same records.
#[test]
fn status_shows_when_each_entry_last_ran() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    tv.add_kraken("idle").success();
    let (cron, login) = (tv.dir.path().join("cron"), tv.dir.path().join("login"));
    let before = tv.bytes();
    let out = exec(&tv, &["k", "--", "sh", "-c", "exit 4"])
        .env("XDG_STATE_HOME", &cron)
        .env_remove("HOME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(tv.bytes(), before, "a run does not rewrite the vault");
    let status = tv
        .cmd()
        .env("XDG_STATE_HOME", &login)
        .args(["--json", "status"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let runs = status["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{status}");
    assert_eq!(runs[0]["label"], "k");
    assert_eq!(runs[0]["last_exit_code"], 4);
    let started = runs[0]["last_started"].as_str().unwrap();
    let ended = runs[0]["last_ended"].as_str().unwrap();
    assert!(
        started.ends_with('Z') && started <= ended,
        "{started} {ended}"
    );
    assert!(
        !cron.exists() && !login.exists(),
        "nothing from the environment"
    );
    let records = fs::read_dir(tv.runtime())
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.file_name().to_string_lossy().starts_with("runs-"))
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = records.metadata().unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

//! The run lock lasts exactly as long as the bot (issue 31, case 1): keycellar survives its
//! own output going away (`| head -1`), passes on every signal that would end it (SIGUSR1
//! and the rest) instead of dying and leaving the bot running without its lock, and a bot
//! whose keycellar is killed with SIGKILL gets SIGTERM (and holds the lock while it lives).

use super::{exec, succeeds, wait_for};
use crate::common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A Python bot whose `say_ready()` writes `ready` (its process id) atomically.
fn bot(tv: &TestVault, body: &str) -> PathBuf {
    let ready = tv.dir.path().join("ready");
    let code = format!(
        "import os, signal, sys, time\n\
         ready = {ready:?}\n\
         def say_ready():\n    \
             open(ready + '.tmp', 'w').write(str(os.getpid()))\n    \
             os.rename(ready + '.tmp', ready)\n\
         {body}\n",
        ready = ready.display().to_string()
    );
    tv.file("bot.py", &code)
}

/// `keycellar exec k -- bot | head -1`: head ends after the first line, keycellar's next
/// write fails; keycellar must keep waiting for the bot (which goes on running, as a bot
/// that does not write would) and end with the bot's code, holding the key meanwhile.
#[test]
fn a_closed_output_pipe_does_not_end_keycellar_before_its_bot() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let saw = tv.dir.path().join("saw-closed-pipe");
    let stop = tv.dir.path().join("stop");
    let script = bot(
        &tv,
        &format!(
            "print('first line', flush=True)\n\
             while True:\n    \
                 try:\n        \
                     print('x' * 1000, flush=True)\n    \
                 except BrokenPipeError:\n        \
                     break\n\
             open({saw:?}, 'w').close()\n\
             while not os.path.exists({stop:?}): time.sleep(0.02)\n\
             os._exit(0)",
            saw = saw.display().to_string(),
            stop = stop.display().to_string()
        ),
    );
    let code_file = tv.dir.path().join("code");
    let keycellar = assert_cmd::cargo::cargo_bin("keycellar");
    let pipeline = format!(
        "'{}' --vault '{}' --passphrase-file '{}' exec k -- python3 '{}' | head -1 >/dev/null; \
         echo ${{PIPESTATUS[0]}} > '{}'",
        keycellar.display(),
        tv.vault.display(),
        tv.pass_file.display(),
        script.display(),
        code_file.display()
    );
    let mut shell = std::process::Command::new("bash")
        .args(["-c", &pipeline])
        .env_remove("KEYCELLAR_VAULT")
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .spawn()
        .unwrap();
    wait_for(&saw, &mut shell);
    let second = exec(&tv, &["k", "--", "true"]).output().unwrap();
    assert_eq!(second.status.code(), Some(7), "the key is still in use");
    fs::write(&stop, "").unwrap();
    assert!(shell.wait().unwrap().success());
    let code = fs::read_to_string(&code_file).unwrap();
    assert_eq!(
        code.trim(),
        "0",
        "keycellar ended with its bot's code, not 141"
    );
    succeeds(exec(&tv, &["k", "--", "true"]));
}

/// Every signal that would end keycellar, sent to keycellar, reaches the bot, and keycellar
/// ends with the bot's code (before the fix SIGUSR1, SIGUSR2, SIGALRM... ended keycellar and
/// left the bot running without its lock).
#[test]
fn every_terminating_signal_is_passed_on_to_the_bot() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let got = tv.dir.path().join("got");
    let rtmin = libc::SIGRTMIN();
    let signals = [
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGQUIT,
        libc::SIGTERM,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGALRM,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGIO,
        libc::SIGPWR,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        rtmin,
        rtmin + 3,
    ];
    let script = bot(
        &tv,
        &format!(
            "n = int(sys.argv[1])\n\
             def got(*_):\n    \
                 open({got:?}, 'w').write(str(n))\n    \
                 os._exit(3)\n\
             signal.signal(n, got)\n\
             say_ready()\n\
             while True: signal.pause()",
            got = got.display().to_string()
        ),
    );
    let ready = tv.dir.path().join("ready");
    for signal in signals {
        let _ = fs::remove_file(&ready);
        let _ = fs::remove_file(&got);
        let mut child = exec(&tv, &["k", "--", "python3"])
            .arg(&script)
            .arg(signal.to_string())
            .spawn()
            .unwrap();
        wait_for(&ready, &mut child);
        // SAFETY: plain kill(2) of our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(3), "signal {signal}: {status:?}");
        assert_eq!(fs::read_to_string(&got).unwrap(), signal.to_string());
    }
}

/// Waits until the process `ready` names has ended (or is a zombie no one reaps).
fn wait_gone(ready: &Path) {
    let pid = fs::read_to_string(ready).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    // Only a backstop: the loop ends on the event, normally at once.
    let backstop = Instant::now() + Duration::from_secs(120);
    loop {
        match fs::read_to_string(&stat) {
            Err(_) => return,
            Ok(text)
                if text
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                return;
            }
            Ok(_) => {}
        }
        assert!(Instant::now() < backstop, "the bot {pid} still runs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sigkill(pid: u32) {
    // SAFETY: plain kill(2).
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
}

/// keycellar killed with SIGKILL (it cannot pass that on): the bot gets SIGTERM and ends.
#[test]
fn killing_keycellar_with_sigkill_leaves_no_bot_running() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let script = bot(&tv, "say_ready()\nwhile True: signal.pause()");
    let ready = tv.dir.path().join("ready");
    let mut child = exec(&tv, &["k", "--", "python3"])
        .arg(&script)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&ready, &mut child);
    sigkill(child.id());
    child.wait().unwrap();
    wait_gone(&ready);
    succeeds(exec(&tv, &["k", "--", "true"]));
}

/// A bot that ignores SIGTERM outlives a SIGKILLed keycellar: it inherited the run lock, so
/// the key stays marked in use until the bot itself ends.
#[test]
fn a_bot_that_outlives_keycellar_keeps_its_key_locked() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let script = bot(
        &tv,
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nsay_ready()\nwhile True: signal.pause()",
    );
    let ready = tv.dir.path().join("ready");
    let mut child = exec(&tv, &["k", "--", "python3"])
        .arg(&script)
        .spawn()
        .unwrap();
    wait_for(&ready, &mut child);
    sigkill(child.id());
    child.wait().unwrap();
    let second = exec(&tv, &["k", "--", "true"]).output().unwrap();
    assert_eq!(second.status.code(), Some(7), "the bot still holds the key");
    let pid: u32 = fs::read_to_string(&ready).unwrap().trim().parse().unwrap();
    sigkill(pid);
    wait_gone(&ready);
    succeeds(exec(&tv, &["k", "--", "true"]));
}

/// While the bot runs keycellar has closed its end of the json-fd pipe (issue 31, case 6):
/// none of its descriptors is the pipe the bot read its keys from.
#[test]
fn keycellar_keeps_no_end_of_the_credentials_pipe() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let script = bot(
        &tv,
        "fd = int(os.environ['KEYCELLAR_CREDENTIALS_FD'])\n\
         inode = os.fstat(fd).st_ino\n\
         os.read(fd, 65536)\n\
         open(ready + '.inode', 'w').write(str(inode))\n\
         say_ready()\n\
         while True: signal.pause()",
    );
    let ready = tv.dir.path().join("ready");
    let mut child = exec(&tv, &["--profile", "json-fd", "k", "--", "python3"])
        .arg(&script)
        .spawn()
        .unwrap();
    wait_for(&ready, &mut child);
    let inode = fs::read_to_string(ready.with_extension("inode")).unwrap();
    let pipe = format!("pipe:[{inode}]");
    let held: Vec<String> = fs::read_dir(format!("/proc/{}/fd", child.id()))
        .unwrap()
        .filter_map(|fd| fs::read_link(fd.unwrap().path()).ok())
        .map(|target| target.display().to_string())
        .collect();
    assert!(!held.contains(&pipe), "{pipe} in {held:?}");
    // SAFETY: plain kill(2) of our own child; keycellar passes SIGTERM on.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    child.wait().unwrap();
}

/// `--restart on-failure`: the bot is started again while it fails, holding its key all the
/// while (a second `exec`, run by the bot itself in each run, is refused), until it succeeds
/// or the restarts run out; keycellar exits with the last code. The wait between restarts is
/// made zero by the test hook.
#[test]
fn a_failing_bot_is_restarted_holding_its_key() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let runs = tv.dir.path().join("runs");
    let keycellar = assert_cmd::cargo::cargo_bin("keycellar");
    let script = bot(
        &tv,
        &format!(
            "import subprocess\n\
             second = subprocess.run([{keycellar:?}, '--vault', {vault:?}, '--passphrase-file', \
             {pass:?}, 'exec', 'k', '--', 'true'], capture_output=True).returncode\n\
             open({runs:?}, 'a').write(f'{{second}}\\n')\n\
             count = len(open({runs:?}).read().splitlines())\n\
             sys.exit(0 if count >= int(sys.argv[1]) else 5)",
            keycellar = keycellar.display().to_string(),
            vault = tv.vault.display().to_string(),
            pass = tv.pass_file.display().to_string(),
            runs = runs.display().to_string(),
        ),
    );
    let supervised = |succeeds_on: &str, extra: &[&str]| {
        let _ = fs::remove_file(&runs);
        let out = exec(
            &tv,
            &[&["--restart", "on-failure"], extra, &["k", "--", "python3"]].concat(),
        )
        .arg(&script)
        .arg(succeeds_on)
        .env("KEYCELLAR_TEST_RESTART_DELAY_MS", "0")
        .output()
        .unwrap();
        let runs = fs::read_to_string(&runs).unwrap();
        (out.status.code(), runs)
    };
    assert_eq!(supervised("3", &[]), (Some(0), "7\n7\n7\n".to_string()));
    assert_eq!(
        supervised("9", &["--max-restarts", "2"]),
        (Some(5), "7\n7\n7\n".to_string()),
        "two restarts, then the last code"
    );
    // Without --restart the bot runs once.
    let _ = fs::remove_file(&runs);
    let once = exec(&tv, &["k", "--", "python3"])
        .arg(&script)
        .arg("3")
        .status()
        .unwrap();
    assert_eq!(once.code(), Some(5));
    assert_eq!(fs::read_to_string(&runs).unwrap(), "7\n");
}

/// A signal passed on to a supervised bot stops the supervision: keycellar ends with the
/// bot's code instead of starting it again.
#[test]
fn a_signal_stops_a_supervised_bot_for_good() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let runs = tv.dir.path().join("runs");
    let script = bot(
        &tv,
        &format!(
            "open({runs:?}, 'a').write('run\\n')\n\
             signal.signal(signal.SIGTERM, lambda *_: os._exit(3))\n\
             say_ready()\n\
             while True: signal.pause()",
            runs = runs.display().to_string()
        ),
    );
    let ready = tv.dir.path().join("ready");
    let mut child = exec(&tv, &["--restart", "on-failure", "k", "--", "python3"])
        .arg(&script)
        .env("KEYCELLAR_TEST_RESTART_DELAY_MS", "0")
        .spawn()
        .unwrap();
    wait_for(&ready, &mut child);
    // SAFETY: plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert_eq!(child.wait().unwrap().code(), Some(3));
    assert_eq!(fs::read_to_string(&runs).unwrap(), "run\n");
}

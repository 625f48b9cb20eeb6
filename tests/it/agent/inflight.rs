//! A request in progress never holds the agent up (third attacker pass, B1 and B7): while a
//! change waits for the vault's lock, `lock` answers at once and the agent says it is
//! locked; the key is wiped once the change has ended; and `agent start -- COMMAND` ends its
//! agent when COMMAND ends, a request in flight or not (a change still waiting for the
//! vault's lock is answered as not made, and its command makes it itself, once); a stopped
//! agent costs a command its patience once. The tests hold the vault's lock themselves and
//! wait on states (the agent has the lock file open), never on time.

use super::memory::{fixture, found, is_root, names, needles, vault_key};
use super::{AgentVault, alive, eventually};
use std::fs::File;
use std::process::{Command, Stdio};

/// Holds `VAULT.lock` as another command would, until dropped.
fn hold_vault_lock(av: &AgentVault) -> File {
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(av.tv.dir.path().join("vault.kc.lock"))
        .unwrap();
    lock.lock().unwrap();
    lock
}

/// `keycellar --vault V` as a child process, with the test's own directories.
fn keycellar(av: &AgentVault) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
    cmd.env_remove("KEYCELLAR_VAULT")
        .env_remove("KEYCELLAR_AGENT_SOCK")
        .env("KEYCELLAR_TEST_USER_DIRS", av.tv.user.path())
        .arg("--vault")
        .arg(&av.tv.vault)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Whether process `pid` has a file named `name` open (root reads any process's fds).
fn has_open(pid: u64, name: &str) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
        fds.flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.ends_with(name)))
    })
}

#[test]
fn lock_answers_while_a_change_waits_for_the_vault_and_the_key_goes_after_it() {
    if !is_root() {
        return; // the agent's descriptors and memory are read as root (CI runs as root)
    }
    let av = fixture();
    let key = vault_key(&av);
    let pid = av.start(&[])["pid"].as_u64().unwrap();
    let executable = std::fs::read(format!("/proc/{pid}/exe")).unwrap();
    let needles = needles(&key, &executable);
    drop(executable);
    let listed = av.tv.json(&["list"]);
    let label = listed["entries"][0]["label"].as_str().unwrap().to_string();
    let vault_lock = hold_vault_lock(&av);
    let mut change = keycellar(&av)
        .args(["--lock-timeout", "600", "edit", &label, "--note", "waited"])
        .spawn()
        .unwrap();
    eventually("the agent waits for the vault's lock", || {
        has_open(pid, "vault.kc.lock")
    });
    av.bare().arg("lock").assert().success();
    assert_eq!(av.status()["state"], "locked");
    assert_eq!(
        change.try_wait().unwrap(),
        None,
        "lock answered only once the change had given up"
    );
    drop(vault_lock);
    // The change had the key before the lock: it completes (AGENT.md section 5).
    assert!(change.wait().unwrap().success());
    let shown = av.tv.json(&["--no-agent", "show", &label]);
    assert_eq!(shown["notes"], "waited");
    let held = names(found(&crate::common::process_memory(pid as u32), &needles));
    assert!(
        held.is_empty(),
        "after the change, the agent holds {held:?}"
    );
}

#[test]
fn agent_start_with_a_command_ends_its_agent_while_a_request_is_in_flight() {
    if !is_root() {
        return; // the agent's descriptors are read as root (CI runs as root)
    }
    let av = AgentVault::new();
    let dir = av.tv.dir.path();
    let vault_lock = hold_vault_lock(&av);
    // The bot sends a change (which waits for the vault's lock) and ends when told to. The
    // change's own outcome is written once it is over.
    let bot = format!(
        "( {kc} --vault {vault} --passphrase-file {pass} --lock-timeout 600 edit k1 --note late; \
           echo $? > {dir}/rc.tmp; mv {dir}/rc.tmp {dir}/rc ) &\n\
         while [ ! -e {dir}/go ] && [ -d {dir} ]; do sleep 0.05; done\n",
        kc = assert_cmd::cargo::cargo_bin("keycellar").display(),
        vault = av.tv.vault.display(),
        pass = av.tv.pass_file.display(),
        dir = dir.display(),
    );
    let mut start = keycellar(&av)
        .arg("--passphrase-file")
        .arg(&av.tv.pass_file)
        .args(["agent", "start", "--", "sh", "-c", &bot])
        .spawn()
        .unwrap();
    let pid = std::cell::OnceCell::new();
    eventually("the bot's change reaches the agent", || {
        let status = av
            .bare()
            .args(["--json", "agent", "status"])
            .output()
            .unwrap();
        let Ok(status) = serde_json::from_slice::<serde_json::Value>(&status.stdout) else {
            return false;
        };
        let agent = status["pid"].as_u64().unwrap();
        has_open(agent, "vault.kc.lock") && pid.set(agent).is_ok()
    });
    std::fs::write(dir.join("go"), "").unwrap();
    // COMMAND ended: `agent start` returns and its agent is gone, while the change it was
    // running still waits for the lock the test holds.
    assert!(start.wait().unwrap().success());
    assert!(!alive(*pid.get().unwrap()), "the agent outlived COMMAND");
    // The agent stopped before the change took the vault's lock: it answered it as not
    // made, and the command makes it itself once the lock is free (docs/AGENT.md section
    // 5), with the passphrase it was given.
    assert!(
        !dir.join("rc").exists(),
        "the change ended while the lock was held"
    );
    drop(vault_lock);
    eventually("the change ends", || dir.join("rc").exists());
    assert_eq!(std::fs::read_to_string(dir.join("rc")).unwrap().trim(), "0");
    let shown = av.tv.json(&["--no-agent", "show", "k1"]);
    assert_eq!(shown["notes"], "late");
    let sockets = std::fs::read_dir(av.runtime.join("keycellar")).unwrap();
    let left: Vec<_> = sockets.flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `agent start -- COMMAND` lives as long as COMMAND: its memory holds no copy of the vault
/// key it unlocked and handed over (round 2's A4, found again in the third pass).
#[test]
fn agent_start_keeps_no_copy_of_the_key_while_its_command_runs() {
    if !is_root() {
        return; // reading another process's memory needs root (CI runs as root)
    }
    let av = fixture();
    let key = vault_key(&av);
    let dir = av.tv.dir.path();
    let bot = format!(
        "touch {dir}/started; while [ ! -e {dir}/go ] && [ -d {dir} ]; do sleep 0.05; done",
        dir = dir.display()
    );
    let mut start = keycellar(&av)
        .arg("--passphrase-file")
        .arg(&av.tv.pass_file)
        .args(["agent", "start", "--", "sh", "-c", &bot])
        .spawn()
        .unwrap();
    eventually("COMMAND runs", || dir.join("started").exists());
    let executable = std::fs::read(format!("/proc/{}/exe", start.id())).unwrap();
    let needles = needles(&key, &executable);
    drop(executable);
    let held = names(found(&crate::common::process_memory(start.id()), &needles));
    std::fs::write(dir.join("go"), "").unwrap();
    assert!(start.wait().unwrap().success());
    assert!(
        held.is_empty(),
        "`agent start` holds {held:?} while COMMAND runs"
    );
}

/// A stopped agent (SIGSTOP) costs a command its patience once: the export's first request
/// falls back to the passphrase once it is spent, and the record of the export that
/// follows is made here at once, not sent to the agent again (where it would wait as long,
/// and then be unknown: made or not).
#[test]
fn a_stopped_agent_costs_a_command_its_patience_once() {
    let av = AgentVault::new();
    let key = av.tv.dir.path().join("backup-key.txt");
    let made = av.cmd().args(["keygen", "-o"]).arg(&key).assert().success();
    let recipient = String::from_utf8(made.get_output().stdout.clone()).unwrap();
    let pid = av.start(&[])["pid"].as_u64().unwrap();
    let agent = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(agent, rustix::process::Signal::STOP).unwrap();
    let export = av.tv.dir.path().join("export.age");
    let out = av
        .cmd()
        .env("KEYCELLAR_TEST_AGENT_PATIENCE_MS", "300")
        .args(["export", "-r", recipient.trim(), "-o"])
        .arg(&export)
        .output()
        .unwrap();
    rustix::process::kill_process(agent, rustix::process::Signal::CONT).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("not using the agent").count(), 1, "{stderr}");
    let status = av.tv.json(&["--no-agent", "status"]);
    assert!(
        status["last_export"]["at"].is_string(),
        "recorded: {status}"
    );
}

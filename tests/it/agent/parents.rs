//! What a process that waits for a command holds while the command runs (issue 33's
//! fourth pass, F4): `exec` keeps the secrets it handed over (to mask them) and nothing
//! else, neither the vault key nor the passphrase nor the other entries' secrets; `agent
//! start --identity FILE -- COMMAND` keeps neither the key nor the identity. Memory is read
//! through /proc/PID/mem, as root.

use super::memory::{fixture, found, is_root, names, needles};
use super::{AgentVault, eventually};
use crate::common::age_identity;
use crate::common::paper::FIXTURE_PASSPHRASE;
use std::process::{Child, Command, Stdio};

/// The key the passphrase slot opens with `passphrase`.
fn vault_key(av: &AgentVault, passphrase: &str) -> [u8; 32] {
    let passphrase = keycellar::secret::Secret::new(passphrase.into());
    let header = keycellar::vault::VaultHeader::read(&av.tv.vault).unwrap();
    *header
        .unlock_with_passphrase(&av.tv.vault, &passphrase)
        .unwrap()
        .expose()
}

/// `keycellar --vault V ARGS -- sh -c BOT`, where the bot says it started and waits for
/// the test's word to end.
fn waiting(av: &AgentVault, args: &[&str]) -> Child {
    let dir = av.tv.dir.path();
    let bot = format!(
        "touch {dir}/started; while [ ! -e {dir}/go ] && [ -d {dir} ]; do sleep 0.05; done",
        dir = dir.display()
    );
    let child = Command::new(assert_cmd::cargo::cargo_bin("keycellar"))
        .env_remove("KEYCELLAR_VAULT")
        .env_remove("KEYCELLAR_AGENT_SOCK")
        .env("KEYCELLAR_TEST_USER_DIRS", av.tv.user.path())
        .arg("--vault")
        .arg(&av.tv.vault)
        .args(args)
        .args(["--", "sh", "-c", &bot])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually("COMMAND runs", || dir.join("started").exists());
    child
}

/// The names of `needles` (besides the key's and the fixture secrets' of [`needles`]) that
/// the memory of `child` holds while its command runs; then lets the command end.
fn held_while_running(
    av: &AgentVault,
    child: &mut Child,
    more: &[(&str, &[u8])],
    passphrase: &str,
) -> Vec<String> {
    let key = vault_key(av, passphrase);
    let executable = std::fs::read(format!("/proc/{}/exe", child.id())).unwrap();
    let mut needles = needles(&key, &executable);
    needles.extend(
        more.iter()
            .map(|(name, bytes)| (name.to_string(), bytes.to_vec())),
    );
    drop(executable);
    let held = names(found(&crate::common::process_memory(child.id()), &needles));
    std::fs::write(av.tv.dir.path().join("go"), "").unwrap();
    assert!(child.wait().unwrap().success());
    held
}

#[test]
fn exec_keeps_only_the_secrets_it_handed_over_while_its_command_runs() {
    if !is_root() {
        return; // reading another process's memory needs root (CI runs as root)
    }
    let av = fixture();
    let listed = av.tv.json(&["--no-agent", "list"]);
    let label = listed["entries"][0]["label"].as_str().unwrap().to_string();
    let shown = av.tv.json(&["--no-agent", "show", &label, "--reveal"]);
    let handed: Vec<String> = ["secret", "api_passphrase"]
        .iter()
        .filter_map(|field| shown[field].as_str())
        .map(|value| format!("{value:?}"))
        .collect();
    let pass_file = av.tv.pass_file.display().to_string();
    let args = [
        "--no-agent",
        "--passphrase-file",
        &pass_file,
        "exec",
        &label,
    ];
    let mut exec = waiting(&av, &args);
    let passphrase = ("the passphrase", FIXTURE_PASSPHRASE.as_bytes());
    let held = held_while_running(&av, &mut exec, &[passphrase], FIXTURE_PASSPHRASE);
    let others: Vec<&String> = held.iter().filter(|name| !handed.contains(name)).collect();
    assert!(
        others.is_empty(),
        "`exec` holds {others:?} while COMMAND runs"
    );
}

#[test]
fn agent_start_through_an_identity_keeps_no_key_and_no_identity() {
    if !is_root() {
        return; // reading another process's memory needs root (CI runs as root)
    }
    let av = fixture();
    let (identity, recipient) = age_identity(av.tv.dir.path(), "escrow.txt");
    let add = [
        "--no-agent",
        "slot",
        "add",
        "-r",
        &recipient,
        "--name",
        "escrow",
    ];
    av.tv.cmd().args(add).assert().success();
    let text = std::fs::read_to_string(&identity).unwrap();
    let secret = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap();
    let path = identity.display().to_string();
    let mut start = waiting(&av, &["--identity", &path, "agent", "start"]);
    let identity = [("the identity", secret.as_bytes())];
    let held = held_while_running(&av, &mut start, &identity, FIXTURE_PASSPHRASE);
    assert!(
        held.is_empty(),
        "`agent start` holds {held:?} while COMMAND runs"
    );
}

/// A passphrase long enough that reading it grows a buffer several times (a buffer that
/// grows leaves what it held where it was, unless that is wiped first).
fn long_passphrase() -> String {
    (0..160)
        .map(|n| format!("{n:03} hedgehog-{}|", n * 7919 % 1000))
        .collect()
}

#[test]
fn agent_start_keeps_no_piece_of_a_long_passphrase_it_read() {
    if !is_root() {
        return; // reading another process's memory needs root (CI runs as root)
    }
    let av = fixture();
    let long = long_passphrase();
    let new = av.tv.file("new-passphrase", &format!("{long}\n"));
    let passwd = ["--no-agent", "passwd", "--new-passphrase-file"];
    av.tv.cmd().args(passwd).arg(&new).assert().success();
    let pass_file = new.display().to_string();
    let mut start = waiting(&av, &["--passphrase-file", &pass_file, "agent", "start"]);
    let pieces: Vec<(&str, &[u8])> = long
        .as_bytes()
        .chunks_exact(16)
        .map(|piece| ("a piece of the passphrase", piece))
        .collect();
    let held = held_while_running(&av, &mut start, &pieces, &long);
    assert!(
        held.is_empty(),
        "`agent start` holds {held:?} while COMMAND runs"
    );
}

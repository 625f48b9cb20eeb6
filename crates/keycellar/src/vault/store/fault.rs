//! Every step at which a command that writes files can be killed or fail, and the test hook
//! that kills it or fails the step there.
//!
//! [`FAULT_STEPS`] names each point just before a file is created, written, synced or
//! named (linked or renamed), for the three kinds of file keycellar writes: the vault and
//! the generations beside it (`vault-`), documents the user asked for (`output-`: exports,
//! sheets, shares, identities, man pages) and `exec`'s run locks (`run-lock-`). Every call
//! of the hook names a step of this table (the hook panics otherwise), and the fault tests
//! kill each command at each step it passes, so a new write step cannot go untested.

/// What happens right after a step: the system call a kill at the step prevents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Before {
    /// A file is created (opened for writing).
    Create,
    /// Bytes are written.
    Write,
    /// `fsync` of a file or a directory.
    Sync,
    /// A file gets a name: `link` or `rename`.
    Name,
    /// Nothing: the moment after the last step of a save.
    Nothing,
}

/// One step of [`FAULT_STEPS`].
#[derive(Clone, Copy, Debug)]
pub struct FaultStep {
    pub name: &'static str,
    pub before: Before,
}

const fn step(name: &'static str, before: Before) -> FaultStep {
    FaultStep { name, before }
}

/// Every fault step, in the order a command meets them.
pub const FAULT_STEPS: [FaultStep; 21] = [
    // A new vault file (a save, `init`, a re-sealed generation), written without a name.
    step("vault-create-temp", Before::Create),
    step("vault-write-temp", Before::Write),
    step("vault-sync-temp", Before::Sync),
    // `init`: the new vault gets its name, never replacing a file.
    step("vault-link-new", Before::Name),
    // A save: the generations-to-be get their pending names, made durable ...
    step("vault-keep-generation", Before::Name),
    step("vault-sync-pending", Before::Sync),
    // ... the new vault gets a temp name and replaces the vault (the commit) ...
    step("vault-link-temp", Before::Name),
    step("vault-rename", Before::Name),
    // ... and the pending generations take their places (also done by the next command).
    step("vault-place-generation", Before::Name),
    step("vault-sync-directory", Before::Sync),
    step("vault-done", Before::Nothing),
    // A document the user asked for, written without a name ...
    step("output-create-temp", Before::Create),
    step("output-write-temp", Before::Write),
    step("output-sync-temp", Before::Sync),
    // ... a file it replaces in a set (a split's PDFs) kept until the set is in place ...
    step("output-keep-old", Before::Name),
    // ... named where nothing was, or given a temp name and renamed over the old file.
    step("output-link-new", Before::Name),
    step("output-link-temp", Before::Name),
    step("output-rename", Before::Name),
    step("output-sync-directory", Before::Sync),
    // `exec`: the run lock of a key, and the process it records.
    step("run-lock-open", Before::Create),
    step("run-lock-record", Before::Write),
];

/// Test hook, compiled only with the `internals` feature (never into a release).
/// `KEYCELLAR_FAULT=ACTION@STEP` or `ACTION@STEP#N` (STEP one of [`FAULT_STEPS`], N the
/// occurrence of that step in the process, 1 by default): ACTION `kill` kills the process
/// with SIGKILL at that step, `eio` and `enospc` make the step fail with that I/O error.
/// `trace@FILE` appends the name of every step passed to FILE, a line each. It can only
/// make a command fail, never change what is written.
#[cfg(feature = "internals")]
pub(crate) fn fault(role: &str, step: &str) -> std::io::Result<()> {
    use std::io::Write;
    static SEEN: std::sync::Mutex<Vec<(String, u32)>> = std::sync::Mutex::new(Vec::new());
    let name = format!("{role}-{step}");
    assert!(
        FAULT_STEPS.iter().any(|s| s.name == name),
        "fault step {name} is not in FAULT_STEPS"
    );
    let Some(setting) = std::env::var_os("KEYCELLAR_FAULT") else {
        return Ok(());
    };
    let setting = setting.to_string_lossy();
    let Some((action, at)) = setting.split_once('@') else {
        return Ok(());
    };
    let occurrence = {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        let index = match seen.iter().position(|(n, _)| *n == name) {
            Some(index) => index,
            None => {
                seen.push((name.clone(), 0));
                seen.len() - 1
            }
        };
        seen[index].1 += 1;
        if action == "trace" {
            // One write a line, under the lock: threads' lines never mix.
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(at)?;
            log.write_all(format!("{name}\n").as_bytes())?;
            return Ok(());
        }
        seen[index].1
    };
    let (at, wanted) = match at.split_once('#') {
        Some((at, n)) => (at, n.parse().unwrap_or(0)),
        None => (at, 1),
    };
    if at != name || occurrence != wanted {
        return Ok(());
    }
    let errno = match action {
        "kill" => {
            let _ = rustix::process::kill_process(
                rustix::process::getpid(),
                rustix::process::Signal::KILL,
            );
            unreachable!("SIGKILL returned")
        }
        "eio" => rustix::io::Errno::IO,
        "enospc" => rustix::io::Errno::NOSPC,
        _ => return Ok(()),
    };
    Err(std::io::Error::from_raw_os_error(errno.raw_os_error()))
}

/// Without the `internals` feature no step ever fails on purpose.
#[cfg(not(feature = "internals"))]
#[inline(always)]
pub(crate) fn fault(_role: &str, _step: &str) -> std::io::Result<()> {
    Ok(())
}

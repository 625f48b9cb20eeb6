//! Process hardening at start-up: no core dumps, and (on Linux) not dumpable or ptrace-able
//! by other processes of the same user.

use rustix::process::{Resource, Rlimit, setrlimit};

/// Disables core dumps and, on Linux, marks the process non-dumpable.
///
/// Returns the steps that failed, for a warning; keycellar carries on, since refusing to run
/// would not make the user's keys safer.
pub fn harden_process() -> Vec<String> {
    let mut failures = Vec::new();
    let no_core = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, no_core) {
        failures.push(format!("could not disable core dumps: {e}"));
    }
    #[cfg(target_os = "linux")]
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        failures.push(format!("could not mark the process non-dumpable: {e}"));
    }
    failures
}

/// Whether the process is currently dumpable (Linux), for tests and `--debug-hygiene` checks.
#[cfg(target_os = "linux")]
pub fn is_dumpable() -> bool {
    !matches!(
        rustix::process::dumpable_behavior(),
        Ok(rustix::process::DumpableBehavior::NotDumpable)
    )
}

/// The current soft core-dump limit in bytes (`None` means unlimited).
pub fn core_limit() -> Option<u64> {
    rustix::process::getrlimit(Resource::Core).current
}

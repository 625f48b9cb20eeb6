//! Printing for `agent start`, `agent status`, `agent stop` and `lock`.

use super::{JSON_SCHEMA, print_json};
use crate::cli::report::Result;
use keycellar::untrusted::escaped as safe;
use serde_json::{Value, json};
use std::path::Path;

/// `agent start` without a COMMAND: the agent's status as it starts.
pub fn agent_started(status: &Value, as_json: bool) -> Result<()> {
    if as_json {
        return agent_status(status, true);
    }
    say!(
        "Agent started for {} (pid {}); it locks {}.",
        vault_of(status),
        status["pid"],
        when_it_locks(status)
    );
    memory_note(status)
}

/// `agent status`.
pub fn agent_status(status: &Value, as_json: bool) -> Result<()> {
    if as_json {
        let mut document = json!({"schema": JSON_SCHEMA});
        for field in [
            "vault",
            "vault_id",
            "state",
            "locked_because",
            "idle_deadline",
            "max_deadline",
            "memory_locked",
            "key_memory_locked",
            "pid",
        ] {
            document[field] = status[field].clone();
        }
        print_json(document)?;
        return Ok(());
    }
    match status["state"].as_str() {
        Some("unlocked") => say!(
            "The agent for {} is unlocked (pid {}); it locks {}.",
            vault_of(status),
            status["pid"],
            when_it_locks(status)
        ),
        _ => say!(
            "The agent for {} is locked ({}); commands ask the passphrase.",
            vault_of(status),
            status["locked_because"].as_str().unwrap_or("lock")
        ),
    }
    memory_note(status)
}

/// `agent stop` or `lock`: `done` is `stopped`, `locked` or `none` (no agent serves the
/// vault, which is not a failure: nothing was unlocked).
pub fn agent_changed(vault: &Path, done: &str, as_json: bool) -> Result<()> {
    if as_json {
        let vault = vault.to_string_lossy();
        print_json(json!({"schema": JSON_SCHEMA, "vault": vault, "agent": done}))?;
        return Ok(());
    }
    let vault = safe(&vault.to_string_lossy()).into_owned();
    match done {
        "none" => say!("No agent serves {vault}; nothing to do."),
        _ => say!("The agent for {vault} is {done}; its key is wiped."),
    }
    Ok(())
}

fn vault_of(status: &Value) -> String {
    safe(status["vault"].as_str().unwrap_or("?")).into_owned()
}

fn when_it_locks(status: &Value) -> String {
    let idle = status["idle_deadline"].as_str();
    let max = status["max_deadline"].as_str();
    match (idle, max) {
        (None, None) => "only when told to (no time limit)".into(),
        (Some(idle), Some(max)) if idle == max => format!("at {max}"),
        (Some(idle), Some(max)) => format!("at {idle} if unused, at {max} at the latest"),
        (Some(idle), None) => format!("at {idle} if unused"),
        (None, Some(max)) => format!("at {max}"),
    }
}

fn memory_note(status: &Value) -> Result<()> {
    if status["state"] != "unlocked" {
        return Ok(());
    }
    if status["key_memory_locked"] == false {
        crate::cli::ui::warn(
            "the agent could not lock even its key's page against swap (the memory-lock \
             limit refused); the key could reach swap unless swap is encrypted",
        );
    } else if status["memory_locked"] == false {
        crate::cli::ui::note(
            "Only the key's page is locked against swap (the memory-lock limit is below \
             1 GiB): what a request decrypts could reach swap unless swap is encrypted.",
        );
    }
    Ok(())
}

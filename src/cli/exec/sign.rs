//! `exec --profile sign`: the signing service started for the run, and `history LABEL
//! --signatures`, which reads its journal.

use super::super::args::ExecArgs;
use super::super::context::Context;
use super::super::output::{JSON_SCHEMA, emit, print_json};
use super::super::report::Result;
use super::state_dir;
use keycellar::credential::entry::Entry;
use keycellar::ops::{Session, VaultRequest, reply};
use keycellar::sign::{Policy, SignServer, SignServerConfig, SigningKey, journal};
use keycellar::untrusted::escaped as safe;
use keycellar::vault::VaultHeader;
use keycellar::vault::run_lock::LockWitness;
use keycellar::vault::runtime_dir::RuntimeDir;
use serde_json::json;

/// Starts the signing service for `entries`, with the policy `--policy` names (the default
/// one without it) and `--allow-withdraw`; its socket goes in the runtime directory, its
/// journal and nonce stores in the state directory.
pub fn start(
    vault_id: &str,
    entries: &[&Entry],
    runtime: &RuntimeDir,
    locks: Vec<LockWitness>,
    args: &ExecArgs,
) -> Result<SignServer> {
    let keys = entries
        .iter()
        .map(|entry| SigningKey::from_entry(entry))
        .collect::<keycellar::Result<Vec<_>>>()?;
    let mut policy = match &args.policy {
        Some(path) => Policy::load(path)?,
        None => Policy::default_deny(),
    };
    if args.allow_withdraw {
        for entry in entries {
            policy.allow_withdraw(entry.label());
        }
    }
    let state = state_dir()?;
    let mut config = SignServerConfig::new(
        keys,
        keycellar::run::journal_path(&state, vault_id),
        keycellar::run::nonce_dir(&state),
        runtime.path().to_path_buf(),
    );
    config.policy = policy;
    config.clock = keycellar::run::sign_clock();
    config.locks = locks;
    Ok(SignServer::start(config)?)
}

/// `history LABEL --signatures`: what the signing service signed and refused for `label`,
/// oldest first.
pub fn history(ctx: &Context, label: &str) -> Result<()> {
    // The label must name an entry of this vault, current or rotated (asked of the agent
    // when one serves the vault); the vault's id is in its header, which needs no key.
    let label_given = label.to_string();
    ctx.run::<reply::History>(VaultRequest::History { label: label_given })?;
    let vault_id = VaultHeader::read(&ctx.vault)?.id_hex();
    let path = keycellar::run::journal_path(&state_dir()?, &vault_id);
    let (records, skipped) = match path.exists() {
        true => journal::read(&path, Some(label))?,
        false => (Vec::new(), 0),
    };
    if ctx.json {
        print_json(json!({
            "schema": JSON_SCHEMA,
            "signatures": records,
            "unreadable_lines": skipped,
        }))?;
        return Ok(());
    }
    for r in &records {
        let show = |value: &Option<String>| safe(value.as_deref().unwrap_or("")).into_owned();
        let detail = [
            r.nonce.as_ref().map(|n| format!("nonce {}", safe(n))),
            r.rule.as_ref().map(|n| format!("rule {}", safe(n))),
            r.kind.as_ref().map(|n| format!("kind {}", safe(n))),
        ];
        let detail: Vec<String> = detail.into_iter().flatten().collect();
        emit(&format!(
            "{}  {:<7}  pid {}  {} {}  body sha256 {}  {}\n",
            safe(&r.time),
            safe(&r.outcome),
            r.pid.map_or("-".to_string(), |p| p.to_string()),
            show(&r.method),
            show(&r.path),
            show(&r.body_sha256),
            detail.join(" ")
        ))?;
    }
    if skipped > 0 {
        super::super::ui::warn(&format!(
            "{skipped} line(s) of the journal could not be read (cut short by a power loss?)"
        ));
    }
    Ok(())
}

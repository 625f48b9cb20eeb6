//! Runs each command: gathers inputs, calls the library, hands results to `output`.

use super::args::{AddArgs, Cli, Command, CredentialArgs, EditArgs, InitArgs};
use super::backup;
use super::context::{Context, check_single_stdin, default_vault_path};
use super::lifecycle;
use super::output;
use super::paper;
use super::ui;
use keycellar::credential::entry::{Date, Exchange, NewEntry};
use keycellar::credential::fingerprint;
use keycellar::error::{Error, Result};
use keycellar::input;
use keycellar::secret::Secret;
use keycellar::vault::Vault;
use keycellar::vault::kdf::{KdfParams, KdfRequest};
use std::io::IsTerminal;
use std::time::Duration;

/// Entry point for a parsed command line; returns the exit code (`exec` passes its
/// child's through).
pub fn run(cli: Cli) -> Result<i32> {
    let vault = match cli.vault {
        Some(path) => path,
        None => default_vault_path()?,
    };
    // A descriptor becomes its /dev/fd path, so one reader serves both (0 is stdin, `-`).
    let passphrase_file = match cli.passphrase_fd {
        Some(0) => Some("-".to_string()),
        Some(fd) => Some(format!("/dev/fd/{fd}")),
        None => cli.passphrase_file,
    };
    let ctx = Context {
        vault,
        passphrase_file,
        json: cli.json,
        lock_timeout: Duration::from_secs(cli.lock_timeout),
    };
    let done = match cli.command {
        Command::Exec {
            label,
            env,
            command,
        } => return lifecycle::exec(&ctx, &label, &env, &command),
        Command::Init(args) => init(&ctx, &args),
        Command::Add(args) => add(&ctx, *args),
        Command::List => output::list(&ctx.open()?, ctx.json),
        Command::Show { label, reveal } => {
            let vault = ctx.open()?;
            output::show(vault.find(&label)?, reveal, ctx.json)
        }
        Command::Edit(args) => edit(&ctx, *args),
        Command::Remove { label, yes } => remove(&ctx, &label, yes),
        Command::Passwd {
            new_passphrase_file,
        } => passwd(&ctx, new_passphrase_file),
        Command::Fingerprint { label } => {
            let vault = ctx.open()?;
            output::fingerprint(&vault, label.as_deref(), ctx.json)
        }
        Command::Verify {
            backup: Some(file),
            unlock,
            ..
        } => backup::verify_backup(&ctx, &file, &unlock),
        Command::Verify { paper, unlock, .. } if !paper.is_empty() => {
            paper::verify_paper(&ctx, &paper, &unlock)
        }
        Command::Verify {
            label,
            fingerprint,
            key,
            ..
        } => verify(&ctx, label, fingerprint, key),
        Command::Export(args) => backup::export(&ctx, &args),
        Command::Import(args) => backup::import(&ctx, &args),
        Command::Keygen { output } => backup::keygen(&output, ctx.json),
        Command::Print(args) => paper::print(&ctx, &args),
        Command::Restore(args) => paper::restore(&ctx, &args),
        Command::Rotate(args) => lifecycle::rotate(&ctx, &args),
        Command::History { label } => lifecycle::history(&ctx, &label),
        Command::Status => lifecycle::status(&ctx),
        Command::Audit { max_age_days } => lifecycle::audit(&ctx, max_age_days),
        Command::Completions { shell } => super::shell::completions(shell),
        Command::Man { output } => super::shell::man_pages(&output),
        Command::HygieneCheck => output::hygiene(),
    };
    done.map(|()| keycellar::error::exit::OK)
}

fn init(ctx: &Context, args: &InitArgs) -> Result<()> {
    if ctx.vault.exists() {
        return Err(Error::VaultExists {
            path: ctx.vault.clone(),
        });
    }
    let (passphrase, params) = new_vault_settings(ctx, args)?;
    let vault = ui::with_spinner("Deriving the vault key (Argon2id)", || {
        Vault::create(&ctx.vault, &passphrase, params, Vec::new())
    })?;
    output::created(&vault, &params, ctx.json)
}

/// The passphrase (asked twice, or read from --passphrase-file) and the KDF parameters
/// (calibrated, or as given) for a new vault.
pub(super) fn new_vault_settings(ctx: &Context, args: &InitArgs) -> Result<(Secret, KdfParams)> {
    let request = KdfRequest {
        memory_mib: args.kdf_memory,
        time: args.kdf_time,
        parallelism: args.kdf_parallelism,
        target_ms: args.kdf_target_ms,
    };
    let passphrase = match &ctx.passphrase_file {
        Some(source) => input::passphrase_from(source)?,
        None => input::prompt_new_passphrase("vault")?,
    };
    ui::check_strength(&passphrase, "vault");
    if request.time.is_none() {
        ui::note("Measuring this machine to tune Argon2id...");
    }
    let params = ui::with_spinner("Tuning Argon2id to this machine", || request.resolve())?;
    if params.below_recommended() {
        ui::warn(&format!(
            "{} is below the recommended 64 MiB; use such settings only for tests",
            params.describe()
        ));
    }
    Ok((passphrase, params))
}

fn add(ctx: &Context, args: AddArgs) -> Result<()> {
    check_single_stdin(&[
        ctx.passphrase_file.as_ref(),
        args.credentials.secret_file.as_ref(),
        args.credentials.api_passphrase_file.as_ref(),
        args.credentials.kraken_uri_file.as_ref(),
        args.from_json.as_ref(),
    ])?;
    let new_entries = match &args.from_json {
        Some(source) => input::entries_from_json(source)?,
        None => vec![entry_from_args(args)?],
    };
    let mut vault = ctx.open_for_change()?;
    let mut added = Vec::new();
    for new in new_entries {
        let (entry, warnings) = vault.add(new)?;
        for warning in warnings {
            ui::warn(&format!("{}: {warning}", entry.label));
        }
        added.push(entry.id.clone());
    }
    let fingerprint = vault.save_alongside(Vault::fingerprint)?;
    output::added(&vault, &added, &fingerprint, ctx.json)
}

fn entry_from_args(args: AddArgs) -> Result<NewEntry> {
    let label = args
        .label
        .ok_or_else(|| Error::Usage("give a LABEL for the entry".into()))?;
    let exchange = match (args.exchange, &args.credentials) {
        (Some(exchange), _) => exchange,
        (None, c) if c.qr.is_some() || c.kraken_uri_file.is_some() => Exchange::Kraken,
        (None, _) => return Err(Error::Usage("--exchange is required".into())),
    };
    let (api_key, secret, api_passphrase) = read_credentials(&args.credentials, exchange)?;
    Ok(NewEntry {
        label,
        exchange,
        api_key,
        secret,
        api_passphrase,
        key_version: args.key_version,
        account_ref: args.account,
        permissions: args.permissions,
        ip_allowlist: args.ips,
        expires: parse_date(args.expires.as_deref())?,
        created: parse_date(args.created.as_deref())?,
        notes: args.note,
        used_by: args.used_by,
    })
}

/// The public key, secret and API passphrase from flags, files, Kraken's URI or QR code,
/// asking on the terminal for what is missing (secrets hidden).
pub(super) fn read_credentials(
    from: &CredentialArgs,
    exchange: Exchange,
) -> Result<(String, Secret, Option<Secret>)> {
    let (key, secret) = if let Some(image) = &from.qr {
        paper::kraken_qr(image)?
    } else if let Some(source) = &from.kraken_uri_file {
        input::parse_kraken_uri(&input::read_source(source, "Kraken key URI")?)?
    } else {
        let key = match &from.key {
            Some(key) => key.clone(),
            None => input::prompt_visible("Public API key: ", "the public API key")?,
        };
        let secret = match &from.secret_file {
            Some(source) => input::secret_from(source, "API secret")?,
            None => input::prompt_hidden("API secret (hidden): ", "the API secret")?,
        };
        (key, secret)
    };
    let api_passphrase = match &from.api_passphrase_file {
        Some(source) => Some(input::secret_from(source, "API passphrase")?),
        None if exchange.requires_api_passphrase() => Some(input::prompt_hidden(
            "API passphrase (hidden): ",
            "the API passphrase",
        )?),
        None => None,
    };
    Ok((key, secret, api_passphrase))
}

fn parse_date(text: Option<&str>) -> Result<Option<Date>> {
    text.map(|t| t.parse::<Date>().map_err(Error::Usage))
        .transpose()
}

fn edit(ctx: &Context, args: EditArgs) -> Result<()> {
    let expires = match args.expires.as_deref() {
        Some("none") => Some(None),
        other => parse_date(other)?.map(Some),
    };
    let mut vault = ctx.open_for_change()?;
    let warnings = vault.edit(&args.label, |e| {
        if let Some(new) = args.rename {
            e.label = new;
        }
        edit_list(
            &mut e.permissions,
            args.add_permission,
            &args.remove_permission,
        );
        edit_list(&mut e.ip_allowlist, args.add_ip, &args.remove_ip);
        edit_list(&mut e.used_by, args.add_used_by, &args.remove_used_by);
        if let Some(note) = args.note {
            e.notes = Some(note).filter(|n| !n.is_empty());
        }
        if let Some(account) = args.account {
            e.account_ref = Some(account).filter(|a| !a.is_empty());
        }
        if let Some(expires) = expires {
            e.expires = expires;
        }
        if let Some(status) = args.status {
            e.status = status;
        }
        if let Some(version) = args.key_version {
            e.key_version = Some(version);
        }
    })?;
    for warning in warnings {
        ui::warn(&warning);
    }
    vault.save()?;
    output::changed(&vault, "edited", ctx.json)
}

fn edit_list(list: &mut Vec<String>, add: Vec<String>, remove: &[String]) {
    list.retain(|item| !remove.contains(item));
    for item in add {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

fn remove(ctx: &Context, label: &str, yes: bool) -> Result<()> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "removing needs --yes when there is no terminal to confirm on".into(),
            ));
        }
        let typed = input::prompt_visible(
            &format!("Type the label {label:?} to remove it: "),
            "a confirmation",
        )?;
        if typed != label {
            return Err(Error::BadInput("not confirmed; nothing was removed".into()));
        }
    }
    let mut vault = ctx.open_for_change()?;
    vault.remove(label)?;
    vault.save()?;
    output::changed(&vault, "removed", ctx.json)
}

fn passwd(ctx: &Context, new_source: Option<String>) -> Result<()> {
    check_single_stdin(&[ctx.passphrase_file.as_ref(), new_source.as_ref()])?;
    let mut vault = ctx.open_for_change()?;
    let new = match &new_source {
        Some(source) => input::passphrase_from(source)?,
        None => input::prompt_new_passphrase("vault")?,
    };
    ui::check_strength(&new, "vault");
    ui::with_spinner("Deriving the new key (Argon2id)", || {
        vault.change_passphrase(&new, None)
    })?;
    vault.save()?;
    output::changed(&vault, "passphrase changed", ctx.json)
}

fn verify(
    ctx: &Context,
    label: Option<String>,
    written_down: Option<String>,
    public_key: Option<String>,
) -> Result<()> {
    if let Some(fp) = &written_down
        && fingerprint::parse(fp).is_none()
    {
        return Err(Error::Usage(format!(
            "{fp:?} is not a fingerprint (16 characters, e.g. 7K2M-9QXD-4TRE-HA0C)"
        )));
    }
    let vault = ctx.open()?;
    let entries: Vec<_> = match &label {
        Some(label) => vec![vault.find(label)?],
        None => vault.contents.entries.iter().collect(),
    };
    let recomputed_all = fingerprint::of_entries(&entries)?;
    let mut results = Vec::with_capacity(entries.len());
    for (entry, recomputed) in entries.into_iter().zip(recomputed_all) {
        let mut problems = Vec::new();
        if recomputed != entry.fingerprint {
            problems.push(format!(
                "recorded fingerprint {} but the stored key now gives {recomputed}",
                entry.fingerprint
            ));
        }
        if let Some(fp) = &written_down
            && !fingerprint::same(fp, &recomputed)
        {
            problems.push(format!(
                "you gave fingerprint {fp} but the stored key gives {recomputed}"
            ));
        }
        if let Some(key) = public_key.as_deref().map(str::trim)
            && key != entry.api_key
        {
            problems.push(format!(
                "you gave public key {} but the stored one is {}",
                keycellar::credential::entry::mask(key),
                entry.masked_key()
            ));
        }
        results.push((entry, recomputed, problems));
    }
    output::verified(&vault, &results, ctx.json)?;
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, _, p)| !p.is_empty())
        .map(|(e, _, _)| e.label.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::Mismatch(format!(
            "{} entry(s): {}",
            failed.len(),
            failed.join(", ")
        )))
    }
}

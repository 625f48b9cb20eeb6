//! Runs the vault commands: init, add, edit, remove, passwd, verify and otp.

use super::args::{AddArgs, EditArgs, InitArgs};
use super::context::{self, Context};
use super::credentials;
use super::new_passphrase::{self, Purpose, Request};
use super::output;
use super::prompt::{self, Asked};
use super::report::{self, Failure, Result, Unanswered};
use super::ui;
use keycellar::Error;
use keycellar::clock::{Date, Timestamp};
use keycellar::credential::entry::NewEntry;
use keycellar::credential::exchange::Exchange;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::credential::paste;
use keycellar::credential::validate;
use keycellar::error::paste::Given;
use keycellar::error::{InputError, VaultError};
use keycellar::ops::{ChangeRequest, Session, VaultRequest, reply, verify_outcome};
use keycellar::passphrase::cost::Kdf;
use keycellar::source::{InputSource, MAX_DOCUMENT_LEN};
use keycellar::vault::{EntryChange, Vault};
use std::io::IsTerminal;

pub fn init(ctx: &Context, args: &InitArgs) -> Result<()> {
    if ctx.vault.exists() {
        return Err(Error::Vault(VaultError::VaultExists {
            path: ctx.vault.clone(),
        })
        .into());
    }
    let (passphrase, params) = ctx.new_vault_settings(args)?;
    let vault = ui::with_spinner("Deriving the vault key (Argon2id)", || {
        Vault::create(&ctx.vault, &passphrase, params, Vec::new())
    })?;
    output::created(&vault, &params, ctx.json)
}

pub fn add(ctx: &Context, args: AddArgs) -> Result<()> {
    // The entries are read before the vault passphrase, so a second reader of stdin must be
    // named here rather than surface as a wrong passphrase or a bad secret.
    if matches!(ctx.passphrase_source, Some(InputSource::Stdin)) {
        let second = match &args.from_json {
            Some(InputSource::Stdin) => Some("entries document"),
            _ => args.credentials.stdin_part(),
        };
        if let Some(second) = second {
            return Err(Error::Input(InputError::StdinTwice {
                first: "vault passphrase",
                second,
            })
            .into());
        }
    }
    let new_entries = match &args.from_json {
        Some(source) => entries_from_json(source)?,
        None => vec![entry_from_args(args)?],
    };
    // Every check that needs no vault runs before the passphrase is asked and the KDF runs,
    // so that a mistake costs no wait and nothing typed twice.
    for new in &new_entries {
        validate::admit_new(new.clone().into_entry(), Date::today())?;
    }
    let change = ChangeRequest::Add {
        entries: new_entries,
    };
    let reply::Added {
        added,
        warnings,
        vault_fingerprint,
    } = ctx.change(change)?;
    report::warn_entries(&warnings);
    output::added(&added, vault_fingerprint, ctx.json)
}

fn entry_from_args(args: AddArgs) -> Result<NewEntry> {
    let label = args
        .label
        .ok_or_else(|| Failure::Usage("give a LABEL for the entry".into()))?;
    let exchange = match (args.exchange, &args.credentials) {
        (Some(exchange), _) => exchange,
        (None, c) if c.qr.is_some() || c.kraken_uri_file.is_some() => Exchange::Kraken,
        (None, _) => return Err(Failure::Usage("--exchange is required".into())),
    };
    credentials::check_details(
        &[
            ("label", Some(&label)),
            ("note", args.note.as_ref()),
            ("account reference", args.account.as_ref()),
        ],
        &[
            ("app name", &args.used_by),
            ("permission", &args.permissions_other),
        ],
    )?;
    let mut permissions = args.permissions;
    credentials::check_permission_names(exchange, &permissions)?;
    permissions.extend(args.permissions_other);
    let credential = credentials::read(&args.credentials, exchange)?;
    Ok(NewEntry {
        label,
        exchange,
        api_key: credential.api_key,
        secret: credential.secret,
        api_passphrase: credential.api_passphrase,
        otp_seed: credential.otp_seed,
        key_version: args.key_version,
        account_ref: args.account,
        permissions,
        ip_allowlist: args.ips,
        expires: credentials::parse_date(args.expires.as_deref())?,
        created: credentials::parse_date(args.created.as_deref())?,
        notes: args.note,
        used_by: args.used_by,
    })
}

pub fn edit(ctx: &Context, args: EditArgs) -> Result<()> {
    let expires = match args.expires.as_deref() {
        Some("none") => Some(None),
        other => credentials::parse_date(other)?.map(Some),
    };
    credentials::check_details(
        &[
            ("label", args.rename.as_ref()),
            ("note", args.note.as_ref()),
            ("account reference", args.account.as_ref()),
        ],
        &[
            ("app name", &args.add_used_by),
            ("permission", &args.add_permission_other),
        ],
    )?;
    let change = EntryChange {
        rename: args.rename,
        add_permissions: args.add_permission,
        remove_permissions: args.remove_permission,
        add_ips: args.add_ip,
        remove_ips: args.remove_ip,
        add_used_by: args.add_used_by,
        remove_used_by: args.remove_used_by,
        note: args.note,
        account: args.account,
        expires,
        status: args.status,
        key_version: args.key_version,
    };
    if let Some(problem) = change.contradiction() {
        return Err(Failure::Usage(problem));
    }
    let request = ChangeRequest::Edit {
        label: args.label,
        edit: change,
        permissions_other: args.add_permission_other,
    };
    changed(ctx, request, "edited")
}

/// Runs a change whose reply says whether it wrote, and prints `what` it did.
fn changed(ctx: &Context, request: ChangeRequest, what: &str) -> Result<()> {
    let reply::Changed {
        written,
        warnings,
        vault_fingerprint,
    } = ctx.change(request)?;
    report::warn_all(&warnings);
    let what = if written { what } else { output::UNCHANGED };
    output::changed(vault_fingerprint, what, ctx.json)
}

pub fn remove(ctx: &Context, label: &str, yes: bool) -> Result<()> {
    if !yes && !std::io::stdin().is_terminal() {
        return Err(Unanswered::NoTerminal {
            what: "the confirmation",
            flag: Some("--yes"),
        }
        .into());
    }
    // The passphrase first (or the agent), and the label checked, so that the confirmation
    // is only asked for an entry that exists.
    if !yes {
        let check = VaultRequest::Fingerprint {
            label: Some(label.to_string()),
        };
        ctx.run::<reply::Fingerprint>(check)?;
        let typed = prompt::visible(
            &format!(
                "To remove {label:?}, type its label (not the passphrase; it is shown as you \
                 type): "
            ),
            Asked::by("the confirmation", "--yes"),
        )?;
        if typed != label {
            return Err(Failure::NotConfirmed);
        }
    }
    let label = label.to_string();
    changed(ctx, ChangeRequest::Remove { label }, "removed")
}

pub fn passwd(ctx: &Context, new_source: Option<InputSource>, settings: &InitArgs) -> Result<()> {
    // The old passphrase, whatever opened the vault (`--identity` asks for it).
    let (mut vault, old) = ctx.open_for_rekey()?;
    let params = match settings.kdf_given() {
        true => context::resolve_kdf(&settings.kdf_request())?,
        false => vault.kdf_params().first().copied().ok_or_else(|| {
            Failure::Usage("this vault has no passphrase keyslot to change".into())
        })?,
    };
    let request = Request {
        source: new_source.as_ref(),
        args: &settings.passphrase,
        purpose: Purpose::Vault,
        flag: "--new-passphrase-file",
    };
    let new = new_passphrase::choose(request, Kdf::from(&params))?;
    ui::with_spinner("Deriving the new key (Argon2id)", || {
        vault.change_passphrase(old.as_ref(), &new, params)
    })?;
    vault.save()?;
    ui::note(
        "The vault has a new key; its previous generations beside it were re-encrypted under \
         it, so the old passphrase opens none of them. Copies made before (exports, sheets, \
         a synced folder's history) still open with what protected them.",
    );
    output::changed(vault.fingerprint(), "passphrase changed", ctx.json)
}

pub fn verify(
    ctx: &Context,
    label: Option<String>,
    written_down: Option<String>,
    public_key: Option<String>,
) -> Result<()> {
    let written_down = written_down
        .map(|fp| fp.parse::<Fingerprint>().map_err(Failure::Usage))
        .transpose()?;
    // The exchange is known only once the vault is open: the rules of every exchange.
    if let Some(key) = &public_key {
        paste::check_public_key(key, None, Given::CommandLine)?;
    }
    let request = VaultRequest::Verify {
        label,
        fingerprint: written_down,
        public_key,
    };
    let reply::Verify {
        results,
        vault_fingerprint,
    } = ctx.run(request)?;
    output::verified(&results, vault_fingerprint, ctx.json)?;
    Ok(verify_outcome(&results)?)
}

/// Entries for `add --from-json`: one JSON object, or a list of them.
fn entries_from_json(source: &InputSource) -> Result<Vec<NewEntry>> {
    let text = source.read_text("JSON entries", MAX_DOCUMENT_LEN)?;
    NewEntry::list_from_json(&text).map_err(|problem| {
        Error::Input(InputError::BadJson {
            source_name: source.to_string(),
            problem,
        })
        .into()
    })
}

/// The request for `label`'s authenticator code now, by keycellar's clock (the signing
/// service's, which tests fix).
pub fn otp_request(label: String) -> Result<VaultRequest> {
    let seconds = keycellar::run::sign_clock().now_ms() / 1000;
    let at = Timestamp::from_unix_seconds(seconds)
        .ok_or_else(|| Error::Internal("the clock is past the year 9999".into()))?;
    Ok(VaultRequest::Otp { label, at })
}

//! `slot list|add|remove` and `rekey`: the vault's keyslots (docs/FORMAT.md section 1.2.1).
//! Adding and removing keep the vault key, so they need only public recipients; `rekey`
//! makes a new key and wraps it to every slot again.

use super::args::SlotCommand;
use super::context::Context;
use super::output::{self, print_slots};
use super::report::{Failure, Result};
use super::ui;
use keycellar::untrusted::quoted;
use std::path::Path;

/// Runs one `slot` command.
pub fn run(ctx: &Context, command: SlotCommand) -> Result<()> {
    match command {
        SlotCommand::List => {
            let vault = ctx.open()?;
            print_slots(&vault.keyslots(), ctx.json)
        }
        SlotCommand::Add {
            recipient,
            recipients_file,
            name,
        } => {
            let recipients = match (recipient, recipients_file) {
                (Some(recipient), _) => vec![recipient],
                (None, Some(file)) => recipients_in(&file)?,
                (None, None) => return Err(Failure::Usage("give -r RECIPIENT or -R FILE".into())),
            };
            if name.is_some() && recipients.len() > 1 {
                return Err(Failure::Usage(
                    "--name names one slot; the recipients file holds several".into(),
                ));
            }
            add(ctx, &recipients, name.as_deref())
        }
        SlotCommand::Remove { name } => {
            let mut vault = ctx.open_for_change()?;
            let removed = vault.remove_slot(&name)?;
            vault.save()?;
            ui::note(&format!(
                "Keyslot {} was removed. The vault key is unchanged: copies made before still \
                 open with it; after removing a lost or stolen token's slot, run `keycellar \
                 rekey`.",
                quoted(&removed.name)
            ));
            output::changed(vault.fingerprint(), "keyslot removed", ctx.json)
        }
    }
}

/// One slot per recipient, all or none, in one save.
fn add(ctx: &Context, recipients: &[String], name: Option<&str>) -> Result<()> {
    let mut vault = ctx.open_for_change()?;
    for recipient in recipients {
        vault.add_age_slot(name, recipient)?;
    }
    vault.save()?;
    output::changed(vault.fingerprint(), "keyslot added", ctx.json)
}

/// The recipients of a recipients file: one a line, `#` comments and blank lines skipped.
fn recipients_in(path: &Path) -> Result<Vec<String>> {
    let bytes = keycellar::source::read_file_bounded(
        path,
        "recipients file",
        keycellar::backup::agefile::MAX_KEY_FILE_LEN,
    )?;
    let recipients: Vec<String> = String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect();
    match recipients.is_empty() {
        true => Err(Failure::Usage(format!(
            "{} holds no recipient",
            quoted(&path.display().to_string())
        ))),
        false => Ok(recipients),
    }
}

/// `rekey`: a new vault key for every slot; the generations are re-sealed as `passwd`
/// re-seals them.
pub fn rekey(ctx: &Context) -> Result<()> {
    let (mut vault, passphrase) = ctx.open_for_rekey()?;
    ui::with_spinner("Wrapping a new vault key (Argon2id)", || {
        vault.rekey(passphrase.as_ref())
    })?;
    vault.save()?;
    ui::note(
        "The vault has a new key, wrapped to every keyslot; its previous generations beside \
         it were re-encrypted under it. Copies made before still open with their slots.",
    );
    output::changed(vault.fingerprint(), "vault key changed", ctx.json)
}

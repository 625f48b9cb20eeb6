//! `import --from ... --strip`: once the vault holds the keys, they are taken out of the
//! file they came from (written back atomically with its mode, a `.bak` only with
//! `--backup`), and the `keycellar exec` line that now runs the bot is printed. A key the
//! vault does not hold after the import (left out on a label conflict) stays in the file.

use crate::cli::context::{Context, default_vault_path};
use crate::cli::output::Stripped;
use crate::cli::report::{Failure, Result};
use keycellar::credential::entry::Entry;
use keycellar::credential::exec::profiles::Profile;
use keycellar::movein::strip::{self, Handover};
use keycellar::movein::{Format, Found};
use keycellar::ops::{ListFilter, Session, VaultRequest, reply};
use keycellar::source::InputSource;
use keycellar::vault::store;
use std::path::{Path, PathBuf};

/// The file to strip, checked before anything is read.
pub struct Target {
    format: Format,
    path: PathBuf,
    backup: Option<PathBuf>,
}

impl Target {
    pub fn check(format: Format, source: &InputSource, backup: bool) -> Result<Target> {
        if !strip::can_strip(format) {
            return Err(Failure::Usage(format!(
                "--strip takes keys out of freqtrade configs and env files, not a {}",
                format.document()
            )));
        }
        // A file that is not there is named by the read that follows.
        let path = match source {
            InputSource::File(path) if std::fs::metadata(path).is_ok_and(|m| m.is_file()) => path,
            InputSource::File(path) if !path.exists() => path,
            _ => {
                return Err(Failure::Usage(
                    "--strip writes the file back: give its path, not standard input or a pipe"
                        .into(),
                ));
            }
        };
        let backup = backup.then(|| {
            let mut name = path.as_os_str().to_owned();
            name.push(".bak");
            PathBuf::from(name)
        });
        if let Some(backup) = &backup {
            store::check_output(backup, false)?;
        }
        Ok(Target {
            format,
            path: path.clone(),
            backup,
        })
    }

    /// What stripping will do if every key joins the vault under the label it was given.
    pub fn preview(&self, ctx: &Context, plan: &[Found], entries: &[Entry]) -> Stripped {
        let held: Vec<(&Found, &Entry, String)> = taken(plan, entries)
            .map(|(found, entry)| (found, entry, entry.label().to_string()))
            .collect();
        self.stripped(ctx, &held, Vec::new())
    }

    /// Takes the keys the vault now holds out of the file, whose bytes were `read`.
    pub fn strip(
        self,
        ctx: &Context,
        read: &[u8],
        plan: &[Found],
        entries: &[Entry],
    ) -> Result<Stripped> {
        let vault = vault_labels(ctx)?;
        let mut held = Vec::new();
        let mut kept = Vec::new();
        for (found, entry) in taken(plan, entries) {
            let fingerprint = entry.fingerprint().to_string();
            let holds = |label: &str| vault.contains(&(label.to_string(), fingerprint.clone()));
            let label = match holds(entry.label()) {
                true => Some(entry.label().to_string()),
                false => vault
                    .iter()
                    .find(|(_, f)| *f == fingerprint)
                    .map(|(l, _)| l.clone()),
            };
            match label {
                Some(label) => held.push((found, entry, label)),
                None => kept.push(entry.label().to_string()),
            }
        }
        let stripped = self.stripped(ctx, &held, kept);
        if stripped.fields.is_empty() {
            return Ok(stripped);
        }
        let names: Vec<&str> = stripped.fields.iter().map(String::as_str).collect();
        let name = self.path.display().to_string();
        let text = std::str::from_utf8(read)
            .map_err(|_| keycellar::movein::Problem::NotText.at(self.format, &name))?;
        let new = strip::strip(self.format, text, &names).map_err(|p| p.at(self.format, &name))?;
        if let Some(backup) = &self.backup {
            store::write_file(backup, read, false)?;
        }
        store::rewrite_file(&self.path, read, new.as_bytes())?;
        Ok(stripped)
    }

    fn stripped(
        &self,
        ctx: &Context,
        held: &[(&Found, &Entry, String)],
        kept: Vec<String>,
    ) -> Stripped {
        let fields = held
            .iter()
            .flat_map(|(found, _, _)| strip::stripped_fields(found))
            .map(String::from)
            .collect();
        let handovers: Vec<(String, Handover)> = held
            .iter()
            .map(|(found, entry, label)| {
                (label.clone(), strip::handover(self.format, found, entry))
            })
            .collect();
        Stripped {
            file: self.path.clone(),
            fields,
            backup: self.backup.clone(),
            run: run_lines(ctx, self.format, &self.path, &handovers),
            kept,
        }
    }
}

/// Each key of the plan that became an entry, with that entry.
fn taken<'a>(
    plan: &'a [Found],
    entries: &'a [Entry],
) -> impl Iterator<Item = (&'a Found, &'a Entry)> {
    plan.iter().filter(|f| f.skipped.is_none()).zip(entries)
}

/// Every label of the vault with its fingerprint, after the import.
fn vault_labels(ctx: &Context) -> Result<Vec<(String, String)>> {
    let filter = ListFilter {
        all: true,
        ..ListFilter::default()
    };
    let reply::List { entries, .. } = ctx.run(VaultRequest::List { filter })?;
    Ok(entries
        .into_iter()
        .map(|e| (e.label, e.fingerprint.to_string()))
        .collect())
}

/// The `keycellar exec` lines: one for every key when they share a profile, else one a key.
fn run_lines(
    ctx: &Context,
    format: Format,
    file: &Path,
    keys: &[(String, Handover)],
) -> Vec<String> {
    let mut start = "keycellar".to_string();
    if default_vault_path().ok().as_deref() != Some(ctx.vault.as_path()) {
        start.push_str(&format!(
            " --vault {}",
            shell_word(&ctx.vault.display().to_string())
        ));
    }
    let command = match format {
        Format::Freqtrade => format!(
            "freqtrade trade -c {}",
            shell_word(&file.display().to_string())
        ),
        _ => "BOT".to_string(),
    };
    let line = |labels: Vec<&str>, handover: &Handover| {
        let labels: Vec<String> = labels.into_iter().map(shell_word).collect();
        let how = match handover {
            Handover::Profile(Profile::Env) => String::new(),
            Handover::Profile(profile) => format!(" --profile {profile}"),
            Handover::Variables(variables) => variables
                .iter()
                .map(|(name, field)| format!(" --env {name}={}", field.name()))
                .collect(),
        };
        format!("{start} exec {}{how} -- {command}", labels.join(" "))
    };
    let Some((_, first)) = keys.first() else {
        return Vec::new();
    };
    let shared = matches!(first, Handover::Profile(_)) && keys.iter().all(|(_, h)| h == first);
    match shared {
        true => vec![line(keys.iter().map(|(l, _)| l.as_str()).collect(), first)],
        false => keys
            .iter()
            .map(|(l, h)| line(vec![l.as_str()], h))
            .collect(),
    }
}

/// A word as a POSIX shell reads it back: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    match plain {
        true => word.to_string(),
        false => format!("'{}'", word.replace('\'', "'\\''")),
    }
}

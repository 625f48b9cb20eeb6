//! Printing what `import --from FORMAT` read from a bot's files: each key the source holds,
//! the fields it was taken from, or why it was left out. Names only, never a value. And a
//! key handed to a password manager (`export --to pass`).

use super::ImportedDocument;
use crate::cli::report::Result;
use keycellar::credential::entry::Entry;
use keycellar::credential::fingerprint::Fingerprint;
use keycellar::movein::{Format, Found};
use keycellar::untrusted::escaped as safe;
use serde_json::{Value, json};
use std::path::PathBuf;

/// What stripping did (or, in a dry run, would do).
pub struct Stripped {
    pub file: PathBuf,
    /// The source's names of the fields emptied or lines removed.
    pub fields: Vec<String>,
    pub backup: Option<PathBuf>,
    /// The `keycellar exec` lines that run the bot with the keys from the vault.
    pub run: Vec<String>,
    /// Labels of keys the vault does not hold, left in the file.
    pub kept: Vec<String>,
}

/// Where moved-in keys came from, and what became of each.
pub struct Origin<'a> {
    pub format: Format,
    /// The file as given, or `standard input`.
    pub name: String,
    pub keys: &'a [Found],
    /// With `--strip`, what it will take out of the file.
    pub strip: Option<&'a Stripped>,
}

impl Origin<'_> {
    /// The `source` of the `import_plan` document.
    pub fn to_json(&self) -> Value {
        let mut source = json!({ "format": self.format, "name": self.name, "keys": self.keys });
        if let Some(strip) = self.strip {
            source["strip"] = strip_json(strip);
        }
        source
    }
}

fn strip_json(strip: &Stripped) -> Value {
    json!({
        "file": strip.file,
        "fields": strip.fields,
        "backup": strip.backup,
        "run": strip.run,
        "kept": strip.kept,
    })
}

/// The import's document, and what `--strip` took out of the file.
pub fn stripped(document: ImportedDocument, strip: &Stripped, as_json: bool) -> Result<()> {
    if as_json {
        let mut document = document;
        document.json["stripped"] = strip_json(strip);
        return super::print_imported(document, true);
    }
    super::print_imported(document, false)?;
    strip_text(strip, false)
}

/// What stripping did, or (`planned`) will do once the keys are in the vault.
fn strip_text(strip: &Stripped, planned: bool) -> Result<()> {
    let file = strip.file.display();
    for label in &strip.kept {
        say!(
            "Left in {file}: the key {} is not in the vault.",
            safe(label)
        );
    }
    if strip.fields.is_empty() {
        say!("Nothing was taken out of {file}.");
        return Ok(());
    }
    let (took, run) = match planned {
        true => ("--strip will take out of", "Then run the bot with"),
        false => ("Took out of", "Run the bot with"),
    };
    let fields: Vec<String> = strip.fields.iter().map(|f| safe(f).into_owned()).collect();
    say!("{took} {file}: {}", fields.join(", "));
    if let Some(backup) = &strip.backup {
        say!(
            "The file as it was: {} (holds the keys; delete it once you are sure)",
            backup.display()
        );
    }
    say!("{run} its keys from the vault:");
    for line in &strip.run {
        say!("  {}", safe(line));
    }
    Ok(())
}

/// The text form, before the merge plan: one line a key, then its fields.
pub fn source_plan(origin: &Origin) -> Result<()> {
    say!("From {} ({}):", safe(&origin.name), origin.format.name());
    for found in origin.keys {
        let source = safe(&found.source);
        match (&found.skipped, &found.label, found.exchange) {
            (Some(why), _, _) => say!("  {source}: left out: {why}"),
            (None, Some(label), Some(exchange)) => {
                let fields: Vec<String> = found
                    .fields
                    .iter()
                    .map(|m| format!("{} -> {}", safe(&m.from), m.to))
                    .collect();
                say!(
                    "  {source} -> {} ({exchange}): {}",
                    safe(label),
                    fields.join(", ")
                );
            }
            _ => say!("  {source}: left out"),
        }
    }
    if let Some(strip) = origin.strip {
        strip_text(strip, true)?;
    }
    Ok(())
}

/// A key handed to pass as `name`.
pub fn handed_to_pass(
    entry: &Entry,
    name: &str,
    vault_fingerprint: Fingerprint,
    as_json: bool,
) -> Result<()> {
    if as_json {
        return super::changed(vault_fingerprint, "handed over", true);
    }
    say!(
        "Handed {} (fingerprint {}) to pass as {}: `pass show {}` shows it.",
        safe(entry.label()),
        entry.fingerprint(),
        safe(name),
        safe(name)
    );
    say!("Vault fingerprint: {vault_fingerprint}");
    Ok(())
}

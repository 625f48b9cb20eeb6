//! Printing what `import --from FORMAT` read from a bot's files: each key the source holds,
//! the fields it was taken from, or why it was left out. Names only, never a value.

use crate::cli::report::Result;
use keycellar::movein::{Format, Found};
use keycellar::untrusted::escaped as safe;
use serde_json::{Value, json};

/// Where moved-in keys came from, and what became of each.
pub struct Origin<'a> {
    pub format: Format,
    /// The file as given, or `standard input`.
    pub name: String,
    pub keys: &'a [Found],
}

impl Origin<'_> {
    /// The `source` of the `import_plan` document.
    pub fn to_json(&self) -> Value {
        json!({ "format": self.format, "name": self.name, "keys": self.keys })
    }
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
    Ok(())
}

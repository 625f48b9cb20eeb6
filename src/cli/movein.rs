//! Runs `import --from FORMAT (FILE | -)`: keys read from where a bot keeps them, checked
//! as `add` checks them before the vault is opened, then merged as an import is.

use super::args::MergeArgs;
use super::context::Context;
use super::import_into;
use super::output::{self, Origin};
use super::report::Result;
use super::ui;
use keycellar::backup::export::Imported;
use keycellar::clock::Date;
use keycellar::movein::{self, Format};
use keycellar::source::{InputSource, MAX_DOCUMENT_LEN, read_file_bounded};
use keycellar::vault::backup_log::BackupKind;
use std::path::Path;
use zeroize::Zeroizing;

pub fn import(ctx: &Context, format: Format, file: &Path, merge: &MergeArgs) -> Result<()> {
    let source: InputSource = match file.to_str() {
        Some("-") => InputSource::Stdin,
        _ => InputSource::File(file.to_path_buf()),
    };
    let name = source.to_string();
    let bytes = read_source(&source, format)?;
    // A pipe given as a path (`<(gpg -d .env.gpg)`, /dev/fd/N) left no file behind.
    if let InputSource::File(path) = &source
        && is_regular_file(path)
    {
        ui::warn(&plaintext_warning(path, format));
    }
    let moved = movein::read(format, &bytes).map_err(|problem| problem.at(format, &name))?;
    drop(bytes);
    // Every check `add` makes runs before the passphrase is asked and the KDF runs.
    let (entries, warnings) = movein::admit(moved.entries, Date::today())?;
    warnings.iter().for_each(|w| ui::warn(w));
    let origin = Origin {
        format,
        name,
        keys: &moved.plan,
    };
    let nothing = Imported {
        entries: Vec::new(),
        created_at: None,
        keycellar_version: None,
        vault_id: None,
        vault_fingerprint: None,
    };
    // `--init` is refused with `--from` by the arguments: the kind is never recorded.
    import_into::merge(
        ctx,
        entries,
        merge,
        &nothing,
        &output::Repaired::default(),
        BackupKind::Export,
        Some(&origin),
    )
}

fn is_regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// The source's bytes, wiped when dropped: standard input once, a pipe, or a file of at
/// most [`MAX_DOCUMENT_LEN`] bytes (its size checked before it is read).
fn read_source(source: &InputSource, format: Format) -> Result<Zeroizing<Vec<u8>>> {
    Ok(match source {
        InputSource::File(path) if is_regular_file(path) => Zeroizing::new(read_file_bounded(
            path,
            format.document(),
            MAX_DOCUMENT_LEN,
        )?),
        _ => {
            let text = source.read_text(format.document(), MAX_DOCUMENT_LEN)?;
            Zeroizing::new(text.as_bytes().to_vec())
        }
    })
}

/// Said once for a source read from a file: it holds the keys in plain text, and how to
/// bring them in without one next time.
fn plaintext_warning(path: &Path, format: Format) -> String {
    let example = match format {
        Format::Freqtrade => "gpg -d config.json.gpg",
        Format::Env => "gpg -d .env.gpg",
        Format::Ccxt => "gpg -d keys.local.json.gpg",
    };
    format!(
        "{} holds API keys in plain text, readable by anything that reads your files; once \
         they are in the vault, empty them there (or delete the file). To bring keys in \
         without a plaintext file, pipe them: `{example} | keycellar import --from {} -`",
        path.display(),
        format.name()
    )
}

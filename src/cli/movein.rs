//! Runs `import --from FORMAT (FILE | -) [--strip]`: keys read from where a bot keeps them,
//! checked as `add` checks them before the vault is opened, then merged as an import is;
//! with `--strip`, taken out of the file once the vault holds them (`strip`).

mod strip;

use super::args::ImportArgs;
use super::context::Context;
use super::import_into;
use super::output::{self, Origin};
use super::report::{self, Result};
use super::ui;
use keycellar::backup::export::Imported;
use keycellar::clock::Date;
use keycellar::movein::{self, Format, Problem};
use keycellar::ops::Repaired;
use keycellar::source::{InputSource, MAX_DOCUMENT_LEN, read_file_bounded};
use std::path::Path;
use zeroize::Zeroizing;

pub fn import(ctx: &Context, format: Format, args: &ImportArgs) -> Result<()> {
    let source: InputSource = match args.file.to_str() {
        Some("-") => InputSource::Stdin,
        _ => InputSource::File(args.file.to_path_buf()),
    };
    // Whether the file can be written back is known before anything is read or asked.
    let target = match args.strip {
        true => Some(strip::Target::check(format, &source, args.backup)?),
        false => None,
    };
    let name = source.to_string();
    let bytes = read_source(&source, format)?;
    let moved = movein::read(format, &bytes);
    // A pipe given as a path (`<(gpg -d .env.gpg)`, /dev/fd/N) left no file behind, and an
    // encrypted file holds no plain text; a file that is stripped is said to be below.
    let encrypted = matches!(moved, Err(Problem::Encrypted { .. }));
    if let InputSource::File(path) = &source
        && is_regular_file(path)
        && !encrypted
        && target.is_none()
    {
        ui::warn(&plaintext_warning(path, format));
    }
    let moved = moved.map_err(|problem| problem.at(format, &name))?;
    // Every check `add` makes runs before the passphrase is asked and the KDF runs.
    let (entries, warnings) = movein::admit(moved.entries, Date::today())?;
    report::warn_entries(&warnings);
    let preview = target
        .as_ref()
        .filter(|_| args.merge.dry_run)
        .map(|t| t.preview(ctx, &moved.plan, &entries));
    let origin = Origin {
        format,
        name,
        keys: &moved.plan,
        strip: preview.as_ref(),
    };
    let kept = target.as_ref().map(|_| entries.clone());
    let Some(merged) = import_into::merge_entries(ctx, entries, &args.merge, None, Some(&origin))?
    else {
        return Ok(());
    };
    let nothing = Imported {
        entries: Vec::new(),
        created_at: None,
        keycellar_version: None,
        vault_id: None,
        vault_fingerprint: None,
    };
    let document = output::imported(
        &ctx.vault,
        merged.fingerprint,
        &nothing,
        merged.written,
        &Repaired::default(),
    );
    let (Some(target), Some(entries)) = (target, kept) else {
        return output::print_imported(document, ctx.json);
    };
    let stripped = target.strip(ctx, &bytes, &moved.plan, &entries)?;
    output::stripped(document, &stripped, ctx.json)
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
        Format::Keepassxc => "keepassxc-cli export keys.kdbx",
        Format::Bitwarden => "bw export --format json --raw",
        Format::Pass => "pass show NAME",
    };
    let strip = match movein::strip::can_strip(format) {
        true => " (--strip does that)",
        false => "",
    };
    format!(
        "{} holds API keys in plain text, readable by anything that reads your files; once \
         they are in the vault, empty them there{strip} or delete the file. To bring keys in \
         without a plaintext file, pipe them: `{example} | keycellar import --from {} -`",
        path.display(),
        format.name()
    )
}

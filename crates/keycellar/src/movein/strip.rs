//! Taking keys out of the file they moved in from (`import --from ... --strip`), once the
//! vault holds them: a freqtrade config keeps every byte but the values of `exchange.key`,
//! `secret` and `password`, emptied to `""` in place (comments, order and spacing kept); an
//! env file loses the lines that assign a key's public key, secret or API passphrase. An
//! account id stays: it is no secret, and the profiles do not all hand it over. The result
//! is read again and must hold none of those fields, or nothing is written.
//!
//! And how `exec` then hands the key to the bot under the names the file gave it: the
//! profile that sets exactly those variables, or `--env` mappings when none does.

use super::{Format, Found, Problem, relaxed};
use crate::credential::entry::Entry;
use crate::credential::exec::Field;
use crate::credential::exec::profiles::Profile;
use zeroize::Zeroizing;

/// Whether `--strip` can take keys out of a source of `format`.
pub fn can_strip(format: Format) -> bool {
    matches!(format, Format::Freqtrade | Format::Env)
}

/// The fields of a key found that stripping empties or removes: its public key, secret and
/// API passphrase, by the source's names.
pub fn stripped_fields(found: &Found) -> Vec<&str> {
    found
        .fields
        .iter()
        .filter(|m| m.to != Field::AccountRef.name())
        .map(|m| m.from.as_str())
        .collect()
}

/// `text`, a source of `format`, with the fields `names` emptied (freqtrade) or their lines
/// removed (env); checked by reading it again.
pub fn strip(format: Format, text: &str, names: &[&str]) -> Result<Zeroizing<String>, Problem> {
    let (stripped, keys) = match format {
        Format::Freqtrade => {
            let stripped = empty_json_strings(text, names)?;
            let keys = super::freqtrade::read(&stripped)?;
            (stripped, keys)
        }
        Format::Env => {
            let stripped = super::env::without(text, names)?;
            let keys = super::env::read(&stripped)?;
            (stripped, keys)
        }
        _ => return Err(UNSUPPORTED),
    };
    match keys.iter().any(|key| key.holds_any(names)) {
        true => Err(UNSUPPORTED),
        false => Ok(stripped),
    }
}

/// What a source this module cannot strip (or failed to) is.
const UNSUPPORTED: Problem = Problem::Line {
    line: 1,
    problem: "keycellar cannot take the keys out of this file without changing more of it",
};

fn empty_json_strings(text: &str, paths: &[&str]) -> Result<Zeroizing<String>, Problem> {
    let spans = relaxed::string_spans(text, paths).ok_or(UNSUPPORTED)?;
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str("\"\"");
        at = span.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// How `exec` gives a bot a key under the names its file used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover {
    /// A profile sets every one of them.
    Profile(Profile),
    /// No profile does: `--env NAME=FIELD` for each.
    Variables(Vec<(String, Field)>),
}

/// The handover of `entry`, moved in from a source of `format` as `found` says.
pub fn handover(format: Format, found: &Found, entry: &Entry) -> Handover {
    if format == Format::Freqtrade {
        return Handover::Profile(Profile::Freqtrade);
    }
    let wanted: Vec<(String, Field)> = found
        .fields
        .iter()
        .filter(|m| m.to != Field::AccountRef.name())
        .filter_map(|m| Some((m.from.clone(), m.to.parse().ok()?)))
        .collect();
    let fits = |profile: Profile| {
        let sets = profile.variables(entry).unwrap_or_default();
        wanted.iter().all(|w| sets.contains(w))
    };
    [Profile::Env, Profile::Ccxt, Profile::Freqtrade]
        .into_iter()
        .find(|p| fits(*p))
        .map_or(Handover::Variables(wanted), Handover::Profile)
}

//! Where a secret or a document comes from when it is not typed at a prompt: a file, an
//! open file descriptor, or standard input. Nothing here takes a secret from the command
//! line, and buffers that held secret text are zeroized.
//!
//! Standard input can feed one input only: [`InputSource::read_text`] claims it, and a
//! second claim in the same process is an error rather than an empty read.

use crate::error::InputError;
use crate::error::{Error, Result};
use crate::secret::{Secret, read_wiped};
use crate::untrusted::quoted;
use serde::de::DeserializeOwned;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Most bytes read from a passphrase or secret source: far above any real secret, and a
/// bound on what a wrong path (a disk image, `/dev/zero`) can make keycellar hold.
pub const MAX_SECRET_LEN: u64 = 64 * 1024;
/// Most bytes read from a document source (`add --from-json`): room for tens of thousands
/// of entries.
pub const MAX_DOCUMENT_LEN: u64 = 64 * 1024 * 1024;

/// Where a value is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSource {
    /// Standard input, written `-`.
    Stdin,
    /// A file path.
    File(PathBuf),
    /// An open file descriptor, inherited from the parent process.
    Fd(u32),
}

impl FromStr for InputSource {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "" => Err("give a file path, or `-` for standard input".into()),
            "-" => Ok(InputSource::Stdin),
            path => Ok(InputSource::File(PathBuf::from(path))),
        }
    }
}

impl fmt::Display for InputSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputSource::Stdin => f.write_str("standard input"),
            InputSource::File(path) => write!(f, "{}", path.display()),
            InputSource::Fd(fd) => write!(f, "file descriptor {fd}"),
        }
    }
}

/// What first claimed standard input in this process.
static STDIN_CLAIM: Mutex<Option<&'static str>> = Mutex::new(None);

fn claim_stdin(what: &'static str) -> Result<()> {
    let mut claim = STDIN_CLAIM.lock().unwrap_or_else(|e| e.into_inner());
    match *claim {
        Some(first) => Err(Error::Input(InputError::StdinTwice {
            first,
            second: what,
        })),
        None => {
            *claim = Some(what);
            Ok(())
        }
    }
}

/// Reads a whole file, refusing one larger than `limit` from its metadata, before a byte of
/// it is read (a wrong path to a disk image, or a sparse file, must not exhaust memory).
pub fn read_file_bounded(path: &Path, what: &'static str, limit: u64) -> Result<Vec<u8>> {
    let cannot = |e| Error::io(format!("cannot read the {what} {}", path.display()), e);
    let file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    if len > limit {
        return Err(Error::Input(InputError::InputTooLarge {
            what,
            source_name: path.display().to_string(),
            limit,
        }));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(Error::Input(InputError::InputTooLarge {
            what,
            source_name: path.display().to_string(),
            limit,
        }));
    }
    Ok(bytes)
}

/// True once standard input was read for a secret or a document: a program keycellar
/// starts must not be handed that input (it could seek back and read it again).
pub fn stdin_was_read() -> bool {
    STDIN_CLAIM
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some()
}

/// Marks a descriptor the caller handed over as close-on-exec once it was read, so that no
/// program keycellar starts inherits it.
fn keep_from_children(fd: u32) -> Result<()> {
    let raw = i32::try_from(fd)
        .map_err(|_| Error::io("bad descriptor", std::io::ErrorKind::InvalidInput.into()))?;
    // SAFETY: the descriptor was just read from, so it is open for this call.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(raw) };
    rustix::io::fcntl_setfd(borrowed, rustix::io::FdFlags::CLOEXEC).map_err(|e| {
        Error::io(
            format!("cannot close descriptor {fd} to child processes"),
            e.into(),
        )
    })
}

impl InputSource {
    /// The permission bits of a file source when its group or others may read it (a
    /// passphrase file should be 0600, as ssh insists for keys).
    pub fn readable_by_others(&self) -> Option<u32> {
        use std::os::unix::fs::PermissionsExt;
        let InputSource::File(path) = self else {
            return None;
        };
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o044 != 0).then_some(mode)
    }

    /// True for standard input, including descriptor 0.
    pub fn is_stdin(&self) -> bool {
        matches!(self, InputSource::Stdin | InputSource::Fd(0))
    }

    /// Reads the whole source as UTF-8 text, refusing more than `limit` bytes.
    pub fn read_text(&self, what: &'static str, limit: u64) -> Result<Zeroizing<String>> {
        let cannot =
            |e: std::io::Error| Error::io(format!("cannot read the {what} from {self}"), e);
        // Secret text: read into a buffer that leaves no copy behind as it grows.
        let read = |reader: &mut dyn Read| read_wiped(reader, limit).map_err(cannot);
        let bytes = match self {
            InputSource::Stdin | InputSource::Fd(0) => {
                claim_stdin(what)?;
                read(&mut std::io::stdin().lock())?
            }
            InputSource::File(path) => read(&mut std::fs::File::open(path).map_err(cannot)?)?,
            InputSource::Fd(fd) => {
                let path = PathBuf::from(format!("/dev/fd/{fd}"));
                let bytes = read(&mut std::fs::File::open(path).map_err(cannot)?)?;
                keep_from_children(*fd)?;
                bytes
            }
        };
        if bytes.len() as u64 > limit {
            return Err(Error::Input(InputError::InputTooLarge {
                what,
                source_name: self.to_string(),
                limit,
            }));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Error::Input(InputError::NotText {
                what,
                source_name: self.to_string(),
            })
        })?;
        Ok(Zeroizing::new(text.to_string()))
    }

    /// A passphrase: the first line, without its line ending. An empty one is refused.
    pub fn passphrase(&self, what: &'static str) -> Result<Secret> {
        let text = self.read_text(what, MAX_SECRET_LEN)?;
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(Error::Input(InputError::EmptyPassphrase {
                source_name: self.to_string(),
            }));
        }
        Ok(Secret::new(line.to_string()))
    }

    /// A secret: the whole text without trailing line breaks (PEM blocks keep their inner
    /// newlines).
    pub fn secret(&self, what: &'static str) -> Result<Secret> {
        let text = self.read_text(what, MAX_SECRET_LEN)?;
        Ok(Secret::new(text.trim_end_matches(['\n', '\r']).to_string()))
    }
}

/// Parses a JSON document. Errors name the JSON path of the bad field (keys the schema
/// does not know quoted like any value); the parser's own detail is left out for secret
/// fields, and elsewhere every value it repeats is quoted ([`explained`]).
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, JsonProblem> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = shown_path(e.path());
        let inner = e.inner();
        let secret_field = ["secret", "api_passphrase", "otp_seed"]
            .iter()
            .any(|f| path.ends_with(f));
        JsonProblem::BadValue {
            detail: (!secret_field).then(|| explained(inner)).flatten(),
            path,
            line: inner.line(),
            column: inner.column(),
        }
    })?;
    deserializer.end().map_err(|_| JsonProblem::TrailingText)?;
    Ok(value)
}

/// A JSON path as a message shows it: map keys are the document's own text, so any that is
/// not a plain field name is quoted.
fn shown_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut shown = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => shown.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                let plain = !key.is_empty()
                    && key.len() <= 32
                    && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                if !shown.is_empty() {
                    shown.push('.');
                }
                match plain {
                    true => shown.push_str(key),
                    false => shown.push_str(&quoted(key)),
                }
            }
            Segment::Unknown => shown.push_str(if shown.is_empty() { "?" } else { ".?" }),
        }
    }
    if shown.is_empty() { ".".into() } else { shown }
}

/// serde's explanation of a bad value, with every value from the document in it quoted:
/// serde repeats values verbatim (`unknown variant `...``, `invalid type: string "..."`).
/// An explanation of a shape not known here is left out (`None`) rather than risked.
fn explained(error: &serde_json::Error) -> Option<String> {
    let full = error.to_string();
    // serde_json adds the position, which the problem names on its own.
    let text = match full.rfind(" at line ") {
        Some(at) if error.line() != 0 => &full[..at],
        _ => &full[..],
    };
    if error.classify() != serde_json::error::Category::Data {
        // Syntax errors are serde_json's own fixed texts.
        return Some(text.to_string());
    }
    for prefix in ["unknown variant ", "unknown field "] {
        if let Some(rest) = text.strip_prefix(prefix).and_then(|r| r.strip_prefix('`')) {
            let end = rest
                .rfind("`, expected ")
                .or_else(|| rest.rfind("`, there are no "))?;
            return Some(format!(
                "{prefix}{}{}",
                quoted(&rest[..end]),
                &rest[end + 1..]
            ));
        }
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let end = rest.rfind(", expected ")?;
            return Some(format!(
                "{prefix}{}{}",
                unexpected(&rest[..end])?,
                &rest[end..]
            ));
        }
    }
    // Field names come from the schema; messages of keycellar's own types (dates, times,
    // fingerprints) start with a value already quoted.
    let own = [
        "missing field `",
        "duplicate field `",
        "invalid length ",
        "\"",
        "(",
    ];
    own.iter()
        .any(|start| text.starts_with(start))
        .then(|| text.to_string())
}

/// serde's `Unexpected` as it displays, with the value in it quoted; `None` for a form not
/// known here.
fn unexpected(shown: &str) -> Option<String> {
    if let Some(value) = shown
        .strip_prefix("string \"")
        .and_then(|s| s.strip_suffix('"'))
    {
        return Some(format!("string {}", quoted(value)));
    }
    if let Some((kind, value)) = shown.split_once(" `") {
        let value = value.strip_suffix('`')?;
        let known = ["boolean", "integer", "floating point", "character"];
        return known
            .contains(&kind)
            .then(|| format!("{kind} {}", quoted(value)));
    }
    let without_value = [
        "byte array",
        "unit value",
        "Option value",
        "newtype struct",
        "sequence",
        "map",
        "enum",
        "unit variant",
        "newtype variant",
        "tuple variant",
        "struct variant",
        "null",
    ];
    without_value.contains(&shown).then(|| shown.to_string())
}

pub use crate::error::JsonProblem;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_name_themselves() {
        assert_eq!("-".parse::<InputSource>().unwrap(), InputSource::Stdin);
        let file: InputSource = "pass.txt".parse().unwrap();
        assert_eq!(file.to_string(), "pass.txt");
        assert!(InputSource::Fd(0).is_stdin());
        assert!("".parse::<InputSource>().is_err());
    }

    #[test]
    fn oversized_and_binary_sources_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 100]).unwrap();
        let source = InputSource::File(big);
        assert!(matches!(
            source.read_text("passphrase", 99),
            Err(Error::Input(InputError::InputTooLarge { limit: 99, .. }))
        ));
        assert_eq!(source.read_text("passphrase", 100).unwrap().len(), 100);
        let binary = dir.path().join("bin");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            InputSource::File(binary).read_text("passphrase", 10),
            Err(Error::Input(InputError::NotText { .. }))
        ));
    }

    #[test]
    fn json_errors_name_the_path_but_never_a_secret_value() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Doc {
            label: String,
            secret: String,
        }
        assert!(parse_json::<Doc>(r#"{"label":"a","secret":"s"}"#).is_ok());
        let unknown = parse_json::<Doc>(r#"{"label":"a","secret":"s","colour":1}"#);
        assert!(unknown.unwrap_err().to_string().contains("colour"));
        let secret = parse_json::<Doc>(r#"{"label":"a","secret":987654321}"#).unwrap_err();
        let message = secret.to_string();
        assert!(
            message.contains("secret") && !message.contains("987654321"),
            "{message}"
        );
        assert_eq!(
            parse_json::<Doc>(r#"{"label":"a","secret":"s"} x"#).unwrap_err(),
            JsonProblem::TrailingText
        );
    }
}

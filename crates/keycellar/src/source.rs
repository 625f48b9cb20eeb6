//! Where a secret or a document comes from when it is not typed at a prompt: a file, an
//! open file descriptor, or standard input. Nothing here takes a secret from the command
//! line, and buffers that held secret text are zeroized.
//!
//! Standard input can feed one input only: [`InputSource::read_text`] claims it, and a
//! second claim in the same process is an error rather than an empty read.

use crate::error::{Error, Result};
use crate::secret::Secret;
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
        Some(first) => Err(Error::StdinTwice {
            first,
            second: what,
        }),
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
        return Err(Error::InputTooLarge {
            what,
            source_name: path.display().to_string(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(Error::InputTooLarge {
            what,
            source_name: path.display().to_string(),
            limit,
        });
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
        let mut bytes = Zeroizing::new(Vec::new());
        let cannot =
            |e: std::io::Error| Error::io(format!("cannot read the {what} from {self}"), e);
        let read = |reader: &mut dyn Read, bytes: &mut Vec<u8>| {
            reader.take(limit + 1).read_to_end(bytes).map_err(cannot)
        };
        match self {
            InputSource::Stdin | InputSource::Fd(0) => {
                claim_stdin(what)?;
                read(&mut std::io::stdin().lock(), &mut bytes)?;
            }
            InputSource::File(path) => {
                read(&mut std::fs::File::open(path).map_err(cannot)?, &mut bytes)?;
            }
            InputSource::Fd(fd) => {
                let path = PathBuf::from(format!("/dev/fd/{fd}"));
                read(&mut std::fs::File::open(path).map_err(cannot)?, &mut bytes)?;
                keep_from_children(*fd)?;
            }
        }
        if bytes.len() as u64 > limit {
            return Err(Error::InputTooLarge {
                what,
                source_name: self.to_string(),
                limit,
            });
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::NotText {
            what,
            source_name: self.to_string(),
        })?;
        Ok(Zeroizing::new(text.to_string()))
    }

    /// A passphrase: the first line, without its line ending. An empty one is refused.
    pub fn passphrase(&self, what: &'static str) -> Result<Secret> {
        let text = self.read_text(what, MAX_SECRET_LEN)?;
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(Error::EmptyPassphrase {
                source_name: self.to_string(),
            });
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

/// Parses a JSON document. Errors name the JSON path of the bad field; the parser's own
/// detail is left out for secret fields, since it may quote the value.
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, JsonProblem> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let secret_field = ["secret", "api_passphrase"]
            .iter()
            .any(|f| path.ends_with(f));
        JsonProblem::BadValue {
            detail: (!secret_field).then(|| inner.to_string()),
            path,
            line: inner.line(),
            column: inner.column(),
        }
    })?;
    deserializer.end().map_err(|_| JsonProblem::TrailingText)?;
    Ok(value)
}

/// Why a JSON document was refused; never quotes a secret field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// The value at `path` does not fit the schema (or the text is not JSON there).
    BadValue {
        path: String,
        line: usize,
        column: usize,
        /// The parser's explanation, left out for secret fields.
        detail: Option<String>,
    },
    /// Something follows the document.
    TrailingText,
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonProblem::BadValue {
                path,
                line,
                column,
                detail,
            } => {
                write!(f, "bad value at `{path}` (line {line}, column {column})")?;
                match detail {
                    Some(detail) => write!(f, ": {detail}"),
                    None => Ok(()),
                }
            }
            JsonProblem::TrailingText => f.write_str("unexpected text after the JSON"),
        }
    }
}

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
            Err(Error::InputTooLarge { limit: 99, .. })
        ));
        assert_eq!(source.read_text("passphrase", 100).unwrap().len(), 100);
        let binary = dir.path().join("bin");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            InputSource::File(binary).read_text("passphrase", 10),
            Err(Error::NotText { .. })
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

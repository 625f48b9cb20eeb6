//! Keys handed to a password manager, never through a file: the KeePass XML that
//! `keepassxc-cli import` reads (from a pipe), and the text of one `pass` entry (for `pass
//! insert -m`, on its standard input). Both are what `import --from keepassxc` and `import
//! --from pass` read back, so a key goes out and comes back with the same fingerprint.
//!
//! A KeePass entry: `Title` the label, `UserName` the public key, `Password` the secret,
//! and the strings `exchange`, `API passphrase` and `account` (protected in memory, as
//! KeePassXC marks passwords, for the two secrets); `Notes` the key's fingerprint and
//! notes. A pass entry: the secret on the first line (a PEM block on one line, `\n` written
//! for its line ends), then `login:`, `exchange:`, `passphrase:`, `uid:`, `label:` and
//! `fingerprint:` lines. Texts that hold secrets are wiped when dropped.

use crate::credential::entry::Entry;
use crate::error::{BackupError, Error, InputError, Result};
use crate::secret::Secret;
use rustix::fs::{FileType, Mode, OFlags};
use std::fs::File;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};

/// What the KeePass XML is called in messages.
pub const KEEPASS_XML: &str = "KeePass XML";

/// Where a front end would send a document that holds keys in plain text.
pub enum PlaintextSink<'a> {
    /// A path given for it.
    Path(&'a Path),
    /// The front end's own output stream (standard output).
    Stream(BorrowedFd<'a>),
}

/// Refuses to send the KeePass XML where its plain text would stay (a file, a device, a
/// socket such as the system journal's) or be seen (a terminal): only a pipe of the user's
/// takes it to the program that reads it. A path is looked at again as it is opened
/// ([`open_pipe`]). The front end lets a person override this, knowingly.
pub fn check_plaintext_sink(sink: PlaintextSink) -> std::result::Result<(), InputError> {
    let destination = match sink {
        PlaintextSink::Path(path) => match rustix::fs::stat(path) {
            Ok(stat) if is_own_pipe(&stat) => return Ok(()),
            Ok(stat) if is_pipe(&stat) => format!("{} is a pipe others can open", path.display()),
            _ => format!("{} is not a pipe", path.display()),
        },
        PlaintextSink::Stream(fd) => match rustix::fs::fstat(fd) {
            Ok(stat) if is_own_pipe(&stat) => return Ok(()),
            Ok(stat) if is_pipe(&stat) => "standard output is a pipe others can open",
            Ok(stat) => match FileType::from_raw_mode(stat.st_mode) {
                FileType::RegularFile => "standard output is a file, not a pipe",
                FileType::CharacterDevice => {
                    "standard output is a terminal or a device, not a pipe"
                }
                FileType::Socket => "standard output is a socket (a log, a connection), not a pipe",
                _ => "standard output is not a pipe",
            },
            Err(_) => "standard output could not be looked at",
        }
        .into(),
    };
    Err(InputError::PlaintextDestination {
        what: KEEPASS_XML,
        destination,
    })
}

fn is_pipe(stat: &rustix::fs::Stat) -> bool {
    FileType::from_raw_mode(stat.st_mode) == FileType::Fifo
}

/// A pipe of this user's that only the user may open: not one another user made where the
/// user was told to write, nor one made with the usual umask in a shared directory, where
/// anyone may open it to read first. (An unnamed pipe is the user's, 0600.)
fn is_own_pipe(stat: &rustix::fs::Stat) -> bool {
    let mine = stat.st_uid == rustix::process::geteuid().as_raw();
    is_pipe(stat) && mine && stat.st_mode & 0o077 == 0
}

/// Opens the named pipe at `path` (links followed: `/dev/stdout`, `>(...)`) to write the
/// plain text into. What the path names is pinned first (`O_PATH`, which opens nothing),
/// checked to be a pipe of the user's, and only that is opened for writing, through its
/// descriptor: a pipe removed or replaced since [`check_plaintext_sink`] looked never
/// becomes a file holding the keys, and nothing else is ever opened for writing. Nothing is
/// created. Waits for a reader, as any writer of a pipe does.
pub fn open_pipe(path: &Path) -> Result<File> {
    let io = |e: rustix::io::Errno| Error::io(path.display().to_string(), e.into());
    let pinned = match rustix::fs::open(path, OFlags::PATH | OFlags::CLOEXEC, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Err(not_a_pipe(path)),
        Err(e) => return Err(io(e)),
    };
    if !is_own_pipe(&rustix::fs::fstat(&pinned).map_err(io)?) {
        return Err(not_a_pipe(path));
    }
    let reopen = format!("/proc/self/fd/{}", pinned.as_raw_fd());
    let fd = rustix::fs::open(
        reopen.as_str(),
        OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        let context = format!("{} (reopened as {reopen}: is /proc there?)", path.display());
        Error::io(context, e.into())
    })?;
    Ok(File::from(fd))
}

fn not_a_pipe(path: &Path) -> Error {
    Error::Input(InputError::PlaintextDestination {
        what: KEEPASS_XML,
        destination: format!("{} is not a pipe of this user's", path.display()),
    })
}

/// The KeePass XML document of `entries`, in one group named `keycellar`.
pub fn keepass_xml(entries: &[Entry]) -> Secret {
    // Room for every value escaped at its longest (`&quot;`, `&#127;`: six bytes for one),
    // so that the text is never moved, leaving a copy behind, as it grows.
    let values: usize = entries.iter().map(|e| value_bytes(e) * 6 + 1024).sum();
    let mut out = String::with_capacity(512 + values);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<KeePassFile>\n\
         \t<Meta>\n\t\t<Generator>keycellar</Generator>\n\t</Meta>\n\t<Root>\n\t\t<Group>\n\
         \t\t\t<Name>keycellar</Name>\n",
    );
    for entry in entries {
        out.push_str("\t\t\t<Entry>\n");
        string(&mut out, "Title", entry.label(), false);
        string(&mut out, "UserName", entry.api_key(), false);
        string(&mut out, "Password", entry.secret().expose(), true);
        string(&mut out, "exchange", entry.exchange().id(), false);
        if let Some(passphrase) = entry.api_passphrase() {
            string(&mut out, "API passphrase", passphrase.expose(), true);
        }
        if let Some(account) = entry.account_ref() {
            string(&mut out, "account", account, false);
        }
        let mut notes = format!("keycellar fingerprint {}", entry.fingerprint());
        if let Some(more) = entry.notes() {
            notes.push_str("\n\n");
            notes.push_str(more);
        }
        string(&mut out, "Notes", &notes, false);
        out.push_str("\t\t\t</Entry>\n");
    }
    out.push_str("\t\t</Group>\n\t</Root>\n</KeePassFile>\n");
    Secret::new(out)
}

/// The bytes of an entry's values, before escaping.
fn value_bytes(entry: &Entry) -> usize {
    let passphrase = entry.api_passphrase().map_or(0, Secret::len);
    let account = entry.account_ref().map_or(0, str::len);
    let notes = entry.notes().map_or(0, str::len);
    entry.label().len()
        + entry.api_key().len()
        + entry.secret().len()
        + passphrase
        + account
        + notes
}

fn string(out: &mut String, key: &str, value: &str, protect: bool) {
    let protect = if protect {
        " ProtectInMemory=\"True\""
    } else {
        ""
    };
    out.push_str("\t\t\t\t<String>\n\t\t\t\t\t<Key>");
    escape(out, key);
    out.push_str(&format!("</Key>\n\t\t\t\t\t<Value{protect}>"));
    escape(out, value);
    out.push_str("</Value>\n\t\t\t\t</String>\n");
}

/// XML text: the five special characters as entities, a carriage return and other control
/// characters as character references (a reader would otherwise change or drop them).
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
}

/// The text of `entry` as one `pass` entry; refused when a value would not stay on its line.
pub fn pass_entry(entry: &Entry) -> Result<Secret> {
    let secret = entry.secret().expose();
    let first = match secret.contains("-----BEGIN") {
        true => secret.replace('\n', "\\n"),
        false => secret.to_string(),
    };
    let mut lines = vec![
        ("", Secret::new(first)),
        ("login", Secret::new(entry.api_key().to_string())),
        ("exchange", Secret::new(entry.exchange().id().to_string())),
    ];
    if let Some(passphrase) = entry.api_passphrase() {
        lines.push(("passphrase", passphrase.clone()));
    }
    if let Some(account) = entry.account_ref() {
        lines.push(("uid", Secret::new(account.to_string())));
    }
    lines.push(("label", Secret::new(entry.label().to_string())));
    lines.push(("fingerprint", Secret::new(entry.fingerprint().to_string())));
    // Never moved as it grows: the room it needs, from the start.
    let room: usize = lines.iter().map(|(n, v)| n.len() + v.len() + 3).sum();
    let mut out = String::with_capacity(room);
    for (name, value) in &lines {
        let value = value.expose();
        if value.contains(['\n', '\r']) || value.trim() != value {
            let field = if name.is_empty() { "secret" } else { name };
            return Err(Error::Backup(BackupError::NotOneLine {
                label: entry.label().to_string(),
                field,
            }));
        }
        if !name.is_empty() {
            out.push_str(name);
            out.push_str(": ");
        }
        out.push_str(value);
        out.push('\n');
    }
    Ok(Secret::new(out))
}

/// The file the password store at `store` keeps the entry `name` in (`NAME.gpg`). A name
/// that would leave the store is refused, as pass refuses it, and so is one with an empty
/// part (a leading, doubled or trailing `/`), which pass would turn into another file than
/// `NAME.gpg` (`ex//` is `ex/.gpg` to it); so is an entry that is there already, unless
/// `replace`: pass replaces one without asking when its input is no terminal.
pub fn pass_entry_file(store: &Path, name: &str, replace: bool) -> Result<PathBuf> {
    let odd = |part: &str| part.is_empty() || part == ".." || part == ".";
    let name = name.to_string();
    if name.split('/').any(odd) {
        return Err(Error::Backup(BackupError::PassNameOutsideStore { name }));
    }
    let file = store.join(format!("{name}.gpg"));
    match file.exists() && !replace {
        true => Err(Error::Backup(BackupError::PassEntryExists { name, file })),
        false => Ok(file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    /// Where the KeePass XML may go: a named pipe of the user's or a pipe as standard
    /// output, and nowhere else.
    #[test]
    fn plaintext_goes_only_into_a_pipe() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe");
        let private = rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR;
        rustix::fs::mkfifoat(rustix::fs::CWD, &pipe, private).unwrap();
        let file = dir.path().join("keys.xml");
        std::fs::write(&file, b"").unwrap();
        let missing = dir.path().join("missing.xml");
        let (read_end, write_end) = rustix::pipe::pipe().unwrap();
        let (socket, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let opened = std::fs::File::open(&file).unwrap();
        let null = std::fs::File::open("/dev/null").unwrap();
        let refused = |sink| match check_plaintext_sink(sink) {
            Err(InputError::PlaintextDestination { destination, .. }) => Some(destination),
            Ok(()) => None,
            Err(other) => panic!("{other}"),
        };
        assert_eq!(refused(PlaintextSink::Path(&pipe)), None);
        assert_eq!(refused(PlaintextSink::Stream(write_end.as_fd())), None);
        drop(read_end);
        for (sink, said) in [
            (PlaintextSink::Path(&file), "keys.xml is not a pipe"),
            (PlaintextSink::Path(&missing), "missing.xml is not a pipe"),
            (PlaintextSink::Path(dir.path()), "is not a pipe"),
            (
                PlaintextSink::Stream(opened.as_fd()),
                "is a file, not a pipe",
            ),
            (
                PlaintextSink::Stream(null.as_fd()),
                "a terminal or a device, not a pipe",
            ),
            (
                PlaintextSink::Stream(socket.as_fd()),
                "a socket (a log, a connection), not a pipe",
            ),
        ] {
            let destination = refused(sink).expect("refused");
            assert!(destination.ends_with(said), "{destination}");
        }
    }

    /// A pipe others may open (the usual umask's 0644, or another user's) is refused,
    /// whether named by a path, opened, or standard output (root, which CI runs as, makes
    /// one another user's).
    #[test]
    fn a_pipe_others_can_open_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut pipes = vec![(dir.path().join("readable.xml"), 0o644, None)];
        if rustix::process::geteuid().is_root() {
            let nobody = rustix::process::Uid::from_raw(65534);
            pipes.push((dir.path().join("theirs.xml"), 0o600, Some(nobody)));
        }
        for (pipe, mode, owner) in pipes {
            rustix::fs::mkfifoat(rustix::fs::CWD, &pipe, Mode::from_raw_mode(mode)).unwrap();
            rustix::fs::chmod(&pipe, Mode::from_raw_mode(mode)).unwrap();
            if let Some(owner) = owner {
                rustix::fs::chown(&pipe, Some(owner), None).unwrap();
            }
            // Read and write, so that opening it waits for no one.
            let stream = rustix::fs::open(&pipe, OFlags::RDWR, Mode::empty()).unwrap();
            for sink in [
                PlaintextSink::Path(&pipe),
                PlaintextSink::Stream(stream.as_fd()),
            ] {
                match check_plaintext_sink(sink) {
                    Err(InputError::PlaintextDestination { destination, .. }) => {
                        assert!(
                            destination.ends_with("a pipe others can open"),
                            "{destination}"
                        )
                    }
                    other => panic!("{pipe:?}: {other:?}"),
                }
            }
            let opened = open_pipe(&pipe);
            let refused = matches!(
                opened,
                Err(Error::Input(InputError::PlaintextDestination { .. }))
            );
            assert!(refused, "{pipe:?}");
        }
    }

    /// A path checked as a pipe is opened as one, or not at all: a file or a link put there
    /// since is refused and left as it was, and nothing is created where nothing is.
    #[test]
    fn a_pipe_replaced_since_the_check_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.xml");
        let refused = |path: &Path| match open_pipe(path) {
            Err(Error::Input(InputError::PlaintextDestination { .. })) => {}
            other => panic!("{:?}", other.map(|_| ())),
        };
        refused(&path);
        assert!(!path.exists(), "nothing is created");
        std::fs::write(&path, b"kept").unwrap();
        refused(&path);
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
        let link = dir.path().join("link.xml");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        refused(&link);
        // A link to a pipe (`/dev/stdout`, `>(...)`) is followed to it; a reader is there
        // first, so the open does not wait.
        let pipe = dir.path().join("pipe");
        let private = rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR;
        rustix::fs::mkfifoat(rustix::fs::CWD, &pipe, private).unwrap();
        let reading = OFlags::RDONLY | OFlags::NONBLOCK;
        let _reader = rustix::fs::open(&pipe, reading, Mode::empty()).unwrap();
        let to_pipe = dir.path().join("to-pipe");
        std::os::unix::fs::symlink(&pipe, &to_pipe).unwrap();
        let mut opened = open_pipe(&to_pipe).unwrap();
        std::io::Write::write_all(&mut opened, b"<xml/>").unwrap();
    }
}

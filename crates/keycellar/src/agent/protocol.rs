//! The agent's lines (docs/AGENT.md section 5): one JSON object per line each way, each with
//! `"v": 1`, a request at most [`MAX_REQUEST_LINE`] bytes and an answer at most [`MAX_LINE`];
//! a longer line closes the connection. An object with a key twice is not a request (JSON
//! parsers disagree on which one counts).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::{BufRead, Read, Write};

/// The protocol version.
pub const VERSION: u64 = 1;

/// The longest answer line read, newline included: the largest export document.
pub const MAX_LINE: usize = 64 << 20;

/// The longest request line the agent reads, newline included: requests name a vault and an
/// operation (a label, a few fields), so a client cannot make the agent hold much memory.
pub const MAX_REQUEST_LINE: usize = 64 << 10;

/// A request, tagged by `op`. The variants without fields are written `{}` so that serde
/// refuses unknown fields in them too.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Whether the agent is unlocked, for which vault, and when it locks. Uses no key.
    Status {},
    /// Wipe the key; the agent stays to answer `status`.
    Lock {},
    /// Wipe the key and end.
    Stop {},
    /// Run one operation on the vault the agent serves. `vault` (the resolved file) and
    /// `vault_id` say which vault the client means; another is answered `wrong_vault`.
    Run {
        vault: std::path::PathBuf,
        vault_id: String,
        operation: Value,
    },
    /// Moves the agent's clock forward (for keycellar's own tests: an expiry end to end
    /// without waiting). Compiled only with the `internals` feature.
    #[cfg(feature = "internals")]
    Advance { ms: u64 },
}

/// A failure as the agent answers it: the command line's kind and exit code for the same
/// failure, so that a command answered by the agent fails as it would have in-process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub kind: String,
    pub exit_code: i32,
    pub message: String,
    pub hint: String,
}

impl Refusal {
    /// The message, fit for a terminal: what an agent (any process of the user could be
    /// listening there) says is printed with its invisible characters escaped, line by line.
    pub fn message_shown(&self) -> String {
        terminal_safe(&self.message)
    }

    /// The hint, escaped as [`Refusal::message_shown`].
    pub fn hint_shown(&self) -> String {
        terminal_safe(&self.hint)
    }
}

/// `text` with every invisible character but the line breaks escaped.
fn terminal_safe(text: &str) -> String {
    let lines: Vec<_> = text.split('\n').map(crate::untrusted::escaped).collect();
    lines.join("\n")
}

/// The agent-only kinds.
pub mod kind {
    /// The agent is locked: the client asks the passphrase itself.
    pub const LOCKED: &str = "agent_locked";
    /// The peer runs as another user.
    pub const PEER_REFUSED: &str = "peer_refused";
    /// The agent serves another vault: the client asks the passphrase itself.
    pub const WRONG_VAULT: &str = "wrong_vault";
    /// The line is not a request of this protocol.
    pub const BAD_REQUEST: &str = "bad_request";
}

impl Refusal {
    /// A refusal of the agent's own (exit code 1).
    pub fn agent(kind: &str, message: impl Into<String>, hint: &str) -> Refusal {
        Refusal {
            kind: kind.into(),
            exit_code: 1,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Reads a request line: `Ok(None)` at the end of the connection, an error for a line that
/// is not a request (the caller answers `bad_request`).
pub fn parse_request(line: &[u8]) -> Result<Request, String> {
    serde_json::from_slice::<NoDuplicateKeys>(line).map_err(|e| e.to_string())?;
    let mut value: Value = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    let object = value.as_object_mut().ok_or("a request is a JSON object")?;
    match object.remove("v") {
        Some(Value::Number(n)) if n.as_u64() == Some(VERSION) => {}
        _ => return Err(format!("\"v\" must be {VERSION}")),
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A JSON document in which no object has a key twice (`Value` would keep the last one).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom("an object has a key twice"));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(NoDuplicateKeys)
    }
}

/// The line of a request.
pub fn request_line(request: &Request) -> Vec<u8> {
    let mut value = serde_json::to_value(request).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert("v".into(), json!(VERSION));
    }
    line_of(&value)
}

/// The line of a successful answer holding `fields` (an object).
pub fn ok_line(fields: Value) -> Vec<u8> {
    let mut value = json!({"v": VERSION, "ok": true});
    if let (Some(answer), Value::Object(fields)) = (value.as_object_mut(), fields) {
        answer.extend(fields);
    }
    line_of(&value)
}

/// The line of a failed answer.
pub fn refusal_line(refusal: &Refusal) -> Vec<u8> {
    line_of(&json!({"v": VERSION, "ok": false, "error": refusal}))
}

/// Reads an answer line's meaning: its fields when `ok`, else the refusal.
pub fn parse_answer(line: &[u8]) -> Result<Result<Value, Refusal>, String> {
    let value: Value = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    if value["v"] != json!(VERSION) {
        return Err(format!("the answer is not version {VERSION}"));
    }
    match value["ok"] {
        Value::Bool(true) => Ok(Ok(value)),
        Value::Bool(false) => serde_json::from_value(value["error"].clone())
            .map(Err)
            .map_err(|e| e.to_string()),
        _ => Err("the answer has no \"ok\"".into()),
    }
}

fn line_of(value: &Value) -> Vec<u8> {
    let mut line = serde_json::to_vec(value).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Reads one line (without its newline), at most `max` bytes ([`MAX_LINE`] for answers,
/// [`MAX_REQUEST_LINE`] for requests): `Ok(None)` at the end of the stream, an error of kind
/// `InvalidData` for a longer line or one cut short.
pub fn read_line(reader: &mut impl BufRead, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let read = reader
        .by_ref()
        .take(max as u64)
        .read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        let what = match line.len() + 1 >= max {
            true => "a line is longer than the protocol allows",
            false => "the line ended without a newline",
        };
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, what));
    }
    Ok(Some(line))
}

/// Writes one whole line.
pub fn write_line(writer: &mut impl Write, line: &[u8]) -> std::io::Result<()> {
    writer.write_all(line)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn requests_round_trip_and_need_version_1() {
        let line = request_line(&Request::Status {});
        assert_eq!(line, b"{\"op\":\"status\",\"v\":1}\n");
        assert!(matches!(
            parse_request(&line[..line.len() - 1]),
            Ok(Request::Status {})
        ));
        for bad in [
            &b"{\"op\":\"status\"}"[..],
            b"{\"v\":2,\"op\":\"status\"}",
            b"{\"v\":1,\"op\":\"status\",\"extra\":1}",
            b"{\"v\":1,\"op\":\"unlock\"}",
            b"{\"v\":1,\"op\":\"status\",\"op\":\"stop\"}",
            b"{\"v\":1,\"v\":1,\"op\":\"status\"}",
            b"{\"v\":1,\"op\":\"run\",\"vault\":\"/v\",\"vault_id\":\"00\",\
              \"operation\":{\"request\":\"list\",\"request\":\"show\"}}",
            b"[1]",
            b"not json",
        ] {
            assert!(
                parse_request(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn answers_carry_fields_or_a_refusal() {
        let ok = ok_line(json!({"state": "unlocked"}));
        let fields = parse_answer(&ok).unwrap().unwrap();
        assert_eq!(fields["state"], "unlocked");
        let refusal = Refusal::agent(kind::LOCKED, "locked", "unlock it");
        let line = refusal_line(&refusal);
        assert_eq!(parse_answer(&line).unwrap(), Err(refusal));
        assert!(parse_answer(b"{\"v\":1}").is_err());
    }

    #[test]
    fn lines_longer_than_the_cap_are_refused_and_the_cap_itself_passes() {
        for max in [MAX_LINE, MAX_REQUEST_LINE] {
            let mut fits = vec![b'x'; max - 1];
            fits.push(b'\n');
            let mut reader = BufReader::new(&fits[..]);
            assert_eq!(read_line(&mut reader, max).unwrap().unwrap().len(), max - 1);
            assert!(read_line(&mut reader, max).unwrap().is_none());
            let long = vec![b'x'; max + 10];
            let refused = read_line(&mut BufReader::new(&long[..]), max).unwrap_err();
            assert_eq!(refused.kind(), std::io::ErrorKind::InvalidData);
        }
        assert!(read_line(&mut BufReader::new(&b"cut"[..]), MAX_LINE).is_err());
        let mut two = BufReader::new(&b"a\nb\n"[..]);
        assert_eq!(read_line(&mut two, MAX_LINE).unwrap().unwrap(), b"a");
        assert_eq!(read_line(&mut two, MAX_LINE).unwrap().unwrap(), b"b");
    }
}

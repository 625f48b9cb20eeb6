//! The lines of the protocol, version 1 (docs/SIGNING.md section 2): what a request may hold,
//! what an answer holds, and the error kinds. Parsing is strict: unknown fields, wrong types
//! and paths that could mean two things are refused before anything else looks at them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The protocol version this keycellar speaks.
pub const VERSION: u64 = 1;

/// The longest request line read, newline included; a longer one closes the connection.
pub const MAX_LINE: usize = 65_536;

/// Why a request got no signature. The strings are the protocol's `kind`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    UnsupportedVersion,
    UnknownOp,
    UnknownLabel,
    LabelRequired,
    Refused,
    Forbidden,
    NonceStore,
    Journal,
    Busy,
    ShuttingDown,
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad-request",
            ErrorKind::UnsupportedVersion => "unsupported-version",
            ErrorKind::UnknownOp => "unknown-op",
            ErrorKind::UnknownLabel => "unknown-label",
            ErrorKind::LabelRequired => "label-required",
            ErrorKind::Refused => "refused",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NonceStore => "nonce-store",
            ErrorKind::Journal => "journal",
            ErrorKind::Busy => "busy",
            ErrorKind::ShuttingDown => "shutting-down",
            ErrorKind::Internal => "internal",
        }
    }
}

/// Which policy rule refused a request (the `rule` of a `refused` error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Withdraw,
    Endpoint,
    Pair,
    Volume,
    Timestamp,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Withdraw => "withdraw",
            Rule::Endpoint => "endpoint",
            Rule::Pair => "pair",
            Rule::Volume => "volume",
            Rule::Timestamp => "timestamp",
        }
    }
}

/// A request that got no signature: its kind, a message for people (facts only, never a
/// secret), and the rule for a refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
    pub rule: Option<Rule>,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            rule: None,
        }
    }

    pub fn refused(rule: Rule, message: impl Into<String>) -> Failure {
        Failure {
            kind: ErrorKind::Refused,
            message: message.into(),
            rule: Some(rule),
        }
    }

    pub fn bad(message: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::BadRequest, message)
    }
}

/// A request line's fields, as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    op: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    host: Option<String>,
}

/// A parsed request.
#[derive(Debug)]
pub enum Request {
    Keys,
    Sign(SignRequest),
}

/// A request to sign, with its fields checked for shape.
#[derive(Debug, Clone)]
pub struct SignRequest {
    pub label: Option<String>,
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
    pub host: Option<String>,
}

/// The `id` of a request line, to echo even when the rest of it is refused.
pub fn request_id(line: &Map<String, Value>) -> Option<Value> {
    line.get("id")
        .filter(|id| id.is_string() || id.is_number())
        .cloned()
}

/// The `path` a refused line asked for, if it is a JSON object with a string `path`: for
/// the journal.
pub fn requested_path(line: &[u8]) -> Option<String> {
    let object: Map<String, Value> = serde_json::from_slice(line).ok()?;
    object.get("path")?.as_str().map(str::to_string)
}

/// Parses one request line (without its newline): the echoed id and the request or why it
/// is refused.
pub fn parse(line: &[u8]) -> (Option<Value>, Result<Request, Failure>) {
    let object: Map<String, Value> = match serde_json::from_slice(line) {
        Ok(object) => object,
        Err(_) => return (None, Err(Failure::bad("the line is not a JSON object"))),
    };
    let id = request_id(&object);
    (id, parse_object(object))
}

fn parse_object(mut object: Map<String, Value>) -> Result<Request, Failure> {
    match object.get("v").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => {
            return Err(Failure::new(
                ErrorKind::UnsupportedVersion,
                format!("this keycellar speaks protocol version {VERSION}, not {other}"),
            ));
        }
        None => return Err(Failure::bad("\"v\" is missing or not a number")),
    }
    object.remove("v");
    object.remove("id");
    let wire: Wire = serde_json::from_value(Value::Object(object)).map_err(|e| {
        Failure::bad(format!(
            "the request does not fit protocol 1: {}",
            crate::untrusted::quoted(&e.to_string())
        ))
    })?;
    match wire.op.as_str() {
        "keys" => Ok(Request::Keys),
        "sign" => sign_request(wire).map(Request::Sign),
        other => Err(Failure::new(
            ErrorKind::UnknownOp,
            format!(
                "unknown op {}; ops are \"sign\" and \"keys\"",
                crate::untrusted::quoted(other)
            ),
        )),
    }
}

fn sign_request(wire: Wire) -> Result<SignRequest, Failure> {
    let method = wire
        .method
        .ok_or_else(|| Failure::bad("\"method\" is missing"))?;
    // No endpoint of the four exchanges takes PATCH; the deny lists are written without it.
    if !["GET", "POST", "PUT", "DELETE"].contains(&method.as_str()) {
        return Err(Failure::bad(
            "\"method\" is not one of GET, POST, PUT, DELETE",
        ));
    }
    let path = wire
        .path
        .ok_or_else(|| Failure::bad("\"path\" is missing"))?;
    check_path(&path)?;
    let query = wire.query.unwrap_or_default();
    if query.starts_with('?') || query.contains(['#', '\n', '\r', ' ']) {
        return Err(Failure::bad(
            "\"query\" must be the query string as sent, without \"?\" or spaces",
        ));
    }
    if let Some(host) = &wire.host
        && (host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b)))
    {
        return Err(Failure::bad("\"host\" is not a host name"));
    }
    Ok(SignRequest {
        label: wire.label,
        method,
        path,
        query,
        body: wire.body.unwrap_or_default(),
        host: wire.host,
    })
}

/// A path is plain: it starts with `/` and every segment is one or more of `A-Z a-z 0-9 _ -`,
/// which is all the four exchanges' documented paths use (ids are UUIDs, products like
/// `BTC-USD`). Anything else (`;`, `.`, `,`, `:`, escapes) could reach the exchange as another
/// endpoint than the one the policy compared: servers strip `;params` and `.json` suffixes.
fn check_path(path: &str) -> Result<(), Failure> {
    let plain_segment = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
    };
    if path
        .strip_prefix('/')
        .is_some_and(|rest| rest.split('/').all(plain_segment))
    {
        Ok(())
    } else {
        Err(Failure::bad(
            "\"path\" must start with \"/\" and hold segments of letters, digits, \"_\" and \
             \"-\" only (no query, escapes, dots or empty segments)",
        ))
    }
}

/// What a signature answer holds beyond `v`, `ok` and `id`; absent fields are left out.
#[derive(Debug, Default, Serialize)]
pub struct Signed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<u64>,
    pub headers: BTreeMap<&'static str, String>,
}

/// The public parts of one entry, for `op: "keys"`.
#[derive(Debug, Serialize)]
pub struct PublicKey<'a> {
    pub label: &'a str,
    pub exchange: &'a str,
    pub api_key: &'a str,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    v: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a Value>,
    ok: bool,
    #[serde(flatten)]
    content: T,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorFields<'a>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    kind: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
}

#[derive(Serialize)]
struct KeysBody<'a> {
    keys: &'a [PublicKey<'a>],
}

/// One answer line, newline included.
pub fn answer_line(id: Option<&Value>, result: &Result<Signed, Failure>) -> Vec<u8> {
    match result {
        Ok(signed) => line(id, true, signed),
        Err(failure) => failure_line(id, failure),
    }
}

pub fn failure_line(id: Option<&Value>, failure: &Failure) -> Vec<u8> {
    let body = ErrorBody {
        error: ErrorFields {
            kind: failure.kind.as_str(),
            message: &failure.message,
            rule: failure.rule.map(Rule::as_str),
        },
    };
    line(id, false, body)
}

pub fn keys_line(id: Option<&Value>, keys: &[PublicKey]) -> Vec<u8> {
    line(id, true, KeysBody { keys })
}

fn line<T: Serialize>(id: Option<&Value>, ok: bool, content: T) -> Vec<u8> {
    let envelope = Envelope {
        v: VERSION,
        id,
        ok,
        content,
    };
    let mut bytes = serde_json::to_vec(&envelope).expect("answers serialise");
    bytes.push(b'\n');
    bytes
}

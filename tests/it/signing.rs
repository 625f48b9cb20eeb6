//! The signing service (docs/SIGNING.md) through its socket, against vectors no one here wrote:
//! Kraken's and Binance's documented examples, a Coinbase CDP JWT and a Binance Ed25519
//! signature verified by Python's `cryptography`, and ccxt's own kraken class signing through
//! the adapter. Plus: eight clients get unique, increasing nonces; a denied endpoint is
//! refused and leaves no signature in the journal; the policy's pairs and volumes.

use crate::common::{holds_any, process_memory};
use keycellar::credential::entry::NewEntry;
use keycellar::credential::exchange::Exchange;
use keycellar::secret::Secret;
use keycellar::sign::journal;
use keycellar::sign::{Clock, FixedClock, Policy, SignServer, SignServerConfig, SigningKey};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

pub(crate) const KRAKEN_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
pub(crate) const KRAKEN_KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
pub(crate) const KRAKEN_NONCE: u64 = 1616492376594;

pub(crate) fn key(label: &str, exchange: Exchange, api_key: &str, secret: &str) -> SigningKey {
    key_with_passphrase(label, exchange, api_key, secret, None)
}

pub(crate) fn key_with_passphrase(
    label: &str,
    exchange: Exchange,
    api_key: &str,
    secret: &str,
    passphrase: Option<&str>,
) -> SigningKey {
    let entry = NewEntry {
        label: label.into(),
        exchange,
        api_key: api_key.into(),
        secret: Secret::new(secret.into()),
        api_passphrase: passphrase.map(|p| Secret::new(p.into())),
        otp_seed: None,
        key_version: None,
        account_ref: None,
        permissions: vec![],
        ip_allowlist: vec![],
        expires: None,
        created: None,
        notes: None,
        used_by: vec![],
    }
    .into_entry();
    SigningKey::from_entry(&entry).unwrap()
}

pub(crate) fn kraken(label: &str) -> SigningKey {
    key(label, Exchange::Kraken, KRAKEN_KEY, KRAKEN_SECRET)
}

/// A running service with its files in a temporary directory.
pub(crate) struct Run {
    // Dropped first: the server stops before its directory goes.
    pub(crate) server: SignServer,
    pub(crate) dir: tempfile::TempDir,
}

impl Run {
    pub(crate) fn start(keys: Vec<SigningKey>, policy: Policy, clock: Arc<dyn Clock>) -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("run")).unwrap();
        Run::start_in(dir, keys, policy, clock)
    }

    /// A service using the journal and nonce stores of `dir`.
    pub(crate) fn start_in(
        dir: tempfile::TempDir,
        keys: Vec<SigningKey>,
        policy: Policy,
        clock: Arc<dyn Clock>,
    ) -> Run {
        let nonces = dir.path().join("nonces");
        Run::start_with_nonces(dir, nonces, keys, policy, clock)
    }

    /// Another service (as another `exec` would start) issuing its nonces from `beside`'s
    /// nonce stores, with a journal and socket of its own.
    fn start_beside(beside: &Run, keys: Vec<SigningKey>, clock: Arc<dyn Clock>) -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("run")).unwrap();
        let nonces = beside.dir.path().join("nonces");
        Run::start_with_nonces(dir, nonces, keys, Policy::default_deny(), clock)
    }

    fn start_with_nonces(
        dir: tempfile::TempDir,
        nonces: std::path::PathBuf,
        keys: Vec<SigningKey>,
        policy: Policy,
        clock: Arc<dyn Clock>,
    ) -> Run {
        let mut config = SignServerConfig::new(
            keys,
            dir.path().join("journal"),
            nonces,
            dir.path().join("run"),
        );
        config.policy = policy;
        config.clock = clock;
        let server = SignServer::start(config).unwrap();
        Run { dir, server }
    }

    pub(crate) fn client(&self) -> Client {
        let stream = UnixStream::connect(self.server.socket_path()).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    pub(crate) fn journal(&self) -> Vec<journal::Record> {
        journal::read(&self.dir.path().join("journal"), None)
            .unwrap()
            .0
    }
}

pub(crate) struct Client {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Client {
    pub(crate) fn ask_line(&mut self, line: &str) -> Value {
        self.writer.write_all(line.as_bytes()).unwrap();
        self.writer.write_all(b"\n").unwrap();
        let mut answer = String::new();
        self.reader.read_line(&mut answer).unwrap();
        serde_json::from_str(&answer).unwrap()
    }

    pub(crate) fn ask(&mut self, request: Value) -> Value {
        self.ask_line(&request.to_string())
    }
}

pub(crate) fn kraken_order() -> Value {
    json!({"v": 1, "op": "sign", "method": "POST", "path": "/0/private/AddOrder",
           "body": "ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"})
}

#[test]
fn krakens_documented_example_through_the_socket() {
    let run = Run::start(
        vec![kraken("grid")],
        Policy::default_deny(),
        Arc::new(FixedClock::new(KRAKEN_NONCE)),
    );
    let mut client = run.client();
    // The minimal exchange of the issue, byte for byte.
    let answer = client.ask_line(r#"{"v": 1, "op": "sign", "label": "grid", "method": "POST", "path": "/0/private/AddOrder", "body": "ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"}"#);
    assert_eq!(answer["v"], 1);
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["nonce"], KRAKEN_NONCE.to_string());
    assert_eq!(
        answer["body"],
        "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    );
    assert_eq!(answer["headers"]["API-Key"], KRAKEN_KEY);
    assert_eq!(
        answer["headers"]["API-Sign"],
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    );
    // `label` may be left out with one key; the next nonce is the next integer.
    let again = client.ask(kraken_order());
    assert_eq!(again["nonce"], (KRAKEN_NONCE + 1).to_string());
    let records = run.journal();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].outcome, "signed");
    assert_eq!(records[0].label.as_deref(), Some("grid"));
    assert_eq!(records[0].pid, Some(std::process::id() as i32));
    assert_eq!(records[0].nonce.as_deref(), Some("1616492376594"));
    let journal_text = std::fs::read_to_string(run.dir.path().join("journal")).unwrap();
    assert!(!journal_text.contains("API-Sign") && !journal_text.contains("kQH5HW"));
}

#[test]
fn binances_documented_hmac_examples_through_the_socket() {
    let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    let api_key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    let run = Run::start(
        vec![key("b", Exchange::Binance, api_key, secret)],
        Policy::default_deny(),
        Arc::new(FixedClock::new(1499827319559)),
    );
    let mut client = run.client();
    // binance/binance-spot-api-docs rest-api.md, "SIGNED Endpoint Examples for POST
    // /api/v3/order", example 1 (request body).
    let body = json!({"v": 1, "op": "sign", "method": "POST", "path": "/api/v3/order",
        "body": "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"});
    let answer = client.ask(body);
    assert_eq!(
        answer["signature"],
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
    assert_eq!(answer["headers"]["X-MBX-APIKEY"], api_key);
    // Example 3 mixes the query and the body; keycellar refuses that shape (the signature
    // covers them joined with nothing between, so the split would be the bot's to choose).
    // Its bytes are checked in the library's unit test.
    let mixed = json!({"v": 1, "op": "sign", "method": "POST", "path": "/api/v3/order",
        "query": "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
        "body": "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"});
    assert_eq!(client.ask(mixed)["error"]["kind"], "bad-request");
    // A timestamp far from keycellar's clock would be a signature to stockpile.
    let stale = json!({"v": 1, "op": "sign", "method": "GET", "path": "/api/v3/account",
        "query": "timestamp=1499827000000"});
    let refused = client.ask(stale);
    assert_eq!(refused["error"]["kind"], "refused");
    assert_eq!(refused["error"]["rule"], "timestamp");
}

/// A key file made by openssl, the way a user makes one.
pub(crate) fn openssl_key(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, String) {
    let path = dir.join(name);
    let status = Command::new("openssl")
        .args(args)
        .arg("-out")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let pem = std::fs::read_to_string(&path).unwrap();
    (path, pem)
}

/// Runs clients/python/tests/verify_signatures.py with `input` on stdin.
fn python_verifies(args: &[&str], input: &str) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/python/tests/verify_signatures.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python's cryptography refused it: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn coinbase_jwts_and_ed25519_signatures_verify_with_pythons_cryptography() {
    let keys = tempfile::tempdir().unwrap();
    let (sec1_path, sec1) = openssl_key(
        keys.path(),
        "ec.pem",
        &["ecparam", "-name", "prime256v1", "-genkey", "-noout"],
    );
    assert!(sec1.contains("BEGIN EC PRIVATE KEY"));
    let (pkcs8_path, pkcs8) = openssl_key(
        keys.path(),
        "ec8.pem",
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            sec1_path.to_str().unwrap(),
        ],
    );
    let (ed_path, ed) = openssl_key(keys.path(), "ed.pem", &["genpkey", "-algorithm", "ed25519"]);
    let name = "organizations/0b1c/apiKeys/9f8e";
    // The PKCS#8 key as CDP's JSON file stores it: one line, literal \n.
    let one_line = pkcs8.replace('\n', "\\n");
    let run = Run::start(
        vec![
            key("cb", Exchange::Coinbase, name, &sec1),
            key("cb8", Exchange::Coinbase, name, &one_line),
            key("ed", Exchange::Binance, "edkey", &ed),
        ],
        Policy::default_deny(),
        Arc::new(keycellar::sign::SystemClock),
    );
    let mut client = run.client();
    for (label, pem) in [("cb", &sec1_path), ("cb8", &pkcs8_path)] {
        let answer = client.ask(
            json!({"v": 1, "op": "sign", "label": label, "method": "POST",
            "path": "/api/v3/brokerage/orders", "body": "{}"}),
        );
        let jwt = answer["jwt"].as_str().unwrap();
        assert_eq!(answer["headers"]["Authorization"], format!("Bearer {jwt}"));
        let args = [
            "jwt",
            pem.to_str().unwrap(),
            name,
            "POST",
            "api.coinbase.com",
            "/api/v3/brokerage/orders",
        ];
        python_verifies(&args, jwt);
    }
    let now = keycellar::sign::SystemClock.now_ms();
    let payload = format!("symbol=BTCUSDT&timestamp={now}");
    let answer = client.ask(json!({"v": 1, "op": "sign", "label": "ed", "method": "GET",
        "path": "/api/v3/account", "query": payload}));
    python_verifies(
        &["ed25519", ed_path.to_str().unwrap(), &payload],
        answer["signature"].as_str().unwrap(),
    );
}

#[test]
fn eight_clients_of_two_services_get_unique_strictly_increasing_nonces() {
    let clock = Arc::new(FixedClock::new(KRAKEN_NONCE));
    let keys = || vec![kraken("grid"), kraken("same-key-other-label")];
    let run = Run::start(keys(), Policy::default_deny(), clock.clone());
    // Two bots of one key, each under its own `exec --profile sign`: two services.
    let other = Run::start_beside(&run, keys(), clock);
    let clients: Vec<_> = (0..8)
        .map(|n| {
            let mut client = [&run, &other][n / 4].client();
            std::thread::spawn(move || {
                let label = if n % 2 == 0 {
                    "grid"
                } else {
                    "same-key-other-label"
                };
                let mut request = kraken_order();
                request["label"] = label.into();
                (0..1250)
                    .map(|_| {
                        client.ask(request.clone())["nonce"]
                            .as_str()
                            .unwrap()
                            .parse::<u64>()
                            .unwrap()
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for client in clients {
        let nonces = client.join().unwrap();
        assert!(
            nonces.windows(2).all(|w| w[0] < w[1]),
            "a client saw a nonce go back"
        );
        all.extend(nonces);
    }
    all.sort_unstable();
    // Two labels of one key in two services take turns: 10,000 distinct nonces, none skipped.
    let expected: Vec<u64> = (KRAKEN_NONCE..KRAKEN_NONCE + 10_000).collect();
    assert_eq!(all, expected);
}

#[test]
fn a_denied_endpoint_is_refused_and_nothing_is_signed() {
    let run = Run::start(
        vec![kraken("grid")],
        Policy::default_deny(),
        Arc::new(FixedClock::new(KRAKEN_NONCE)),
    );
    let mut client = run.client();
    for path in [
        "/0/private/Withdraw",
        "/0/private/withdraw",
        "/0/private/WalletTransfer",
    ] {
        let answer = client.ask(json!({"v": 1, "op": "sign", "method": "POST", "path": path,
            "body": "asset=XBT&key=mine&amount=1"}));
        assert_eq!(answer["ok"], false, "{path}");
        assert_eq!(answer["error"]["kind"], "refused");
        assert_eq!(answer["error"]["rule"], "withdraw");
        assert!(answer.get("headers").is_none() && answer.get("nonce").is_none());
    }
    let records = run.journal();
    assert_eq!(records.len(), 3);
    assert!(
        records
            .iter()
            .all(|r| r.outcome == "refused" && r.nonce.is_none())
    );
    // No nonce was spent on a refusal.
    assert_eq!(
        client.ask(kraken_order())["nonce"],
        KRAKEN_NONCE.to_string()
    );
    // --allow-withdraw lifts it for that entry.
    drop(run);
    let mut policy = Policy::default_deny();
    policy.allow_withdraw("grid");
    let run = Run::start(
        vec![kraken("grid")],
        policy,
        Arc::new(FixedClock::new(KRAKEN_NONCE)),
    );
    let answer = run
        .client()
        .ask(json!({"v": 1, "op": "sign", "method": "POST",
        "path": "/0/private/Withdraw", "body": "asset=XBT"}));
    assert_eq!(answer["ok"], true);
}

#[test]
fn the_policy_limits_endpoints_pairs_and_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let policy = Policy::from_json(
        r#"{"keycellar_sign_policy": 1, "entries": {"grid": {
            "endpoints": ["/0/private/AddOrder", "/0/private/AddOrderBatch", "/0/private/Balance"],
            "pairs": ["XBTUSD"], "max_volume": "1.25"}}}"#,
        &dir.path().join("policy.json"),
    )
    .unwrap();
    let run = Run::start(
        vec![kraken("grid")],
        policy,
        Arc::new(FixedClock::new(KRAKEN_NONCE)),
    );
    let mut client = run.client();
    let ask = |client: &mut Client, path: &str, body: &str| {
        client.ask(json!({"v": 1, "op": "sign", "method": "POST", "path": path, "body": body}))
    };
    let order = "ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=";
    assert_eq!(
        ask(&mut client, "/0/private/AddOrder", &format!("{order}1.25"))["ok"],
        true
    );
    assert_eq!(ask(&mut client, "/0/private/Balance", "")["ok"], true);
    let refusals = [
        ("/0/private/CancelAll", String::new(), "endpoint"),
        ("/0/private/AddOrder", format!("{order}1.2500001"), "volume"),
        ("/0/private/AddOrder", format!("{order}1%2E3"), "volume"),
        (
            "/0/private/AddOrder",
            "ordertype=market&pair=XBTUSD&type=buy".into(),
            "volume",
        ),
        (
            "/0/private/AddOrder",
            "ordertype=market&pair=ETHUSD&type=buy&volume=1".into(),
            "pair",
        ),
        (
            "/0/private/AddOrder",
            "ordertype=market&type=buy&volume=1".into(),
            "pair",
        ),
        (
            "/0/private/AddOrderBatch",
            r#"{"pair":"XBTUSD","orders":[{"volume":"1"},{"volume":"2"}]}"#.into(),
            "volume",
        ),
    ];
    for (path, body, rule) in &refusals {
        let answer = ask(&mut client, path, body);
        assert_eq!(answer["error"]["rule"], *rule, "{path} {body}: {answer}");
    }
    let records = run.journal();
    assert_eq!(records.iter().filter(|r| r.outcome == "signed").count(), 2);
    assert_eq!(
        records.iter().filter(|r| r.outcome == "refused").count(),
        refusals.len()
    );
    // A JSON batch within the limits is signed with the nonce first.
    let batch = ask(
        &mut client,
        "/0/private/AddOrderBatch",
        r#"{"pair":"XBTUSD","orders":[{"volume":"1"},{"volume":"0.5"}]}"#,
    );
    assert!(
        batch["body"].as_str().unwrap().starts_with(r#"{"nonce":""#),
        "{batch}"
    );
}

#[test]
fn malformed_requests_get_named_errors_and_the_connection_survives() {
    let run = Run::start(
        vec![kraken("a"), kraken("b")],
        Policy::default_deny(),
        Arc::new(FixedClock::new(KRAKEN_NONCE)),
    );
    let mut client = run.client();
    let cases = [
        ("not json", "bad-request"),
        (r#"{"v": 2, "op": "sign"}"#, "unsupported-version"),
        (r#"{"v": 1, "op": "sign", "colour": 1}"#, "bad-request"),
        (r#"{"v": 1, "op": "dance"}"#, "unknown-op"),
        (
            r#"{"v": 1, "op": "sign", "method": "POST", "path": "/0/private/Balance"}"#,
            "label-required",
        ),
        (
            r#"{"v": 1, "op": "sign", "label": "c", "method": "POST", "path": "/0/private/Balance"}"#,
            "unknown-label",
        ),
        (
            r#"{"v": 1, "op": "sign", "label": "a", "method": "POST", "path": "/0/private/../private/Withdraw"}"#,
            "bad-request",
        ),
        (
            r#"{"v": 1, "op": "sign", "label": "a", "method": "POST", "path": "/0/private/Withdraw%2F"}"#,
            "bad-request",
        ),
        (
            r#"{"v": 1, "op": "sign", "label": "a", "method": "POST", "path": "/0/private/Balance", "body": "nonce=1"}"#,
            "bad-request",
        ),
        (
            r#"{"v": 1, "op": "sign", "label": "a", "method": "POST", "path": "/0/public/Time"}"#,
            "bad-request",
        ),
    ];
    for (line, kind) in cases {
        let answer = client.ask_line(line);
        assert_eq!(answer["ok"], false, "{line}");
        assert_eq!(answer["error"]["kind"], kind, "{line}: {answer}");
    }
    let keys = client.ask_line(r#"{"v": 1, "op": "keys", "id": 7}"#);
    assert_eq!(keys["id"], 7);
    assert_eq!(keys["keys"][1]["api_key"], KRAKEN_KEY);
    assert!(!keys.to_string().contains("kQH5HW"));
    // An over-long line is refused and the connection closed; the service goes on.
    let mut long = run.client();
    // The service may close before the whole line is written: the write can fail.
    let _ = long.writer.write_all("x".repeat(70_000).as_bytes());
    let mut answer = String::new();
    long.reader.read_line(&mut answer).unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["error"]["kind"], "bad-request");
    let mut rest = String::new();
    assert_eq!(long.reader.read_line(&mut rest).unwrap(), 0);
    assert_eq!(run.client().ask(json!({"v": 1, "op": "keys"}))["ok"], true);
}

#[test]
fn stopping_removes_the_socket_and_its_directory() {
    let run = Run::start(
        vec![kraken("grid")],
        Policy::default_deny(),
        Arc::new(FixedClock::new(1)),
    );
    let socket = run.server.socket_path().to_path_buf();
    let dir = socket.parent().unwrap().to_path_buf();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let mut connected = run.client();
    assert_eq!(connected.ask(kraken_order())["ok"], true);
    let Run { server, dir: files } = run;
    server.stop();
    assert!(!socket.exists() && !dir.exists());
    // The client that was connected sees the connection end.
    let mut rest = String::new();
    assert_eq!(connected.reader.read_line(&mut rest).unwrap_or(0), 0);
    // A service of the key started later goes on from the last nonce issued (in this boot;
    // after a reboot, from above the reservation: the unit tests of `sign::nonce`).
    let clock = Arc::new(FixedClock::new(1));
    let again = Run::start_in(files, vec![kraken("grid")], Policy::default_deny(), clock);
    assert_eq!(again.client().ask(kraken_order())["nonce"], "2");
}

#[test]
fn ccxts_own_kraken_class_signs_through_the_adapter() {
    let run = Run::start(
        vec![kraken("grid")],
        Policy::default_deny(),
        Arc::new(keycellar::sign::SystemClock),
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/python/tests/ccxt_kraken_check.py");
    let output = Command::new("python3")
        .arg(script)
        .env("KEYCELLAR_SIGN_SOCK", run.server.socket_path())
        .output()
        .unwrap();
    assert!(
        output.status.success() && output.stdout == b"ok\n",
        "ccxt check failed (is ccxt installed? .ci/run installs it): {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let records = run.journal();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].path.as_deref(), Some("/0/private/AddOrder"));
}

#[test]
fn after_1000_signatures_the_bots_memory_and_environment_hold_no_secret() {
    use base64::Engine;
    let run = Run::start(
        vec![kraken("grid")],
        Policy::default_deny(),
        Arc::new(keycellar::sign::SystemClock),
    );
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/python");
    let bot = "import sys\nfrom keycellar_sign import Signer\ns = Signer()\n\
        for _ in range(1000): s.sign('POST', '/0/private/AddOrder', 'pair=XBTUSD&volume=1')\n\
        print('done', flush=True)\nsys.stdin.read()\n";
    let mut child = Command::new("python3")
        .args(["-c", bot])
        .env("PYTHONPATH", &clients)
        .env("KEYCELLAR_SIGN_SOCK", run.server.socket_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut done = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut done)
        .unwrap();
    assert_eq!(done, "done\n");
    let memory = process_memory(child.id());
    let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    // The scan sees what the bot did get: the public key from the answers' headers.
    let public: &[u8] = &KRAKEN_KEY.as_bytes()[..16];
    assert!(
        holds_any(&memory, &[public]),
        "the bot's memory was not read"
    );
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(KRAKEN_SECRET)
        .unwrap();
    // Any 16-byte piece of the secret or of its decoded key.
    let pieces: Vec<&[u8]> = [KRAKEN_SECRET.as_bytes(), &decoded[..]]
        .into_iter()
        .flat_map(|s| s.chunks_exact(16))
        .collect();
    assert!(
        !holds_any(&memory, &pieces),
        "a piece of the secret is in the bot's memory"
    );
    assert!(!holds_any(&environ, &pieces));
    assert_eq!(run.journal().len(), 1000);
}

#[test]
fn a_client_of_another_user_is_refused() {
    if !rustix::process::geteuid().is_root() {
        return; // needs root to act as another user (CI runs as root)
    }
    use std::os::unix::fs::PermissionsExt;
    let run = Run::start(
        vec![kraken("grid")],
        Policy::default_deny(),
        Arc::new(FixedClock::new(1)),
    );
    let socket = run.server.socket_path();
    // Open the way so that only the peer check stands between nobody and the socket.
    // Debian's own python3: a per-user one (pyenv) is not reachable as nobody.
    for (path, mode) in [
        (run.dir.path().to_path_buf(), 0o755),
        (run.dir.path().join("run"), 0o755),
        (socket.parent().unwrap().to_path_buf(), 0o755),
        (socket.to_path_buf(), 0o777),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    // The service answers a foreign peer at once and closes, so the probe only reads.
    let probe = "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n\
        print(s.makefile().readline(), end='')\n";
    let output = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            probe,
        ])
        .arg(socket)
        .output()
        .unwrap();
    let answer: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(answer["error"]["kind"], "forbidden");
    assert_eq!(run.client().ask(json!({"v": 1, "op": "keys"}))["ok"], true);
}

#[test]
fn ccxts_binance_okx_and_coinbase_classes_sign_through_the_adapter() {
    let keys = tempfile::tempdir().unwrap();
    let args = ["ecparam", "-name", "prime256v1", "-genkey", "-noout"];
    let (pem_path, pem) = openssl_key(keys.path(), "ec.pem", &args);
    let binance_secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    let okx_secret = "22582BD0CFF14C41EDBF1AB98506286D";
    let run = Run::start(
        vec![
            key("b", Exchange::Binance, "binance-public-key", binance_secret),
            key_with_passphrase(
                "o",
                Exchange::Okx,
                "okx-key",
                okx_secret,
                Some("Pass-phrase1"),
            ),
            key("c", Exchange::Coinbase, "organizations/o/apiKeys/k", &pem),
        ],
        Policy::default_deny(),
        Arc::new(keycellar::sign::SystemClock),
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/python/tests/ccxt_others_check.py");
    let output = Command::new("python3")
        .arg(script)
        .env("KEYCELLAR_SIGN_SOCK", run.server.socket_path())
        .env("CB_PEM", &pem_path)
        .output()
        .unwrap();
    assert!(
        output.status.success() && output.stdout == b"ok\n",
        "ccxt check failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let signed = run
        .journal()
        .iter()
        .filter(|r| r.outcome == "signed")
        .count();
    assert_eq!(signed, 3);
}

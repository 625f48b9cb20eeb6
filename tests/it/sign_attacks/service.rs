//! The attacker's findings 5 to 12 against the service around the signatures: process
//! hygiene, paths and endpoints, connections, the journal and the nonce store.

use super::super::signing::{KRAKEN_NONCE, Run, kraken};
use super::{NOW_MS, binance, coinbase, limits, nothing_signed, okx, sign};
use keycellar::sign::{FixedClock, Policy};
use serde_json::json;
use std::sync::Arc;

/// Finding 5: while the process serving signatures is dumpable, any program of the user can
/// read the decoded keys through /proc/PID/mem. Starting the service makes it non-dumpable
/// (the test process is the one serving here), after which the kernel opens its memory to no
/// other process of the user (only to one with CAP_SYS_PTRACE).
#[test]
fn the_serving_process_is_not_dumpable() {
    let run = Run::start(
        vec![kraken("kraken")],
        Policy::default_deny(),
        Arc::new(FixedClock::new(KRAKEN_NONCE)),
    );
    assert!(!keycellar::hygiene::is_dumpable());
    drop(run);
}

/// Finding 6: path segments with `;`, `.`, `,`, `:` reach the exchange as the endpoint the
/// deny list names (servers strip matrix parameters and format suffixes). Every byte
/// outside `A-Za-z0-9_-` is refused in a segment, on every exchange.
#[test]
fn paths_hold_only_plain_segments() {
    let keys = tempfile::tempdir().unwrap();
    let run = Run::start(
        vec![kraken("kraken"), okx(), binance(), coinbase(keys.path())],
        Policy::default_deny(),
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let mut client = run.client();
    let ts = format!("timestamp={NOW_MS}");
    let mut answers = Vec::new();
    let cases = [
        ("kraken", "/0/private/Withdraw"),
        ("okx", "/api/v5/asset/withdrawal"),
        ("binance", "/sapi/v1/capital/withdraw/apply"),
        ("coinbase", "/api/v3/brokerage/portfolios/move_funds"),
    ];
    for (label, path) in cases {
        let (head, last) = path.rsplit_once('/').unwrap();
        for byte in (0x20u8..0x7f).filter(|b| !b.is_ascii_alphanumeric() && !b"_-/".contains(b)) {
            let c = byte as char;
            for spelling in [
                format!("{path}{c}"),
                format!("{path}{c}x"),
                format!("{head}{c}x/{last}"),
            ] {
                let query = if label == "binance" { ts.as_str() } else { "" };
                let answer = sign(&mut client, label, "POST", &spelling, query, "");
                assert_eq!(
                    answer["error"]["kind"], "bad-request",
                    "{spelling}: {answer}"
                );
                answers.push((spelling, answer));
            }
        }
    }
    let json = "/v2/accounts/primary/transactions.json";
    answers.push((
        json.into(),
        sign(&mut client, "coinbase", "POST", json, "", ""),
    ));
    nothing_signed(&run, &answers);
    for (label, path) in [
        ("okx", "/api/v5/asset/withdrawal-lightning-x"),
        (
            "coinbase",
            "/api/v3/brokerage/orders/historical/0b2c0c3a-5d1e-4a7b-9c3e-1f2a3b4c5d6e",
        ),
        ("coinbase", "/api/v3/brokerage/products/BTC-USD"),
    ] {
        let answer = sign(&mut client, label, "GET", path, "", "");
        assert_eq!(answer["ok"], true, "{path}: {answer}");
    }
}

/// Finding 7: a policy with pairs and max_volume but no endpoints let the bot trade through
/// endpoints no pair or volume check reads (Kraken's WebSocket token, OKX conversions and
/// spread orders, Binance Convert). Such a policy now allows the trading and read-only
/// endpoints only; a token endpoint is signed when the policy lists it.
#[test]
fn limits_imply_the_trading_endpoints_only() {
    let run = Run::start(
        vec![kraken("kraken"), okx(), binance()],
        limits(&[
            ("kraken", "XBTUSD"),
            ("okx", "BTC-USDT"),
            ("binance", "BTCUSDT"),
        ]),
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let mut client = run.client();
    let ts = format!("timestamp={NOW_MS}");
    let mut answers = Vec::new();
    let refusals = [
        ("kraken", "/0/private/GetWebSocketsToken", String::new()),
        ("kraken", "/0/private/CreateSubaccount", String::new()),
        ("okx", "/api/v5/asset/convert/trade", String::new()),
        ("okx", "/api/v5/sprd/order", String::new()),
        ("okx", "/api/v5/rfq/create-rfq", String::new()),
        (
            "binance",
            "/sapi/v1/convert/acceptQuote",
            format!("quoteId=1&{ts}"),
        ),
        ("binance", "/sapi/v1/convert/getQuote", ts.clone()),
        ("binance", "/api/v3/account", format!("quoteId=1&{ts}")),
        (
            "binance",
            "/api/v3/account",
            format!("fromAsset=BTC&toAsset=ETH&fromAmount=9&{ts}"),
        ),
    ];
    for (label, path, query) in refusals {
        let answer = sign(&mut client, label, "POST", path, &query, "");
        assert_eq!(
            answer["error"]["rule"], "endpoint",
            "{label} {path} {query}: {answer}"
        );
        answers.push((format!("{path} {query}"), answer));
    }
    nothing_signed(&run, &answers);
    for (label, path, query) in [
        ("kraken", "/0/private/Balance", String::new()),
        ("okx", "/api/v5/account/balance", String::new()),
        ("binance", "/api/v3/openOrders", ts.clone()),
    ] {
        let answer = sign(&mut client, label, "GET", path, &query, "");
        assert_eq!(answer["ok"], true, "{path}: {answer}");
    }
    drop(run);
    let text = r#"{"keycellar_sign_policy": 1, "entries": {"kraken": {"pairs": ["XBTUSD"],
        "endpoints": ["/0/private/AddOrder", "/0/private/GetWebSocketsToken"]}}}"#;
    let policy = Policy::from_json(text, std::path::Path::new("p.json")).unwrap();
    let run = Run::start(
        vec![kraken("kraken")],
        policy,
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let answer = sign(
        &mut run.client(),
        "kraken",
        "POST",
        "/0/private/GetWebSocketsToken",
        "",
        "",
    );
    assert_eq!(answer["ok"], true, "{answer}");
}

/// Finding 8: fund-moving endpoints missing from the default deny lists.
#[test]
fn the_deny_list_gaps_are_closed() {
    let run = Run::start(
        vec![okx(), binance()],
        Policy::default_deny(),
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let mut client = run.client();
    let ts = format!("timestamp={NOW_MS}");
    let mut answers = Vec::new();
    for (label, path, query) in [
        (
            "binance",
            "/sapi/v1/managed-subaccount/deposit",
            ts.as_str(),
        ),
        (
            "binance",
            "/sapi/v1/managed-subaccount/withdraw",
            ts.as_str(),
        ),
        ("okx", "/api/v5/fiat/create-withdrawal", ""),
    ] {
        let answer = sign(&mut client, label, "POST", path, query, "");
        assert_eq!(answer["error"]["rule"], "withdraw", "{path}: {answer}");
        answers.push((path.to_string(), answer));
    }
    nothing_signed(&run, &answers);
}

/// A run whose connection limits are set by `adjust`.
fn run_with(adjust: impl FnOnce(&mut keycellar::sign::SignServerConfig)) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("run")).unwrap();
    let mut config = keycellar::sign::SignServerConfig::new(
        vec![kraken("kraken")],
        dir.path().join("journal"),
        dir.path().join("nonces"),
        dir.path().join("run"),
    );
    config.clock = Arc::new(FixedClock::new(KRAKEN_NONCE));
    adjust(&mut config);
    let server = keycellar::sign::SignServer::start(config).unwrap();
    Run { server, dir }
}

/// The first line the service sends on a fresh connection after `request` (empty: none).
fn first_line(stream: &std::os::unix::net::UnixStream, request: &str) -> String {
    use std::io::{BufRead, Write};
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    // A refused connection may be closed before the request is written.
    let _ = (&*stream).write_all(request.as_bytes());
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .unwrap();
    line
}

/// Finding 9: one process held every slot with idle connections. A process may hold only
/// `max_clients_per_process` connections; another process is still served.
#[test]
fn one_process_cannot_take_every_connection() {
    use std::os::unix::net::UnixStream;
    let run = run_with(|config| config.max_clients_per_process = 3);
    let socket = run.server.socket_path();
    let keys = "{\"v\":1,\"op\":\"keys\"}\n";
    let held: Vec<UnixStream> = (0..3)
        .map(|_| UnixStream::connect(socket).unwrap())
        .collect();
    for stream in &held {
        assert!(first_line(stream, keys).contains("\"ok\":true"));
    }
    let refused = first_line(&UnixStream::connect(socket).unwrap(), "");
    assert!(refused.contains("\"kind\":\"busy\""), "{refused}");
    let script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n\
                  s.sendall(b'{\"v\":1,\"op\":\"keys\"}\\n')\nprint(s.makefile().readline())";
    let other = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(socket)
        .output()
        .unwrap();
    let answer = String::from_utf8_lossy(&other.stdout);
    assert!(answer.contains("\"ok\":true"), "{answer} {other:?}");
}

/// Finding 9: a silent client, and one that never finishes its line, are closed (timeouts
/// short here; the test waits for the close, not for a time).
#[test]
fn silent_and_dribbling_clients_are_closed() {
    use std::os::unix::net::UnixStream;
    let run = run_with(|config| {
        config.idle_timeout = std::time::Duration::from_millis(20);
        config.line_timeout = std::time::Duration::from_millis(20);
    });
    let socket = run.server.socket_path();
    for partial in ["", "{\"v\":1,"] {
        let stream = UnixStream::connect(socket).unwrap();
        assert_eq!(first_line(&stream, partial), "", "{partial:?}");
    }
}

/// Finding 10: every answer is journalled, over-long lines included, with the path a refused
/// line asked for, cut to a bounded length; and messages name the refused path.
#[test]
fn every_answer_is_journalled_with_a_bounded_path() {
    use std::io::{BufRead, Write};
    let run = Run::start(
        vec![kraken("kraken")],
        Policy::default_deny(),
        Arc::new(FixedClock::new(KRAKEN_NONCE)),
    );
    let mut client = run.client();
    let long = format!("/0/private/{}", "A".repeat(20_000));
    let answer = sign(&mut client, "kraken", "POST", &long, "", "");
    assert_eq!(answer["ok"], true, "a long plain path is signed");
    let patch = client.ask(json!({"v": 1, "op": "sign", "method": "PATCH",
        "path": "/0/private/AddOrder"}));
    assert_eq!(patch["error"]["kind"], "bad-request", "{patch}");
    let refused = sign(
        &mut client,
        "kraken",
        "POST",
        "/0/private/WalletTransfer",
        "",
        "",
    );
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"/0/private/WalletTransfer\""),
        "{message}"
    );
    for spelled in [
        "nonc%65=1",
        "%6Eonce=1",
        "nonce%5B0%5D=1",
        "nonce+=1",
        "NONCE=1",
    ] {
        let answer = sign(
            &mut client,
            "kraken",
            "POST",
            "/0/private/AddOrder",
            "",
            spelled,
        );
        assert_eq!(
            answer["error"]["kind"], "bad-request",
            "{spelled}: {answer}"
        );
    }
    let mut stream = std::os::unix::net::UnixStream::connect(run.server.socket_path()).unwrap();
    stream.write_all(&vec![b' '; 70_000]).unwrap();
    let mut line = String::new();
    std::io::BufReader::new(&stream)
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("bad-request"), "{line}");
    let records = run.journal();
    assert_eq!(records.len(), 9, "{records:?}");
    assert!(
        records
            .iter()
            .all(|r| r.path.as_ref().is_none_or(|p| p.len() <= 300))
    );
    assert_eq!(
        records[1].path.as_deref(),
        Some("/0/private/AddOrder"),
        "{:?}",
        records[1]
    );
    let last = records.last().unwrap();
    assert_eq!(
        (last.kind.as_deref(), last.pid),
        (Some("bad-request"), Some(std::process::id() as i32))
    );
}

/// Starts a Kraken service on `nonce_dir`, or says why not; never waits on a FIFO for long.
fn start_on_nonces(nonce_dir: std::path::PathBuf) -> Result<(), String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let dir = tempfile::tempdir().unwrap();
        let config = keycellar::sign::SignServerConfig::new(
            vec![kraken("kraken")],
            dir.path().join("journal"),
            nonce_dir,
            dir.path().to_path_buf(),
        );
        let started = keycellar::sign::SignServer::start(config).map(|s| s.stop());
        let _ = sender.send(started.map_err(|e| e.to_string()));
    });
    // A backstop only: a start that hangs (on a FIFO) fails here instead of hanging the suite.
    receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| Err("the start hung".into()))
}

/// Finding 11: the nonce store is a regular file in a private directory of this user: a
/// FIFO is not waited on, a link is not followed (its target stays as it was), and a
/// directory others can write is refused.
#[test]
fn the_nonce_store_is_a_private_regular_file() {
    use std::os::unix::fs::PermissionsExt;
    let store = format!("nonce-{}", kraken("kraken").key_id());
    let fresh = || {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    };
    let fifo = fresh();
    let made = std::process::Command::new("mkfifo")
        .arg(fifo.path().join(&store))
        .status();
    assert!(made.unwrap().success());
    let error = start_on_nonces(fifo.path().to_path_buf()).unwrap_err();
    assert!(error.contains("not a regular file"), "{error}");
    let link = fresh();
    let target = link.path().join("target");
    std::fs::write(&target, "victim\n").unwrap();
    std::os::unix::fs::symlink(&target, link.path().join(&store)).unwrap();
    assert!(start_on_nonces(link.path().to_path_buf()).is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "victim\n");
    let open = fresh();
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o757)).unwrap();
    let error = start_on_nonces(open.path().to_path_buf()).unwrap_err();
    assert!(error.contains("0700"), "{error}");
    start_on_nonces(fresh().path().to_path_buf()).unwrap();
}

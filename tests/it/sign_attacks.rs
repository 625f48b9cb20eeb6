//! The signing service against the attacker's findings of issue 32 (the reproductions were
//! /work/attack/f_*.py): each test is one class of finding, swept over every exchange and
//! every spelling the attacker used; a refusal must leave no signature in the journal.
//! Findings 1 to 4 (what is signed) here; 5 to 12 (the service around it) in `service`.

mod service;

use super::signing::{Client, Run, key, key_with_passphrase, kraken};
use keycellar::credential::exchange::Exchange;
use keycellar::sign::{FixedClock, Policy, SigningKey};
use serde_json::{Value, json};
use std::sync::Arc;

const BINANCE_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const BINANCE_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
/// The clock of every run here; Binance requests carry it as their timestamp.
const NOW_MS: u64 = 1_700_000_000_000;

fn okx() -> SigningKey {
    key_with_passphrase(
        "okx",
        Exchange::Okx,
        "okx-key",
        "22582BD0CFF14C41EDBF1AB98506286D",
        Some("pass"),
    )
}

fn binance() -> SigningKey {
    key("binance", Exchange::Binance, BINANCE_KEY, BINANCE_SECRET)
}

/// A policy limiting every label of `labels` to `pair` and a volume of 0.5.
fn limits(labels: &[(&str, &str)]) -> Policy {
    let entries: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(label, pair)| {
            let limits = json!({"pairs": [pair], "max_volume": "0.5"});
            (label.to_string(), limits)
        })
        .collect();
    let text = json!({"keycellar_sign_policy": 1, "entries": entries}).to_string();
    Policy::from_json(&text, std::path::Path::new("policy.json")).unwrap()
}

fn sign(
    client: &mut Client,
    label: &str,
    method: &str,
    path: &str,
    query: &str,
    body: &str,
) -> Value {
    client.ask(
        json!({"v": 1, "op": "sign", "label": label, "method": method, "path": path,
        "query": query, "body": body}),
    )
}

/// No answer carries a signature and the journal holds no signed line.
fn nothing_signed(run: &Run, answers: &[(String, Value)]) {
    for (what, answer) in answers {
        assert_eq!(answer["ok"], false, "{what}: {answer}");
        assert!(answer.get("headers").is_none(), "{what}: {answer}");
    }
    let records = run.journal();
    assert!(records.iter().all(|r| r.outcome != "signed"), "{records:?}");
}

/// Findings 3 and 4: a body the policy reads one way and the exchange another. JSON that
/// does not parse (a lone surrogate, depth 129, 1e400), a repeated key, an array body for
/// Kraken, JSON carrying a form inside a string (sent as a form, Kraken reads the hidden
/// fields), a byte-order mark or spaces before a form.
#[test]
fn bodies_that_read_two_ways_are_refused_on_every_exchange() {
    let policy = limits(&[
        ("kraken", "XBTUSD"),
        ("okx", "BTC-USDT"),
        ("binance", "BTCUSDT"),
    ]);
    let run = Run::start(
        vec![kraken("kraken"), okx(), binance()],
        policy,
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let mut client = run.client();
    let ts = format!("timestamp={NOW_MS}");
    let cases = [
        ("kraken", "/0/private/AddOrder", "pair", "volume", "XBTUSD"),
        ("okx", "/api/v5/trade/order", "instId", "sz", "BTC-USDT"),
        ("binance", "/api/v3/order", "symbol", "quantity", "BTCUSDT"),
    ];
    let mut answers = Vec::new();
    for (label, path, pair, volume, allowed) in cases {
        let real = format!(r#""{pair}":"EVIL","{volume}":"1000""#);
        let decoy = format!(r#""&{pair}={allowed}&{volume}=0.1&":0"#);
        let bodies = [
            format!(r#"{{{real},{decoy},"\ud800":0}}"#),
            format!(
                r#"{{{real},{decoy},"x":{}{}}}"#,
                "[".repeat(129),
                "]".repeat(129)
            ),
            format!(r#"{{{real},{decoy},"x":1e400}}"#),
            format!(r#"{{{real},"{pair}":"{allowed}","{volume}":"0.1"}}"#),
            format!(r#"[{{"{pair}":"{allowed}","{volume}":"0.1"}}]&{pair}=EVIL&{volume}=1000"#),
            format!(
                r#"{{"{pair}":"{allowed}","{volume}":"0.1","u":"&{pair}=EVIL&{volume}=1000&"}}"#
            ),
            format!("\u{feff}{{{real}}}&{pair}={allowed}&{volume}=0.1"),
            format!(" {pair}={allowed}&{volume}=0.1"),
        ];
        for body in bodies {
            let answer = sign(&mut client, label, "POST", path, &ts, &body);
            answers.push((format!("{label} {body}"), answer));
        }
    }
    // Kraken signs a JSON array as if it were a form: refused whatever it holds.
    let array = r#"[{"pair":"XBTUSD","volume":"0.1"}]"#;
    let answer = sign(
        &mut client,
        "kraken",
        "POST",
        "/0/private/AddOrder",
        "",
        array,
    );
    answers.push((array.into(), answer));
    for (what, answer) in &answers {
        assert_eq!(answer["error"]["kind"], "bad-request", "{what}: {answer}");
    }
    nothing_signed(&run, &answers);
    // JSON with its `&` and `=` escaped reads as one field-less form, and is signed.
    let escaped = r#"{"pair":"XBTUSD","volume":"0.1","u":"\u0026pair\u003dETHUSD"}"#;
    let answer = sign(
        &mut client,
        "kraken",
        "POST",
        "/0/private/AddOrder",
        "",
        escaped,
    );
    assert_eq!(answer["ok"], true, "{answer}");
}

/// Finding 1: a Binance signature covers the parameters, not the method or the path. Every
/// fund-moving parameter is refused on any path; the query/body boundary cannot be chosen;
/// pairs and volumes are checked on every path and method.
#[test]
fn binance_parameters_are_checked_whatever_the_path() {
    let run = Run::start(
        vec![binance()],
        limits(&[("binance", "BTCUSDT")]),
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let mut client = run.client();
    let ts = format!("timestamp={NOW_MS}");
    let mut answers = Vec::new();
    let mut ask =
        |method: &str, path: &str, query: String, body: String, want: &str, rule: Option<&str>| {
            let answer = sign(&mut client, "binance", method, path, &query, &body);
            let what = format!("{method} {path} ?{query} {body}");
            assert_eq!(answer["error"]["kind"], want, "{what}: {answer}");
            if let Some(rule) = rule {
                assert_eq!(answer["error"]["rule"], rule, "{what}: {answer}");
            }
            answers.push((what, answer));
        };
    for name in [
        "address",
        "addressTag",
        "network",
        "amount",
        "walletType",
        "transactionFeeFlag",
        "withdrawOrderId",
        "fromSymbol",
        "toSymbol",
        "fromEmail",
        "toEmail",
        "fromAccountType",
        "toAccountType",
        "baseTokenAmount",
    ] {
        for (method, path) in [("GET", "/api/v3/account"), ("DELETE", "/api/v3/openOrders")] {
            let query = format!("coin=BTC&{name}=x&{ts}");
            ask(
                method,
                path,
                query,
                String::new(),
                "refused",
                Some("withdraw"),
            );
        }
    }
    // The boundary trick: `recvWindow=5000` + `symbol=ETHBTC...` read as one field here.
    let query = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.1&recvWindow=5000".to_string();
    let body = format!("symbol=ETHBTC&quoteOrderQty=100000&{ts}");
    ask("POST", "/api/v3/order", query, body, "bad-request", None);
    for (method, path) in [
        ("GET", "/api/v3/account"),
        ("DELETE", "/api/v3/openOrders"),
        ("GET", "/api/v3/myTrades"),
        ("PUT", "/api/v3/order/test"),
    ] {
        let orders = [
            ("symbol=ETHBTC&side=BUY&type=MARKET&quantity=0.1", "pair"),
            (
                "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1000",
                "volume",
            ),
            (
                "symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=100000",
                "volume",
            ),
            ("side=BUY&type=MARKET&quantity=0.1", "pair"),
            (
                "symbol=BTCUSDT&workingQuantity=9&pendingQuantity=0.1",
                "volume",
            ),
        ];
        for (order, rule) in orders {
            let query = format!("{order}&{ts}");
            ask(method, path, query, String::new(), "refused", Some(rule));
        }
    }
    nothing_signed(&run, &answers);
    // Within the limits, on any path: signed.
    let answer = sign(&mut client, "binance", "GET", "/api/v3/account", &ts, "");
    assert_eq!(answer["ok"], true, "{answer}");
}

/// Finding 1: a Binance key recorded with withdrawal or transfer permissions is not served
/// unless withdrawals are allowed for it.
#[test]
fn a_binance_key_that_may_withdraw_is_not_served() {
    use keycellar::credential::entry::NewEntry;
    use keycellar::secret::Secret;
    for permission in ["enableWithdrawals", "permitsUniversalTransfer", "Withdraw"] {
        let entry = NewEntry {
            label: "binance".into(),
            exchange: Exchange::Binance,
            api_key: BINANCE_KEY.into(),
            secret: Secret::new(BINANCE_SECRET.into()),
            api_passphrase: None,
            otp_seed: None,
            key_version: None,
            account_ref: None,
            permissions: vec!["enableReading".into(), permission.into()],
            ip_allowlist: vec![],
            expires: None,
            created: None,
            notes: None,
            used_by: vec![],
        }
        .into_entry();
        let start = |policy: Policy| {
            let dir = tempfile::tempdir().unwrap();
            let key = SigningKey::from_entry(&entry).unwrap();
            let mut config = keycellar::sign::SignServerConfig::new(
                vec![key],
                dir.path().join("journal"),
                dir.path().join("nonces"),
                dir.path().to_path_buf(),
            );
            config.policy = policy;
            keycellar::sign::SignServer::start(config).map(|server| server.stop())
        };
        let refused = start(Policy::default_deny()).unwrap_err().to_string();
        assert!(refused.contains("permissions include"), "{refused}");
        let mut policy = Policy::default_deny();
        policy.allow_withdraw("binance");
        start(policy).unwrap();
    }
}

fn coinbase(dir: &std::path::Path) -> SigningKey {
    let args = ["ecparam", "-name", "prime256v1", "-genkey", "-noout"];
    let (_, pem) = super::signing::openssl_key(dir, "ec.pem", &args);
    key(
        "coinbase",
        Exchange::Coinbase,
        "organizations/o/apiKeys/k",
        &pem,
    )
}

/// Finding 2: a Coinbase JWT binds method, host and path, not the body or query. A policy
/// limiting pairs or volumes for a Coinbase entry cannot be held, so the service refuses to
/// start with one; and JWTs are signed for api.coinbase.com only.
#[test]
fn coinbase_limits_keycellar_cannot_hold_are_refused() {
    let keys = tempfile::tempdir().unwrap();
    for policy in [
        r#"{"pairs": ["BTC-USD"]}"#,
        r#"{"max_volume": "0.5"}"#,
        r#"{"endpoints": ["/api/v3/brokerage/orders"], "pairs": ["BTC-USD"], "max_volume": "1"}"#,
    ] {
        let text =
            format!(r#"{{"keycellar_sign_policy": 1, "entries": {{"coinbase": {policy}}}}}"#);
        let policy = Policy::from_json(&text, std::path::Path::new("p.json")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut config = keycellar::sign::SignServerConfig::new(
            vec![coinbase(keys.path())],
            dir.path().join("journal"),
            dir.path().join("nonces"),
            dir.path().to_path_buf(),
        );
        config.policy = policy;
        let refused = keycellar::sign::SignServer::start(config)
            .err()
            .unwrap()
            .to_string();
        assert!(refused.contains("cannot hold for Coinbase"), "{refused}");
        assert!(!dir.path().join("journal").exists());
    }
    let run = Run::start(
        vec![coinbase(keys.path())],
        Policy::default_deny(),
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let mut client = run.client();
    let mut answers = Vec::new();
    for host in [
        "api.cdp.coinbase.com",
        "evil.example",
        "api.coinbase.com:443",
        "API.COINBASE.COM",
    ] {
        let answer = client.ask(json!({"v": 1, "op": "sign", "method": "POST", "host": host,
            "path": "/platform/v2/evm/accounts/0xabc/send/transaction"}));
        assert_eq!(answer["error"]["rule"], "endpoint", "{host}: {answer}");
        answers.push((host.to_string(), answer));
    }
    nothing_signed(&run, &answers);
    let answer = client.ask(json!({"v": 1, "op": "sign", "method": "GET",
        "host": "api.coinbase.com", "path": "/api/v3/brokerage/accounts"}));
    assert_eq!(answer["ok"], true, "{answer}");
}

/// A volume in the quote asset is not bounded by `max_volume` (a base volume): Kraken's
/// `viqc` order flag and OKX's `tgtCcy=quote_ccy` would let a bot buy 1,000 USD of an asset
/// worth cents under a cap of 0.5, so they are refused, in every spelling and place.
#[test]
fn orders_sized_in_the_quote_asset_are_refused_while_max_volume_is_set() {
    let policy = limits(&[("kraken", "XBTUSD"), ("okx", "BTC-USDT")]);
    let run = Run::start(
        vec![kraken("kraken"), okx()],
        policy,
        Arc::new(FixedClock::new(NOW_MS)),
    );
    let mut client = run.client();
    let order = "ordertype=market&pair=XBTUSD&type=buy&volume=0.5";
    let okx_order = r#""instId":"BTC-USDT","side":"buy","ordType":"market","sz":"0.5""#;
    let refused = [
        (
            "kraken",
            "/0/private/AddOrder",
            format!("{order}&oflags=viqc"),
        ),
        (
            "kraken",
            "/0/private/AddOrder",
            format!("{order}&oflags=post,VIQC"),
        ),
        (
            "kraken",
            "/0/private/AddOrder",
            format!("{order}&oflags=post%2C%20viqc"),
        ),
        (
            "kraken",
            "/0/private/AddOrderBatch",
            r#"{"pair":"XBTUSD","orders":[{"volume":"0.5","oflags":"viqc"}]}"#.into(),
        ),
        (
            "okx",
            "/api/v5/trade/order",
            format!(r#"{{{okx_order},"tgtCcy":"quote_ccy"}}"#),
        ),
        (
            "okx",
            "/api/v5/trade/order",
            format!(r#"{{{okx_order},"tgtCcy":"QUOTE_CCY"}}"#),
        ),
        (
            "okx",
            "/api/v5/trade/order",
            format!(r#"{{{okx_order},"tgtCcy":""}}"#),
        ),
        (
            "okx",
            "/api/v5/trade/batch-orders",
            format!(r#"[{{{okx_order}}},{{{okx_order},"tgtCcy":"quote_ccy"}}]"#),
        ),
    ];
    let mut answers = Vec::new();
    for (label, path, body) in refused {
        let answer = sign(&mut client, label, "POST", path, "", &body);
        assert_eq!(answer["error"]["kind"], "refused", "{body}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("quote asset"),
            "{answer}"
        );
        answers.push((body, answer));
    }
    nothing_signed(&run, &answers);
    // Base-sized orders, with other flags, are signed.
    let allowed = [
        (
            "kraken",
            "/0/private/AddOrder",
            format!("{order}&oflags=post,fciq"),
        ),
        (
            "okx",
            "/api/v5/trade/order",
            format!(r#"{{{okx_order},"tgtCcy":"base_ccy"}}"#),
        ),
    ];
    for (label, path, body) in allowed {
        let answer = sign(&mut client, label, "POST", path, "", &body);
        assert_eq!(answer["ok"], true, "{body}: {answer}");
    }
}

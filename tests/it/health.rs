//! Key health (issue 35): `audit` and `status` say when an exchange's own rule turns a key
//! off or deletes it, counted from the last use `exec` recorded, else from the key's
//! creation date. The rules' days are checked row by row in `credential::expiry::tests`
//! with an injected clock; here the real commands on the real clock.

use crate::common::*;
use keycellar::clock::Date;

/// An OKX trading key with no IP bound created `age` days ago, and a Kraken key created
/// 70 days ago: both with no recorded use.
fn vault_of_old_keys(age: i64) -> TestVault {
    let tv = TestVault::new();
    let created = |days: i64| Date::today().plus_days(-days).to_string();
    let entries = format!(
        r#"[{{"label":"okx-bot","exchange":"okx","api_key":"okx-key","secret":"okx-secret","api_passphrase":"pass","permissions":["trade"],"created":"{}"}},
            {{"label":"kraken-bot","exchange":"kraken","api_key":"{KRAKEN_KEY}","secret":"{KRAKEN_SECRET}","permissions":["query-funds"],"ip_allowlist":["203.0.113.7"],"created":"{}"}}]"#,
        created(age),
        created(70)
    );
    tv.cmd()
        .args(["add", "--from-json", "-"])
        .write_stdin(entries)
        .assert()
        .success();
    tv
}

/// `audit --json`: the findings as (rule, label, message), and the exit code.
fn audit(tv: &TestVault) -> (Vec<(String, String, String)>, Option<i32>) {
    let out = tv.cmd().args(["--json", "audit"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap().iter();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let findings = findings
        .map(|f| (text(&f["rule"]), text(&f["label"]), text(&f["message"])))
        .collect();
    (findings, out.status.code())
}

fn finding<'a>(found: &'a [(String, String, String)], rule: &str) -> Option<&'a str> {
    found
        .iter()
        .find(|(r, _, _)| r == rule)
        .map(|(_, _, message)| message.as_str())
}

#[test]
fn a_deleted_okx_key_is_high_until_a_run_is_recorded_and_kraken_dormancy_is_quoted() {
    let tv = vault_of_old_keys(20);
    let (found, code) = audit(&tv);
    let today = Date::today();
    let deleted = finding(&found, "exchange-expiry").expect("no exchange-expiry finding");
    let on = today.plus_days(-6).to_string();
    assert!(
        deleted.contains("OKX deletes it 14 days after its creation"),
        "{deleted}"
    );
    assert!(
        deleted.contains(&format!("on {on} (6 days ago)")),
        "{deleted}"
    );
    let dormant = finding(&found, "dormant").expect("no dormant finding");
    assert!(
        dormant.contains("no use in 70 days") && dormant.contains("several months of dormancy")
    );
    assert_eq!(code, Some(8), "a high finding makes audit exit 8");

    // A run through keycellar counts as a use: the OKX key now has 14 days left.
    tv.cmd()
        .args(["exec", "okx-bot", "--", "true"])
        .assert()
        .success();
    let (found, _) = audit(&tv);
    assert!(finding(&found, "exchange-expiry").is_none(), "{found:?}");
    let soon = finding(&found, "exchange-expiry-soon").expect("no exchange-expiry-soon");
    let on = today.plus_days(14).to_string();
    assert!(
        soon.contains(&format!(
            "after its last use through keycellar ({today}), on {on}, in 14 days"
        )),
        "{soon}"
    );

    let status: serde_json::Value =
        serde_json::from_str(&tv.stdout(&["--json", "status"])).unwrap();
    let health = status["key_health"].as_array().unwrap();
    let okx = health.iter().find(|h| h["label"] == "okx-bot").unwrap();
    assert_eq!(okx["on"], on.as_str());
    assert_eq!(okx["counted_from"], "last-use");
    let kraken = health.iter().find(|h| h["label"] == "kraken-bot").unwrap();
    assert_eq!(
        (&kraken["stated"], &kraken["counted_from"]),
        (&false.into(), &"created".into())
    );
}

#[test]
fn a_key_with_an_ip_bound_or_far_from_its_day_has_no_finding() {
    let tv = vault_of_old_keys(1);
    let (found, _) = audit(&tv);
    assert!(finding(&found, "exchange-expiry").is_none(), "{found:?}");
    let soon = finding(&found, "exchange-expiry-soon").expect("13 days left is within 30");
    assert!(soon.contains("in 13 days"), "{soon}");
    tv.cmd()
        .args(["edit", "okx-bot", "--add-ip", "203.0.113.7"])
        .assert()
        .success();
    let (found, _) = audit(&tv);
    assert!(
        finding(&found, "exchange-expiry-soon").is_none(),
        "{found:?}"
    );
}

/// `list` shows active keys with a USED BY column and a count of the others; filters
/// narrow it; `--json` without a filter still lists every entry.
#[test]
fn list_shows_active_keys_with_their_bots_and_filters_narrow_it() {
    let tv = vault_of_old_keys(1);
    tv.cmd()
        .args(["edit", "okx-bot", "--add-used-by", "gridbot"])
        .assert()
        .success();
    tv.cmd()
        .args(["edit", "kraken-bot", "--status", "revoked"])
        .assert()
        .success();
    let text = tv.stdout(&["list"]);
    assert!(
        text.contains("USED BY") && text.contains("gridbot"),
        "{text}"
    );
    assert!(!text.contains("kraken-bot"), "{text}");
    assert!(text.contains("1 entry not shown"), "{text}");
    assert!(tv.stdout(&["list", "--all"]).contains("kraken-bot"));
    let labels = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--json", "list"];
        all.extend(args);
        let listed: serde_json::Value = serde_json::from_str(&tv.stdout(&all)).unwrap();
        let entries = listed["entries"].as_array().unwrap().iter();
        entries
            .map(|e| e["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        labels(&[]),
        ["okx-bot", "kraken-bot"],
        "--json lists every entry"
    );
    assert_eq!(labels(&["--used-by", "GridBot"]), ["okx-bot"]);
    assert_eq!(labels(&["--exchange", "kraken"]), Vec::<String>::new());
    assert_eq!(labels(&["--exchange", "kraken", "--all"]), ["kraken-bot"]);
    assert_eq!(labels(&["--status", "revoked"]), ["kraken-bot"]);
    assert_eq!(labels(&["--permission", "trade"]), ["okx-bot"]);
}

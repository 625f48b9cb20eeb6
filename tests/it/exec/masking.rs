//! Masking covers the forms a secret takes when a bot logs it through the usual encoders
//! (issue 31, case 5): a Python child prints each form, computed by Python's own `json`,
//! `repr`, `urllib` and `base64` (and Gson's `\u003d` for `=`, and the HTML character
//! references of `/ + =`), cut across writes, on stdout and on stderr, and no form,
//! nor any 12 characters of a secret, reaches keycellar's output.

use super::exec;
use crate::common::*;

/// A Coinbase CDP key (a throwaway made for this test).
const CDP_PEM: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIAH5BFBxBkEOHKp2BLx7G7BRz2b7pYMTK0toDkU1jvvAoAoGCCqGSM49
AwEHoUQDQgAEV27UxZit50GgUJoO4/dPR7K4HmdKHPWy4bXGmnjNaPt1tf4X+Fke
D+6KBjwfGJIKBbKVXkUhi5xyVxcmpw4x9A==
-----END EC PRIVATE KEY-----";
const CDP_KEY: &str = "organizations/0a1b2c3d/apiKeys/8c1f5b2e-3d4a-4b6c-9e7f-0a1b2c3d4e5f";

const BOT: &str = r#"
import base64, json, os, re, sys, urllib.parse
def forms(key, secret):
    out = [secret, json.dumps(secret), json.dumps(secret).replace('/', '\\/'), repr(secret),
           json.dumps(secret).replace('=', '\\u003d'), json.dumps(secret).replace('=', '\\u003D'),
           urllib.parse.quote(secret, safe=''),
           re.sub('%[0-9A-F]{2}', lambda m: m.group(0).lower(), urllib.parse.quote(secret, safe='')),
           urllib.parse.quote_plus(secret),
           urllib.parse.quote(secret),
           re.sub('%[0-9A-F]{2}', lambda m: m.group(0).lower(), urllib.parse.quote(secret)),
           'Authorization: Basic ' + base64.b64encode((key + ':' + secret).encode()).decode()]
    for slash in ('/', '&#47;', '&#x2f;', '&#x2F;'):
        for plus, equals in (('+', '='), ('&#43;', '&#61;'), ('&#x2b;', '&#x3d;'), ('&#x2B;', '&#x3D;')):
            if (slash, plus) != ('/', '+'):
                out.append(secret.replace('/', slash).replace('+', plus).replace('=', equals))
    out += [line for line in secret.splitlines() if len(line) >= 16]
    out += [json.dumps(line).replace('/', '\\/') for line in secret.splitlines() if len(line) >= 16]
    return out
for stream in (sys.stdout, sys.stderr):
    for exchange in ('KRAKEN', 'COINBASE'):
        key, secret = os.environ[exchange + '_API_KEY'], os.environ[exchange + '_API_SECRET']
        for form in forms(key, secret):
            half = len(form) // 2
            stream.write('[' + form[:half]); stream.flush()
            stream.write(form[half:] + ']\n'); stream.flush()
"#;

#[test]
fn every_encoded_form_of_a_secret_is_masked_on_both_streams() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let pem = tv.file("cdp.pem", &format!("{CDP_PEM}\n"));
    tv.cmd()
        .args(["add", "c", "--exchange", "coinbase", "--key", CDP_KEY])
        .arg("--secret-file")
        .arg(&pem)
        .assert()
        .success();
    let bot = tv.file("bot.py", BOT);
    let out = exec(&tv, &["k", "c", "--", "python3"])
        .arg(&bot)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(stream);
        let lines: Vec<&str> = text.lines().collect();
        // Twelve forms of each secret and fifteen HTML ones, and two of each of its lines
        // (Kraken's one, the PEM's five).
        assert_eq!(lines.len(), 27 + 2 + 27 + 5 * 2, "{name}: {text}");
        for line in &lines {
            assert!(line.contains("****"), "{name}: {line}");
        }
        let pem_body: String = CDP_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        for secret in [KRAKEN_SECRET, pem_body.as_str()] {
            for window in secret.as_bytes().windows(12) {
                let window = std::str::from_utf8(window).unwrap();
                assert!(!text.contains(window), "{name}: {window} in {text}");
            }
        }
    }
}

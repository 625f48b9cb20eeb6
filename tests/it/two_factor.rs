//! Kraken's API-key 2FA (issue 35): a key with an authenticator keeps its seed as a secret
//! (hidden unless revealed, fingerprinted, in exports), `keycellar otp` prints the codes of
//! RFC 6238's published vectors at a fixed clock, the signing service puts the code inside
//! the signature, and `audit` names a bot that would send none. One vault for the CLI parts.

use crate::common::*;
use crate::signing::{KRAKEN_KEY as DOC_KEY, KRAKEN_SECRET as DOC_SECRET, Run, kraken_order};
use keycellar::credential::entry::NewEntry;
use keycellar::credential::exchange::Exchange;
use keycellar::secret::Secret;
use keycellar::sign::{FixedClock, Policy, SigningKey};
use std::process::Command;
use std::sync::Arc;

/// RFC 6238 Appendix B's SHA-1 seed, the ASCII "12345678901234567890", as base32.
const RFC_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// `keycellar otp LABEL` at a fixed clock: the code and the document.
fn otp_at(tv: &TestVault, label: &str, unix_seconds: u64) -> serde_json::Value {
    json_of(
        tv.cmd()
            .env("KEYCELLAR_TEST_CLOCK_MS", (unix_seconds * 1000).to_string())
            .args(["--json", "otp", label]),
    )
}

#[test]
fn the_seed_is_kept_as_a_secret_and_otp_prints_the_rfc_6238_codes() {
    let tv = TestVault::new();
    let uri = format!("otpauth://totp/Kraken:grid?secret={RFC_SEED}&issuer=Kraken\n");
    let otp = tv.file("otp-uri", &uri);
    let secret = tv.file("secret", KRAKEN_SECRET);
    tv.cmd()
        .args(["add", "grid", "--exchange", "kraken", "--key", KRAKEN_KEY])
        .arg("--secret-file")
        .arg(&secret)
        .arg("--otp-file")
        .arg(&otp)
        .args(["--used-by", "gridbot"])
        .assert()
        .success();
    // RFC 6238's SHA-1 rows, their last six digits (the published codes have eight).
    for (time, code) in [
        (59, "287082"),
        (1111111109, "081804"),
        (2000000000, "279037"),
    ] {
        let answer = otp_at(&tv, "grid", time);
        assert_eq!(answer["code"], code, "at {time}");
        assert_eq!(answer["valid_for_seconds"], 30 - time % 30);
    }
    let text = tv
        .cmd()
        .env("KEYCELLAR_TEST_CLOCK_MS", "1234567890000")
        .args(["otp", "grid"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&text.get_output().stdout),
        "005924\n"
    );

    // Hidden unless revealed; fingerprinted: a different seed is a different fingerprint.
    let shown = tv.stdout(&["show", "grid"]);
    assert!(
        shown.contains("authenticator") && !shown.contains(RFC_SEED),
        "{shown}"
    );
    assert!(!tv.stdout(&["list", "--all"]).contains(RFC_SEED));
    let entry = tv.json(&["show", "grid"]);
    assert_eq!(entry["two_factor"], "authenticator");
    assert!(entry.get("otp_seed").is_none());
    assert_eq!(tv.json(&["show", "grid", "--reveal"])["otp_seed"], RFC_SEED);
    let without = keycellar::credential::fingerprint::compute(
        Exchange::Kraken,
        KRAKEN_KEY,
        KRAKEN_SECRET,
        None,
    )
    .unwrap();
    assert_ne!(entry["fingerprint"], without.to_string());
    tv.cmd().args(["verify", "grid"]).assert().success();

    // In an export: it holds the seed, and the key comes back with it.
    let dir = tv.dir.path();
    let (identity, recipient) = age_identity(dir, "id.txt");
    // `export` and `print` to the same recipient, into `out`.
    let to_recipient = |command: &str, out: &std::path::Path| {
        tv.cmd()
            .args([command, "-o"])
            .arg(out)
            .args(["-r", &recipient])
            .assert()
            .success();
    };
    let export = dir.join("keys.age");
    to_recipient("export", &export);
    let plain = run(tool("age").arg("-d").arg("-i").arg(&identity).arg(&export));
    assert!(String::from_utf8_lossy(&plain).contains(&format!("\"otp_seed\": \"{RFC_SEED}\"")));
    tv.cmd()
        .args(["remove", "grid", "--yes"])
        .assert()
        .success();
    tv.cmd()
        .arg("import")
        .arg(&export)
        .arg("-i")
        .arg(&identity)
        .assert()
        .success();
    assert_eq!(otp_at(&tv, "grid", 59)["code"], "287082");
    assert_eq!(
        tv.json(&["show", "grid"])["fingerprint"],
        entry["fingerprint"]
    );

    // On paper: the sheet's typed copy gives the key back with its seed (the fingerprint,
    // which covers the seed, is recomputed from the entry's item alone).
    let sheet = dir.join("sheet.pdf");
    to_recipient("print", &sheet);
    let typed = tv.file("typed.txt", &crate::common::paper::pdf_text(&sheet, &[]));
    tv.cmd()
        .args(["verify", "--paper", "--text"])
        .arg(&typed)
        .arg("-i")
        .arg(&identity)
        .assert()
        .success();

    // `audit`: a bot uses the key and keycellar never ran one with the signing service.
    let audit = tv.cmd().args(["--json", "audit"]).output().unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let found = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "authenticator-not-sent" && f["label"] == "grid");
    let message = found.expect("an authenticator-not-sent finding")["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("EAPI:Invalid signature") && message.contains("360000714526"));
    assert!(message.contains("\"gridbot\""), "{message}");
}

#[test]
fn a_key_without_an_authenticator_has_no_code_and_other_exchanges_take_no_seed() {
    let tv = TestVault::new();
    tv.add_kraken("plain").success();
    tv.cmd()
        .args(["otp", "plain"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("has no authenticator seed"));
    let seed = tv.file("seed", RFC_SEED);
    let secret = tv.file("okx-secret", "0123456789ABCDEF0123456789ABCDEF");
    let passphrase = tv.file("okx-pass", "okx passphrase");
    tv.cmd()
        .args(["add", "okx", "--exchange", "okx"])
        .args([
            "--key",
            "5f6b2a52-7c39-4d8e-9b8a-1c2d3e4f5a6b",
            "--secret-file",
        ])
        .arg(&secret)
        .arg("--api-passphrase-file")
        .arg(&passphrase)
        .arg("--otp-file")
        .arg(&seed)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "okx keys take no authenticator seed",
        ));
    // A Kraken key has one 2FA: a password or an authenticator.
    let kraken_secret = tv.file("kraken-secret", KRAKEN_SECRET);
    tv.cmd()
        .args(["add", "both", "--exchange", "kraken", "--key", KRAKEN_KEY])
        .arg("--secret-file")
        .arg(&kraken_secret)
        .arg("--api-passphrase-file")
        .arg(&passphrase)
        .arg("--otp-file")
        .arg(&seed)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not both"));
}

/// The code goes inside what `API-Sign` covers, right after the nonce; the signature is
/// checked with Python's own hmac over the body the bot is told to send.
#[test]
fn the_signing_service_sends_the_authenticator_code_inside_the_signature() {
    let mut entry = NewEntry::credential(
        "grid".into(),
        Exchange::Kraken,
        DOC_KEY.into(),
        Secret::new(DOC_SECRET.into()),
    );
    entry.otp_seed = Some(Secret::new(RFC_SEED.into()));
    let key = SigningKey::from_entry(&entry.into_entry()).unwrap();
    // RFC 6238's time 1111111109: the code is 081804; the nonce is the clock's milliseconds.
    let run = Run::start(
        vec![key],
        Policy::default_deny(),
        Arc::new(FixedClock::new(1_111_111_109_000)),
    );
    let mut client = run.client();
    let answer = client.ask(kraken_order());
    let body = answer["body"].as_str().unwrap();
    assert_eq!(
        body,
        "nonce=1111111109000&otp=081804&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    );
    let script = "import base64,hashlib,hmac,sys\n\
        secret, nonce, body = sys.argv[1:4]\n\
        inner = hashlib.sha256((nonce + body).encode()).digest()\n\
        mac = hmac.new(base64.b64decode(secret), b'/0/private/AddOrder' + inner, hashlib.sha512)\n\
        print(base64.b64encode(mac.digest()).decode())";
    let out = Command::new("python3")
        .args(["-c", script, DOC_SECRET, "1111111109000", body])
        .output()
        .unwrap();
    let expected = String::from_utf8(out.stdout).unwrap();
    assert_eq!(answer["headers"]["API-Sign"], expected.trim());
    // The bot may not bring a code of its own for such a key.
    let mut own = kraken_order();
    own["body"] = "otp=123456&pair=XBTUSD".into();
    assert_eq!(client.ask(own)["error"]["kind"], "bad-request");
}

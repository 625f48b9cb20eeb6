//! No secret leaves by a side door. Known secrets are seeded (two API secrets, an API
//! passphrase, the vault passphrase, a backup passphrase, an age identity); then every
//! command runs on its success path and on over sixty failure paths, plain and `--json`.
//! No seeded secret, nor any 12-character piece of one, may appear on stdout or stderr, in
//! a file keycellar writes (the vault and its generations included), or in keycellar's own
//! argv and environment. Only what is meant to hold secrets may: `show --reveal`, exports,
//! sheets, the identity file, and `exec`'s child. `moving`: keys moved in from bots' files
//! and password managers leave no file holding them in the working directory or `$TMPDIR`.

mod every_field;
mod moving;

use crate::common::*;
use std::fs;
use std::path::{Path, PathBuf};

const OKX_SECRET: &str = "9F3A6C1D8E2B4F7A0C5D9E1B3A6F8C2D";
const OKX_PASSPHRASE: &str = "okx-api-pass-Wq7Zr4Nd";
const VAULT_PASSPHRASE: &str = "vault-pass-Zq8Xw2Lp9Rm4";
const BACKUP_PASSPHRASE: &str = "backup-pass-Tn5Vb7Kc3Hj1";
/// A Kraken key's authenticator seed (base32).
const OTP_SEED: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";

/// A vault holding the seeded secrets, and the files the commands read.
struct Seeded {
    tv: TestVault,
    identity: PathBuf,
    recipient: String,
    secrets: Vec<String>,
    /// Files keycellar wrote that are meant to hold secrets.
    allowed: Vec<PathBuf>,
}

fn pieces(secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    chars.windows(12).map(|w| w.iter().collect()).collect()
}

impl Seeded {
    fn new() -> Seeded {
        let tv = TestVault::empty();
        fs::write(&tv.pass_file, format!("{VAULT_PASSPHRASE}\n")).unwrap();
        tv.cmd().arg("init").args(FAST_KDF).assert().success();
        tv.add_kraken("kraken-bot").success();
        let secret = tv.file("okx-secret", OKX_SECRET);
        let pass = tv.file("okx-pass", OKX_PASSPHRASE);
        tv.cmd()
            .args(["add", "okx-tax", "--exchange", "okx"])
            .args(["--key", "0f3c2b1a-1111-4222-8333-944455556666"])
            .arg("--secret-file")
            .arg(secret)
            .arg("--api-passphrase-file")
            .arg(pass)
            .assert()
            .success();
        let seed = tv.file("otp-seed", OTP_SEED);
        let secret = tv.file("kraken-2fa-secret", &KRAKEN_SECRET.replace('F', "H"));
        let key = KRAKEN_KEY.replace('C', "H");
        tv.cmd()
            .args(["add", "kraken-2fa", "--exchange", "kraken", "--key", &key])
            .arg("--secret-file")
            .arg(secret)
            .arg("--otp-file")
            .arg(seed)
            .assert()
            .success();
        tv.file("backup-pass", &format!("{BACKUP_PASSPHRASE}\n"));
        let identity = tv.dir.path().join("identity.txt");
        let out = tv
            .cmd()
            .args(["keygen", "-o"])
            .arg(&identity)
            .assert()
            .success();
        let recipient = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let identity_text = fs::read_to_string(&identity).unwrap();
        let age_secret = identity_text
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap()
            .to_string();
        Seeded {
            allowed: vec![identity.clone()],
            tv,
            identity,
            recipient: recipient.trim().to_string(),
            secrets: [
                KRAKEN_SECRET,
                OKX_SECRET,
                OKX_PASSPHRASE,
                VAULT_PASSPHRASE,
                BACKUP_PASSPHRASE,
                &age_secret,
                OTP_SEED,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }

    fn path(&self, name: &str) -> String {
        self.tv.dir.path().join(name).display().to_string()
    }

    /// The inputs the commands read, which of course hold the secrets.
    fn is_input(&self, path: &Path) -> bool {
        let name = path.file_name().unwrap().to_string_lossy();
        [
            "pass",
            "okx-secret",
            "okx-pass",
            "backup-pass",
            "kraken-secret",
            "kraken-2fa-secret",
            "otp-seed",
            "new-pass",
        ]
        .contains(&name.as_ref())
            || name.starts_with("input-")
    }

    /// What in `text` is a seeded secret or a piece of one.
    fn leaked(&self, text: &[u8]) -> Option<String> {
        let text = String::from_utf8_lossy(text);
        self.secrets
            .iter()
            .flat_map(|s| pieces(s))
            .find(|piece| text.contains(piece.as_str()))
    }

    /// Runs `keycellar [--json] ARGS` and checks its output and every file it left.
    fn run(&self, args: &[&str], json: bool, reveals: bool) -> i32 {
        let mut cmd = self.tv.cmd();
        if json {
            cmd.arg("--json");
        }
        let out = cmd.args(args).output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        let what = format!("{args:?} (json {json}, exit {code})");
        assert_ne!(code, 101, "{what} panicked");
        if let Some(piece) = self.leaked(&out.stdout).filter(|_| !reveals) {
            panic!("{what}: stdout shows {piece:?}");
        }
        if let Some(piece) = self.leaked(&out.stderr) {
            panic!("{what}: stderr shows {piece:?}");
        }
        self.check_files(&what);
        code
    }

    fn check_files(&self, what: &str) {
        for entry in fs::read_dir(self.tv.dir.path()).unwrap().flatten() {
            let path = entry.path();
            let meant = self.allowed.contains(&path)
                || self.is_input(&path)
                || [".age", ".pdf", ".txt"]
                    .iter()
                    .any(|ext| path.to_string_lossy().ends_with(ext));
            if path.is_file()
                && !meant
                && let Some(piece) = self.leaked(&fs::read(&path).unwrap())
            {
                panic!("{what}: {} holds {piece:?}", path.display());
            }
        }
    }
}

#[test]
fn no_secret_in_any_output_file_argv_or_environment() {
    let s = Seeded::new();
    let id = s.identity.display().to_string();
    let backup_pass = s.path("backup-pass");
    let export = s.path("e.age");
    let pass_export = s.path("p.age");
    let pdf = s.path("b.pdf");
    let r = s.recipient.clone();
    let dot_env = s.tv.file(
        "input-bot.env",
        &format!(
            "export OKX_API_KEY=0f3c2b1a-1111-4222-8333-944455556666\n\
             OKX_API_SECRET='{OKX_SECRET}'\nOKX_API_PASSPHRASE=\"{OKX_PASSPHRASE}\"\n"
        ),
    );
    let dot_env = dot_env.to_str().unwrap();
    let config = s.tv.file(
        "input-config.json",
        &format!(
            r#"{{"exchange": {{"name": "kraken", "key": "{KRAKEN_KEY}", "secret": "{KRAKEN_SECRET}"}}}}"#
        ),
    );
    let config = config.to_str().unwrap();
    let pass_entry = s.tv.file(
        "input-okx.pass",
        &format!(
            "{OKX_SECRET}\nlogin: 0f3c2b1a-1111-4222-8333-944455556666\nexchange: okx\n\
             passphrase: {OKX_PASSPHRASE}\nlabel: okx-tax\n"
        ),
    );
    let pass_entry = pass_entry.to_str().unwrap();
    let successes: Vec<(Vec<&str>, bool)> = vec![
        (vec!["import", "--from", "env", dot_env, "--dry-run"], false),
        (vec!["import", "--from", "env", dot_env], false),
        (vec!["import", "--from", "freqtrade", config], false),
        (vec!["import", "--from", "pass", pass_entry], false),
        (vec!["list"], false),
        (vec!["show", "okx-tax"], false),
        (vec!["show", "okx-tax", "--reveal"], true),
        (vec!["show", "kraken-2fa"], false),
        (vec!["show", "kraken-2fa", "--reveal"], true),
        (vec!["otp", "kraken-2fa"], false),
        (vec!["fingerprint"], false),
        (vec!["fingerprint", "okx-tax"], false),
        (vec!["verify"], false),
        (vec!["status"], false),
        (vec!["history", "okx-tax"], false),
        (vec!["edit", "okx-tax", "--note", "tax tool"], false),
        (vec!["export", "-o", &export, "-r", &r], false),
        (
            vec![
                "export",
                "-o",
                &pass_export,
                "--passphrase",
                "--backup-passphrase-file",
                &backup_pass,
            ],
            false,
        ),
        (vec!["verify", "--backup", &export, "-i", &id], false),
        (vec!["import", &export, "-i", &id, "--dry-run"], false),
        (
            vec![
                "import",
                &pass_export,
                "--backup-passphrase-file",
                &backup_pass,
            ],
            false,
        ),
        (vec!["print", "-o", &pdf, "-r", &r], false),
        (vec!["completions", "bash"], false),
    ];
    for (args, reveals) in &successes {
        for json in [false, true] {
            let code = s.run(args, json, *reveals);
            assert!(code == 0, "{args:?} (json {json}) failed with {code}");
            if args[0] == "export" || args[0] == "print" {
                // Written once; the second run would need --force.
                fs::remove_file(args[2]).unwrap();
                s.run(args, !json, false);
                break;
            }
        }
    }
    // audit finds the test KDF weak (exit 8) but must show no secret either.
    assert_eq!(s.run(&["audit"], false, false), 8);
    // keycellar's own argv and environment, seen by its child.
    let out =
        s.tv.cmd()
            .args(["exec", "kraken-bot", "--", "sh", "-c"])
            .arg("tr '\\0' '\\n' < /proc/$PPID/environ; tr '\\0' ' ' < /proc/$PPID/cmdline")
            .output()
            .unwrap();
    assert!(out.status.success());
    assert_eq!(
        s.leaked(&out.stdout),
        None,
        "keycellar's argv or environment"
    );
}

#[test]
fn over_sixty_failures_show_no_secret() {
    let s = Seeded::new();
    let id = s.identity.display().to_string();
    let wrong = s.tv.file("input-wrong-pass", "not the passphrase\n");
    let wrong = wrong.to_str().unwrap();
    let identity_as_recipients = id.clone();
    let export = s.path("e.age");
    s.run(&["export", "-o", &export, "-r", &s.recipient], false, false);
    let damaged = s.path("damaged.age");
    let mut bytes = fs::read(&export).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x55;
    fs::write(&damaged, bytes).unwrap();
    let bad_secret = s.tv.file("input-bad-secret", &KRAKEN_SECRET[..60]);
    let secret_json = s.tv.file(
        "input-entries.json",
        &format!(
            r#"{{"label": "x", "exchange": "kraken", "api_key": "k", "secret": 12{}}}"#,
            &OKX_SECRET[..20]
        ),
    );
    let uri = s.tv.file(
        "input-uri",
        &format!("kraken://apikey?key=abc&secret={KRAKEN_SECRET}%zz"),
    );
    let typo =
        s.tv.file("input-typed.txt", "== KC1 0000 K ==\n0001 ABCDE 1234\n");
    let not_image = s.tv.file("input-scan.png", OKX_SECRET);
    let label_secret = format!("k{}", &OKX_SECRET[..30]);
    let config = format!(
        r#"{{"exchange": {{"name": "okx", "key": "k", "secret": "{OKX_SECRET}", "password": "{OKX_PASSPHRASE}"}}}}"#
    );
    let truncated = s.tv.file("input-cut.json", &config[..config.len() - 30]);
    let typed = config.replace(&format!("\"{OKX_PASSPHRASE}\""), "1234567890123");
    let typed = s.tv.file("input-typed.json", &typed);
    let unclosed = s.tv.file(
        "input-open.env",
        &format!("OKX_API_SECRET=\"{OKX_SECRET}\n"),
    );
    let no_key =
        s.tv.file("input-nokey.env", &format!("OKX_API_SECRET={OKX_SECRET}\n"));
    let bad_shape = s.tv.file(
        "input-shape.env",
        &format!("KRAKEN_API_KEY={OKX_SECRET}\nKRAKEN_API_SECRET={KRAKEN_SECRET}\n"),
    );
    let keepass_entry = format!(
        "<KeePassFile><Root><Group><Entry><String><Key>Title</Key><Value>Kraken API</Value>\
         </String><String><Key>UserName</Key><Value>{OKX_SECRET}</Value></String><String>\
         <Key>Password</Key><Value>{KRAKEN_SECRET}</Value></String></Entry></Group></Root>\
         </KeePassFile>"
    );
    let keepass_shape = s.tv.file("input-shape.xml", &keepass_entry);
    let keepass_cut =
        s.tv.file("input-cut.xml", &keepass_entry[..keepass_entry.len() - 60]);
    let bitwarden = format!(
        r#"{{"encrypted": false, "items": [{{"type": 1, "name": "OKX API", "login":
            {{"username": "k", "password": {{"{OKX_SECRET}": "{OKX_PASSPHRASE}"}}}}}}]}}"#
    );
    let bitwarden_typed = s.tv.file("input-typed-bw.json", &bitwarden);
    let bitwarden_cut =
        s.tv.file("input-cut-bw.json", &bitwarden[..bitwarden.len() - 20]);
    let pem_cut = s.tv.file(
        "input-pem.pass",
        &format!("-----BEGIN EC PRIVATE KEY-----\n{OKX_SECRET}\nexchange: coinbase\n"),
    );
    let moving_in = [
        ("freqtrade", &truncated),
        ("freqtrade", &typed),
        ("env", &unclosed),
        ("env", &no_key),
        ("env", &bad_shape),
        ("ccxt", &bad_shape),
        ("keepassxc", &keepass_shape),
        ("keepassxc", &keepass_cut),
        ("bitwarden", &bitwarden_typed),
        ("bitwarden", &bitwarden_cut),
        ("pass", &pem_cut),
    ];
    let opens: [&[&str]; 14] = [
        &["list"],
        &["show", "okx-tax", "--reveal"],
        &["status"],
        &["audit"],
        &["verify"],
        &["history", "okx-tax"],
        &["fingerprint"],
        &["edit", "okx-tax", "--note", "n"],
        &["remove", "okx-tax", "--yes"],
        &["export", "-o", "/dev/null/x", "-r", &s.recipient],
        &["print", "-o", "/dev/null/x.pdf", "-r", &s.recipient],
        &["passwd", "--new-passphrase-file", wrong],
        &["exec", "okx-tax", "--", "true"],
        &[
            "rotate",
            "okx-tax",
            "--no-backup-check",
            "--key",
            "k2",
            "--secret-file",
            wrong,
        ],
    ];
    let mut cases: Vec<Vec<String>> = Vec::new();
    for args in opens {
        let mut wrong_pass = vec!["--passphrase-file".to_string(), wrong.to_string()];
        wrong_pass.extend(args.iter().map(|a| a.to_string()));
        cases.push(wrong_pass);
    }
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    for args in [
        &[
            "export",
            "-o",
            &s.path("x.age"),
            "-R",
            &identity_as_recipients,
        ][..],
        &["export", "-o", &s.path("x.age"), "-r", OKX_SECRET],
        &["export", "-o", &s.path("x.age"), "-r", &label_secret],
        &["import", &export, "-i", wrong],
        &["import", &damaged, "-i", &id],
        &["import", wrong, "-i", &id],
        &["verify", "--backup", &damaged, "-i", &id],
        &[
            "add",
            "k1",
            "--exchange",
            "kraken",
            "--key",
            KRAKEN_KEY,
            "--secret-file",
            bad_secret.to_str().unwrap(),
        ],
        &[
            "add",
            "k1",
            "--exchange",
            "kraken",
            "--key",
            KRAKEN_SECRET,
            "--secret-file",
            bad_secret.to_str().unwrap(),
        ],
        &["add", "--from-json", secret_json.to_str().unwrap()],
        &["add", "k2", "--kraken-uri-file", uri.to_str().unwrap()],
        &[
            "add",
            &label_secret,
            "--exchange",
            "other",
            "--key",
            "k",
            "--secret-file",
            wrong,
        ],
        &["show", &label_secret],
        &["verify", "okx-tax", "--fingerprint", OKX_SECRET],
        &["verify", "okx-tax", "--key", OKX_SECRET],
        &["restore", "--text", typo.to_str().unwrap(), "-i", &id],
        &["restore", "--image", not_image.to_str().unwrap(), "-i", &id],
        &[
            "rotate",
            "kraken-bot",
            "--no-backup-check",
            "--key",
            KRAKEN_KEY,
            "--secret-file",
            &s.path("kraken-secret"),
        ],
        &[
            "exec",
            "okx-tax",
            "--env",
            &format!("{OKX_SECRET}=nope"),
            "--",
            "true",
        ],
        &["edit", "okx-tax", "--add-ip", OKX_SECRET],
        &[
            "add",
            "k3",
            "--exchange",
            "kraken",
            "--key",
            KRAKEN_KEY,
            "--secret-file",
            "-",
        ],
    ] {
        cases.push(owned(args));
    }
    for (format, file) in moving_in {
        cases.push(owned(&["import", "--from", format, file.to_str().unwrap()]));
    }
    let mut failures = 0;
    for args in &cases {
        for json in [false, true] {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let code = s.run(&refs, json, false);
            assert_ne!(code, 0, "{args:?} should fail");
            failures += 1;
        }
    }
    assert!(failures >= 60, "only {failures} failure paths");
}

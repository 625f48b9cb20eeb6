//! Moving in leaves no secret behind: after every `import --from` (from a file or stdin,
//! succeeding or refused) and every `--strip`, no file in the working directory or in the
//! commands' private `$TMPDIR` holds a piece of a fixture secret, but the inputs that held
//! them before and the `.bak` asked for. A stripped file is an input no more: it must hold
//! none. (Handing keys to password managers is swept in tests/it/handoff.rs.)

use crate::common::workplace::{Workplace, output_of};
use crate::common::*;
use std::fs;

const BINANCE_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const BINANCE_SECRET: &str = "Qw8Zr2Lp5Kx9Nv3Tb7Hc1Jd6Fg4Sm0Ay8Ue2Io5Rp9Wt3Ey7Uq1Zx6Cv4Bn0Mk2Ll";
const SECRETS: [&str; 2] = [KRAKEN_SECRET, BINANCE_SECRET];

/// Runs keycellar with `args` and `stdin`; its success, and stdout and stderr, which must
/// show no secret either.
fn keycellar(wp: &Workplace, args: &[&str], stdin: &str) -> bool {
    let out = wp
        .keycellar()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
            child.wait_with_output()
        })
        .unwrap();
    let printed = [out.stdout, out.stderr].concat();
    let pieces: Vec<&[u8]> = SECRETS
        .iter()
        .flat_map(|s| s.as_bytes().windows(16))
        .collect();
    assert!(!holds_any(&printed, &pieces), "{args:?} printed a secret");
    out.status.success()
}

#[test]
fn moving_in_leaves_no_secret_in_the_working_directory_or_tmpdir() {
    let wp = Workplace::new();
    let config = format!(
        "{{\n  // keys\n  \"exchange\": {{\"name\": \"binance\", \"key\": \"{BINANCE_KEY}\",\n    \
         \"secret\": \"{BINANCE_SECRET}\"}},\n  \"dry_run\": false\n}}\n"
    );
    let env = format!("KRAKEN_API_KEY={KRAKEN_KEY}\nKRAKEN_API_SECRET='{KRAKEN_SECRET}'\nLOG=1\n");
    fs::write(wp.dir().join("config.json"), &config).unwrap();
    fs::write(wp.dir().join("bot.env"), &env).unwrap();
    let inputs = ["config.json", "bot.env"];
    for format in ["freqtrade", "env"] {
        let file = if format == "env" {
            "bot.env"
        } else {
            "config.json"
        };
        assert!(keycellar(
            &wp,
            &["import", "--from", format, file, "--dry-run"],
            ""
        ));
        wp.sweep(&SECRETS, &inputs, "a dry run");
    }
    assert!(keycellar(
        &wp,
        &[
            "import",
            "--from",
            "freqtrade",
            "config.json",
            "--strip",
            "--backup"
        ],
        ""
    ));
    wp.sweep(
        &SECRETS,
        &["bot.env", "config.json.bak"],
        "--strip of a freqtrade config",
    );
    assert!(keycellar(
        &wp,
        &["import", "--from", "env", "bot.env", "--strip"],
        ""
    ));
    wp.sweep(&SECRETS, &["config.json.bak"], "--strip of an env file");
    assert_eq!(
        fs::read_to_string(wp.dir().join("bot.env")).unwrap(),
        "LOG=1\n"
    );

    let keepass = format!(
        "<KeePassFile><Root><Group><Entry><String><Key>Title</Key><Value>Kraken API</Value>\
         </String><String><Key>UserName</Key><Value>{KRAKEN_KEY}</Value></String><String>\
         <Key>Password</Key><Value>{KRAKEN_SECRET}</Value></String></Entry></Group></Root>\
         </KeePassFile>\n"
    );
    let bitwarden = format!(
        r#"{{"encrypted": false, "items": [{{"type": 1, "name": "Binance API",
            "login": {{"username": "{BINANCE_KEY}", "password": "{BINANCE_SECRET}"}}}}]}}"#
    );
    let pass =
        format!("{KRAKEN_SECRET}\nlogin: {KRAKEN_KEY}\nexchange: kraken\nlabel: from-pass\n");
    let sources = [
        ("keepassxc", &keepass),
        ("bitwarden", &bitwarden),
        ("pass", &pass),
    ];
    for (format, text) in sources {
        assert!(
            keycellar(&wp, &["import", "--from", format, "-"], text),
            "{format}"
        );
        wp.sweep(&SECRETS, &["config.json.bak"], format);
        let cut = &text[..text.len() / 2];
        assert!(
            !keycellar(&wp, &["import", "--from", format, "-"], cut),
            "{format} cut"
        );
        wp.sweep(&SECRETS, &["config.json.bak"], format);
    }
    let list = output_of(wp.keycellar().args(["--json", "list"]), b"");
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    assert_eq!(list["entries"].as_array().unwrap().len(), 5);
}

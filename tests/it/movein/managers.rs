//! Keys moved in from password managers: KeePassXC's XML export and Bitwarden's JSON export
//! (many entries, only exchanges' API keys taken) and `pass show`'s text (one key).

use super::{OKX_KEY, OKX_PASSPHRASE, OKX_SECRET, import, labels};
use crate::common::*;

fn keepass_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile>
	<Meta><Generator>KeePassXC</Generator></Meta>
	<Root>
		<Group>
			<UUID>xFSNjyXRT46Ueln4DXJPvQ==</UUID>
			<Name>Passwords</Name>
			<Entry>
				<String><Key>Password</Key><Value ProtectInMemory="True">{KRAKEN_SECRET}</Value></String>
				<String><Key>Title</Key><Value>Kraken API grid bot</Value></String>
				<String><Key>UserName</Key><Value>{KRAKEN_KEY}</Value></String>
			</Entry>
			<Entry>
				<String><Key>Password</Key><Value ProtectInMemory="True">hunter2</Value></String>
				<String><Key>Title</Key><Value>Kraken</Value></String>
				<String><Key>UserName</Key><Value>me@example.com</Value></String>
			</Entry>
		</Group>
	</Root>
</KeePassFile>
"#
    )
}

fn bitwarden_json() -> String {
    format!(
        r#"{{"encrypted": false, "folders": [], "items": [
  {{"id": "1", "type": 1, "name": "OKX", "notes": null,
    "login": {{"username": "me@example.com", "password": "account password",
              "uris": [{{"match": null, "uri": "https://www.okx.com"}}]}},
    "fields": [{{"name": "API key", "value": "{OKX_KEY}", "type": 0}},
               {{"name": "Secret key", "value": "{OKX_SECRET}", "type": 1}},
               {{"name": "Passphrase", "value": "{OKX_PASSPHRASE}", "type": 1}}]}},
  {{"id": "2", "type": 1, "name": "GitHub", "login": {{"username": "me", "password": "pw"}}}}
]}}"#
    )
}

#[test]
fn password_managers_hand_over_their_api_keys_and_nothing_else() {
    let tv = TestVault::new();
    let (stdout, stderr, ok) = import(
        &tv,
        &["--from", "keepassxc", "-", "--dry-run"],
        Some(keepass_xml()),
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(
            "Kraken API grid bot -> kraken-api-grid-bot (kraken): UserName -> api_key, \
             Password -> secret"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("me@example.com"), "{stdout}");
    let (_, stderr, ok) = import(&tv, &["--from", "keepassxc", "-"], Some(keepass_xml()));
    assert!(ok, "{stderr}");

    let export = tv.file("bitwarden.json", &bitwarden_json());
    let (stdout, stderr, ok) = import(
        &tv,
        &["--from", "bitwarden", export.to_str().unwrap()],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Passphrase -> api_passphrase"), "{stdout}");
    assert!(
        stderr.contains("bw export --format json --raw | keycellar import --from bitwarden -"),
        "{stderr}"
    );

    let entry =
        format!("{KRAKEN_SECRET}\nlogin: {KRAKEN_KEY}\nexchange: kraken\nlabel: from-pass\n");
    let (_, stderr, ok) = import(&tv, &["--from", "pass", "-"], Some(entry));
    assert!(ok, "{stderr}");
    assert_eq!(labels(&tv), ["kraken-api-grid-bot", "okx", "from-pass"]);
    let okx = tv.json(&["show", "okx", "--reveal"]);
    assert_eq!(okx["api_passphrase"], OKX_PASSPHRASE);
    let fingerprint = |label: &str| tv.json(&["fingerprint", label])["fingerprint"].clone();
    assert_eq!(fingerprint("from-pass"), fingerprint("kraken-api-grid-bot"));
}

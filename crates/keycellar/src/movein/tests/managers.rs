//! KeePass XML, Bitwarden's JSON and `pass show`'s text.

use super::*;

const OKX_PASSPHRASE: &str = "okx & <pass>";

/// A KeePass XML document as `keepassxc-cli export` writes it, cut down to what is read.
fn keepass(entries: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile>
	<Meta>
		<Generator>KeePassXC</Generator>
		<RecycleBinUUID>c2VjcmV0IGJpbg==</RecycleBinUUID>
	</Meta>
	<Root>
		<Group>
			<UUID>cm9vdCBncm91cA==</UUID>
			<Name>Passwords</Name>
			<Notes/>
			{entries}
			<Group>
				<UUID>c2VjcmV0IGJpbg==</UUID>
				<Name>Recycle Bin</Name>
				{}
			</Group>
		</Group>
		<DeletedObjects/>
	</Root>
</KeePassFile>
"#,
        entry(
            "Binance API",
            &[("UserName", BINANCE_KEY), ("Password", BINANCE_SECRET)]
        )
    )
}

fn entry(title: &str, strings: &[(&str, &str)]) -> String {
    let mut out =
        format!("<Entry><UUID>AAAA</UUID><String><Key>Title</Key><Value>{title}</Value></String>");
    for (key, value) in strings {
        let value = value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let protect = match *key {
            "Password" | "API passphrase" => " ProtectInMemory=\"True\"",
            _ => "",
        };
        out.push_str(&format!(
            "<String>\n<Key>{key}</Key>\n<Value{protect}>{value}</Value>\n</String>"
        ));
    }
    out + "<History><Entry><String><Key>Title</Key><Value>old</Value></String></Entry></History></Entry>"
}

fn keepass_with_keys() -> String {
    keepass(
        &[
            entry(
                "Kraken API (grid bot)",
                &[("UserName", KRAKEN_KEY), ("Password", KRAKEN_SECRET)],
            ),
            entry(
                "Kraken",
                &[("UserName", "me"), ("Password", "account password")],
            ),
            entry(
                "okx-tax",
                &[
                    ("UserName", OKX_KEY),
                    ("Password", OKX_SECRET),
                    ("exchange", "okx"),
                    ("API passphrase", OKX_PASSPHRASE),
                ],
            ),
            entry(
                "ftx",
                &[("exchange", "FTX"), ("UserName", "k"), ("Password", "gone")],
            ),
        ]
        .concat(),
    )
}

#[test]
fn a_keepass_export_gives_its_api_entries_and_passes_over_the_rest() {
    let moved = read(Format::Keepassxc, keepass_with_keys().as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["kraken-api-grid-bot", "okx-tax"]);
    assert_eq!(moved.entries[0].secret.expose(), KRAKEN_SECRET);
    let okx = &moved.entries[1];
    assert_eq!(okx.exchange, Exchange::Okx);
    assert_eq!(okx.api_key, OKX_KEY);
    assert_eq!(
        okx.api_passphrase.as_ref().unwrap().expose(),
        OKX_PASSPHRASE
    );
    let plan: Vec<String> = moved
        .plan
        .iter()
        .map(|f| match &f.skipped {
            Some(why) => format!("{}: {why}", f.source),
            None => f
                .fields
                .iter()
                .map(|m| format!("{}>{} ", m.from, m.to))
                .collect(),
        })
        .collect();
    // The `Kraken` login, the history and the recycle bin's entry are no keys.
    assert_eq!(
        plan,
        [
            "UserName>api_key Password>secret ",
            "UserName>api_key Password>secret API passphrase>api_passphrase ",
            "ftx: unknown exchange \"FTX\"",
        ]
    );
}

#[test]
fn keepass_xml_that_cannot_be_read_says_so_and_quotes_nothing() {
    let text = keepass_with_keys();
    for cut in (0..text.len()).step_by(7) {
        match read(Format::Keepassxc, &text.as_bytes()[..cut]) {
            Err(Problem::Line { problem, .. }) => assert!(!problem.contains("grid")),
            Err(Problem::NotText) => {}
            other => panic!("cut at {cut}: {:?}", other.map(|m| m.plan)),
        }
    }
    let no_keys = keepass(&entry("Kraken", &[("UserName", "me")]));
    let Err(Problem::NoKeys { skipped }) = read(Format::Keepassxc, no_keys.as_bytes()) else {
        panic!("an entry that is no API key was taken");
    };
    assert!(skipped.is_empty());
    let error = Problem::NoKeys { skipped }.at(Format::Keepassxc, "-");
    assert!(error.to_string().contains("says API"), "{error}");
    let refused = [
        (
            text.replace("ProtectInMemory", "Protected").into_bytes(),
            "protected",
        ),
        (
            vec![0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5],
            "database",
        ),
    ];
    for (bad, what) in refused {
        let Err(Problem::Encrypted { what: said }) = read(Format::Keepassxc, &bad) else {
            panic!("{what} was read");
        };
        assert!(said.contains(what), "{said}");
    }
    let bad_xml = [
        ("<!DOCTYPE x [<!ENTITY a 'b'>]><KeePassFile/>", "DOCTYPE"),
        ("<KeePassFile><Root></KeePassFile>", "does not match"),
        ("<KeePassFile>&bogus;</KeePassFile>", "unknown entity"),
        (
            "<KeePassFile>&aaaaaaaaa\u{20ac}\u{20ac};</KeePassFile>",
            "starts no entity",
        ),
        ("<KeePassFile>&#xD800;</KeePassFile>", "unknown entity"),
        ("<KeePassFile/><KeePassFile/>", "second element"),
        ("<Database/>", "not KeePass XML"),
        (&format!("<KeePassFile>{}", "<a>".repeat(300)), "deeper"),
    ];
    for (bad, says) in bad_xml {
        let Err(Problem::Line { problem, .. }) = read(Format::Keepassxc, bad.as_bytes()) else {
            panic!("{bad} was read");
        };
        assert!(problem.contains(says), "{bad}: {problem}");
    }
}

#[test]
fn any_markup_character_anywhere_is_an_error_or_a_reading_never_a_panic() {
    let text = keepass(&entry(
        "Kraken API",
        &[("UserName", "k\u{e9}y"), ("Password", "s")],
    ));
    for (at, _) in text.char_indices() {
        for c in ['<', '>', '&', '"', '/', '!', '?', '=', ';', '\u{e9}'] {
            let mut changed = text.clone();
            changed.replace_range(
                at..at + text[at..].chars().next().unwrap().len_utf8(),
                &c.to_string(),
            );
            let _ = read(Format::Keepassxc, changed.as_bytes());
        }
    }
}

#[test]
fn xml_text_is_decoded_as_xml_says() {
    let strings = [("UserName", "k"), ("Password", "s")];
    let text = keepass(&entry("Kraken API", &strings))
        .replace(
            "<Value>k</Value>",
            "<Value><![CDATA[A&B]]>&#x43;&#68;\r\n</Value>",
        )
        .replace(
            "<Value ProtectInMemory=\"True\">s</Value>",
            "<Value ProtectInMemory='True'>&apos;s&quot;</Value>",
        );
    let moved = read(Format::Keepassxc, text.as_bytes()).unwrap();
    assert_eq!(moved.entries[0].api_key, "A&BCD");
    assert_eq!(moved.entries[0].secret.expose(), "'s\"");
}

fn bitwarden(items: &str) -> String {
    format!(r#"{{"encrypted": false, "folders": [], "items": [{items}]}}"#)
}

#[test]
fn a_bitwarden_export_gives_logins_and_custom_fields() {
    let items = format!(
        r#"{{"id": "1", "type": 1, "name": "Kraken API", "notes": null, "fields": [],
            "login": {{"uris": [{{"match": null, "uri": "https://www.kraken.com"}}],
                       "username": "{KRAKEN_KEY}", "password": "{KRAKEN_SECRET}", "totp": null}}}},
           {{"id": "2", "type": 1, "name": "OKX", "login": {{"username": "me@example.com",
             "password": "account password", "uris": [{{"uri": "https://www.okx.com"}}]}},
             "fields": [{{"name": "API Key", "value": "{OKX_KEY}", "type": 0}},
                        {{"name": "Secret Key", "value": "{OKX_SECRET}", "type": 1}},
                        {{"name": "Passphrase", "value": "{OKX_PASSPHRASE}", "type": 1}}]}},
           {{"id": "3", "type": 2, "name": "binance tax", "secureNote": {{"type": 0}},
             "fields": [{{"name": "exchange", "value": "binance", "type": 0}},
                        {{"name": "key", "value": "{BINANCE_KEY}", "type": 0}},
                        {{"name": "for the tax tool", "value": "{BINANCE_SECRET}", "type": 1}}]}},
           {{"id": "4", "type": 1, "name": "Kraken", "login": {{"username": "me", "password": "pw"}}}},
           {{"id": "5", "type": 3, "name": "Kraken API card", "card": {{}}}}"#
    );
    let moved = read(Format::Bitwarden, bitwarden(&items).as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["kraken-api", "okx", "binance-tax"]);
    let okx = &moved.entries[1];
    assert_eq!(okx.api_key, OKX_KEY);
    assert_eq!(okx.secret.expose(), OKX_SECRET);
    assert_eq!(
        okx.api_passphrase.as_ref().unwrap().expose(),
        OKX_PASSPHRASE
    );
    // A lone hidden field is the secret of an item without a password.
    assert_eq!(moved.entries[2].secret.expose(), BINANCE_SECRET);
    let from: Vec<&str> = moved.plan[0]
        .fields
        .iter()
        .map(|m| m.from.as_str())
        .collect();
    assert_eq!(from, ["login.username", "login.password"]);
}

#[test]
fn an_encrypted_or_empty_bitwarden_export_is_refused() {
    let encrypted = r#"{"encrypted": true, "passwordProtected": true, "salt": "c2FsdA==",
        "kdfType": 0, "kdfIterations": 600000, "encKeyValidation_DO_NOT_EDIT": "2.x|y|z",
        "data": "2.a|b|c"}"#;
    let Err(Problem::Encrypted { what }) = read(Format::Bitwarden, encrypted.as_bytes()) else {
        panic!("an encrypted export was read");
    };
    assert_eq!(what, "an encrypted Bitwarden export");
    let error = Problem::Encrypted { what }.at(Format::Bitwarden, "-");
    assert!(
        error
            .to_string()
            .contains("expected Bitwarden's unencrypted JSON")
    );
    let logins = r#"{"type": 1, "name": "GitHub", "login": {"username": "me", "password": "pw"}}"#;
    let Err(Problem::NoKeys { .. }) = read(Format::Bitwarden, bitwarden(logins).as_bytes()) else {
        panic!("a login that is no key was taken");
    };
    let Err(Problem::Json(_)) = read(Format::Bitwarden, b"name,login_username\n") else {
        panic!("a CSV export was read");
    };
}

#[test]
fn a_pass_entry_is_its_first_line_and_named_lines() {
    let text = format!(
        "{OKX_SECRET}\nlogin: {OKX_KEY}\nexchange: okx\nPassphrase: {OKX_PASSPHRASE}\n\
         label: okx-tax\nnotes go here, and: a colon\n"
    );
    let moved = read(Format::Pass, text.as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["okx-tax"]);
    let okx = &moved.entries[0];
    assert_eq!(
        (okx.exchange, okx.api_key.as_str()),
        (Exchange::Okx, OKX_KEY)
    );
    assert_eq!(okx.secret.expose(), OKX_SECRET);
    assert_eq!(
        okx.api_passphrase.as_ref().unwrap().expose(),
        OKX_PASSPHRASE
    );
    // The exchange may come from a URL, and the label then from the exchange.
    let text = format!("{KRAKEN_SECRET}\nuser: {KRAKEN_KEY}\nurl: https://pro.kraken.com/app\n");
    let moved = read(Format::Pass, text.as_bytes()).unwrap();
    assert_eq!(labels(&moved), ["kraken"]);
    let Err(Problem::NoKeys { skipped }) = read(Format::Pass, b"hunter2\nlogin: me\n") else {
        panic!("a password of no exchange was taken");
    };
    assert_eq!(skipped, ["\"pass entry\": no exchange named"]);
}

#[test]
fn a_pem_secret_in_pass_is_read_whole() {
    let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n-----END EC PRIVATE KEY-----\n";
    let key = "organizations/1/apiKeys/2";
    for first in [pem.to_string(), pem.replace('\n', "\\n") + "\n"] {
        let text = format!("{first}login: {key}\nexchange: coinbase\n");
        let moved = read(Format::Pass, text.as_bytes()).unwrap();
        let (entries, _) = admit(moved.entries, Date::today()).unwrap();
        assert_eq!(entries[0].secret().expose(), pem);
        assert_eq!(entries[0].api_key(), key);
    }
    let cut = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n";
    let Err(Problem::Line { problem, .. }) = read(Format::Pass, cut.as_bytes()) else {
        panic!("a PEM block cut short was read");
    };
    assert!(problem.contains("-----END"), "{problem}");
}

/// Entries as `add` admits them.
fn admitted(
    entries: Vec<crate::credential::entry::NewEntry>,
) -> Vec<crate::credential::entry::Entry> {
    admit(entries, Date::today()).unwrap().0
}

#[test]
fn handed_over_keys_read_back_with_their_fingerprints() {
    use crate::backup::handoff::{keepass_xml, pass_entry};
    use crate::credential::entry::NewEntry;
    use crate::secret::Secret;
    let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n-----END EC PRIVATE KEY-----\n";
    let entries = admitted(vec![
        NewEntry {
            api_passphrase: Some(Secret::new(OKX_PASSPHRASE.into())),
            account_ref: Some("42".into()),
            ..NewEntry::credential(
                "okx-tax".into(),
                Exchange::Okx,
                OKX_KEY.into(),
                Secret::new(OKX_SECRET.into()),
            )
        },
        NewEntry::credential(
            "coinbase-cdp".into(),
            Exchange::Coinbase,
            "organizations/1/apiKeys/2".into(),
            Secret::new(pem.into()),
        ),
    ]);
    let xml = keepass_xml(&entries);
    let back = admitted(
        read(Format::Keepassxc, xml.expose().as_bytes())
            .unwrap()
            .entries,
    );
    let fingerprints = |e: &[crate::credential::entry::Entry]| -> Vec<String> {
        e.iter()
            .map(|e| format!("{} {}", e.label(), e.fingerprint()))
            .collect()
    };
    assert_eq!(fingerprints(&back), fingerprints(&entries));
    for entry in &entries {
        let text = pass_entry(entry).unwrap();
        assert_eq!(
            text.expose().lines().count(),
            5 + usize::from(entry.api_passphrase().is_some())
                + usize::from(entry.account_ref().is_some())
        );
        let back = admitted(
            read(Format::Pass, text.expose().as_bytes())
                .unwrap()
                .entries,
        );
        assert_eq!(
            fingerprints(&back),
            fingerprints(std::slice::from_ref(entry))
        );
    }
    // A value pass's lines would change is refused, never handed over changed.
    let padded = admitted(vec![NewEntry {
        api_passphrase: Some(Secret::new(" padded ".into())),
        ..NewEntry::credential(
            "okx-2".into(),
            Exchange::Okx,
            OKX_KEY.into(),
            Secret::new(OKX_SECRET.into()),
        )
    }]);
    assert!(pass_entry(&padded[0]).is_err());
}

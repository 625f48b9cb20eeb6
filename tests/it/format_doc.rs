//! docs/FORMAT.md's worked example and test vectors are recomputed here from their stated
//! inputs, and what it says saves do to the header is checked on real saves, so the
//! specification cannot drift from the code.

use crate::common;

use keycellar::credential::exchange::Exchange;
use keycellar::credential::fingerprint;
use keycellar::kdf::KdfParams;
use keycellar::secret::Secret;
use keycellar::vault::format::keyslot::{Keyslot, PassphraseSlot};
use keycellar::vault::format::{self, Header};
use keycellar::vault::{Passphrase, Vault};

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/FORMAT.md")).unwrap()
}

/// The contents of the fenced block that follows `<!-- NAME -->` in FORMAT.md.
fn block(name: &str) -> String {
    let spec = spec();
    let marker = format!("<!-- {name} -->");
    let after = &spec[spec.find(&marker).unwrap_or_else(|| panic!("no {marker}"))..];
    let start = after.find("```").unwrap();
    let body = &after[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

fn counting(start: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| start.wrapping_add(i as u8)).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_worked_example_file_is_byte_exact() {
    let params = KdfParams {
        memory_kib: 64,
        time: 1,
        parallelism: 1,
    };
    let vault_id: [u8; 16] = counting(0xa0, 16).try_into().unwrap();
    let vault_key: [u8; 32] = counting(0x40, 32).try_into().unwrap();
    let salt = counting(0x00, 32);
    let slot_nonce: [u8; 24] = counting(0x60, 24).try_into().unwrap();
    let payload_nonce: [u8; 24] = counting(0x80, 24).try_into().unwrap();
    let kek = params.derive(b"example passphrase", &salt).unwrap();
    let slot = PassphraseSlot::wrap(&vault_id, &vault_key, &kek, params, salt, slot_nonce);
    let header = Header {
        vault_id,
        generation: 1,
        payload_nonce,
        keyslots: vec![Keyslot::Passphrase(slot)],
    };
    let plaintext = br#"{"schema":1,"created_at":"2026-11-22T00:00:00Z","entries":[]}"#;
    let file = format::seal_file(&header, &vault_key, plaintext);

    let documented: String = block("worked-example-hex")
        .lines()
        .map(|line| line.split("  ").nth(1).unwrap_or("").replace(' ', ""))
        .collect();
    let dump: Vec<String> = file
        .chunks(16)
        .enumerate()
        .map(|(i, row)| {
            let cells: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
            format!("{:04x}  {}", i * 16, cells.join(" "))
        })
        .collect();
    assert_eq!(
        documented,
        hex(&file),
        "FORMAT.md's example differs; the computed file is:\n{}\nKEK {}",
        dump.join("\n"),
        hex(&kek[..])
    );
    assert!(block("worked-example-kek").contains(&hex(&kek[..])));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.kc");
    std::fs::write(&path, &file).unwrap();
    let vault = Vault::open(
        &path,
        &mut Passphrase(&Secret::new("example passphrase".into())),
    )
    .unwrap();
    assert!(vault.entries().is_empty());
    assert_eq!(vault.generation(), 1);
}

#[test]
fn the_fingerprint_vectors_hold() {
    let mut checked = 0;
    for vector in block("fingerprint-vectors").split("\n\n") {
        let field = |name: &str| {
            vector
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .map(str::to_string)
        };
        let Some(expected) = field("fingerprint") else {
            continue;
        };
        let exchange: Exchange = field("exchange").unwrap().parse().unwrap();
        let got = fingerprint::compute_with_seed(
            exchange,
            &field("api_key").unwrap(),
            &field("secret").unwrap(),
            field("api_passphrase").as_deref(),
            field("otp_seed").as_deref(),
        )
        .unwrap();
        assert_eq!(got.to_string(), expected, "{vector}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} vectors found");
    let vault_block = block("vault-fingerprint-vectors");
    for line in vault_block.lines().filter(|l| !l.trim().is_empty()) {
        let (inputs, expected) = line.split_once(" -> ").unwrap();
        let fps: Vec<fingerprint::Fingerprint> = inputs
            .split_whitespace()
            .filter(|s| *s != "(empty)")
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(
            fingerprint::of_vault(fps).to_string(),
            expected.trim(),
            "{line}"
        );
    }
}

/// Section 8's example: one item's typed lines and its QR codes, recomputed.
#[test]
fn the_paper_example_is_exact() {
    use keycellar::backup::paper::codes::{self, Item};
    use keycellar::backup::paper::text;
    let base32 = "JZXXIIDBNYQGCZ3FEBTGS3DFHIQGCIDXN5ZGWZLEEBSXQYLNOBWGKIDPMYQGQ33XEBXW4ZJANF2GK3JAN5TCAYJAOBQXAZLSEBZWQZLFOQQGS4ZAOR4XAZLEFY======";
    let mut computed = text::render(Item::Entry(1), base32, "kraken-grid-bot");
    computed.extend(
        codes::split("7F3A9C2E", Item::Entry(1), base32, 70)
            .iter()
            .map(|code| code.render()),
    );
    let documented: Vec<String> = block("paper-example").lines().map(str::to_string).collect();
    assert_eq!(
        documented, computed,
        "FORMAT.md section 8's example differs"
    );
}

/// A vault's header as a reader of FORMAT.md section 1 sees it: its id, the vault key the
/// passphrase unwraps from the first passphrase slot, and the keyslots.
fn header_state(tv: &common::TestVault) -> ([u8; 16], [u8; 32], Vec<Keyslot>) {
    let bytes = std::fs::read(&tv.vault).unwrap();
    let header = format::parse(&bytes).unwrap().header;
    let passphrase = std::fs::read_to_string(&tv.pass_file).unwrap();
    let key = header
        .keyslots
        .iter()
        .find_map(|slot| match slot {
            Keyslot::Passphrase(slot) => slot
                .unlock(&header.vault_id, passphrase.trim_end().as_bytes())
                .unwrap(),
            Keyslot::Age(_) | Keyslot::Unknown { .. } => None,
        })
        .unwrap();
    (header.vault_id, *key, header.keyslots)
}

/// Adds a keyslot of a type this version does not know, as a later version might.
fn add_unknown_keyslot(tv: &common::TestVault) {
    let bytes = std::fs::read(&tv.vault).unwrap();
    let parsed = format::parse(&bytes).unwrap();
    let (_, key, _) = header_state(tv);
    let plain = keycellar::crypto::open(
        &key,
        &parsed.header.payload_nonce,
        parsed.header_bytes,
        parsed.sealed_payload,
    )
    .unwrap();
    let mut header = parsed.header.clone();
    header.keyslots.push(Keyslot::Unknown {
        kind: 200,
        body: vec![7; 5],
    });
    std::fs::write(&tv.vault, format::seal_file(&header, &key, &plain)).unwrap();
}

/// Section 1.2's table of what each save does to the header, checked on real saves: an
/// ordinary save (`edit`), a passphrase change and `rekey`, from a vault that also holds a keyslot
/// of an unknown type. "new" keyslots are one fresh passphrase slot (new salt and nonce).
#[test]
fn what_saves_do_to_the_header_is_what_the_format_says() {
    let tv = common::TestVault::new();
    tv.add_kraken("bot").success();
    add_unknown_keyslot(&tv);
    let mut checked = 0;
    for line in block("header-changes").lines() {
        let (command, claims) = line.split_once(':').unwrap();
        let before = header_state(&tv);
        match command {
            "save" => tv
                .cmd()
                .args(["edit", "bot", "--note", "n"])
                .assert()
                .success(),
            "passwd" => {
                let new = tv.file("new-pass", "a new passphrase for the header test\n");
                tv.cmd()
                    .arg("passwd")
                    .arg("--new-passphrase-file")
                    .arg(&new)
                    .assert()
                    .success();
                std::fs::copy(&new, &tv.pass_file).unwrap();
                tv.cmd().arg("list").assert().success()
            }
            "rekey" => tv.cmd().arg("rekey").assert().success(),
            other => panic!("FORMAT.md names a save {other:?} this test does not know"),
        };
        let after = header_state(&tv);
        for claim in claims.split(',').map(str::trim) {
            let (field, change) = claim.rsplit_once(' ').unwrap();
            let kept = match field {
                "vault id" => before.0 == after.0,
                "vault key" => before.1 == after.1,
                "keyslots" => before.2 == after.2,
                other => panic!("FORMAT.md names a header field {other:?}"),
            };
            assert_eq!(kept, change == "kept", "{command}: {claim}");
            if field == "keyslots" && change == "new" {
                let [Keyslot::Passphrase(new)] = &after.2[..] else {
                    panic!("{command}: {:?}", after.2)
                };
                let Keyslot::Passphrase(old) = &before.2[0] else {
                    panic!("{:?}", before.2)
                };
                assert!(new.salt != old.salt && new.nonce != old.nonce, "{command}");
            }
            checked += 1;
        }
    }
    assert_eq!(
        checked, 9,
        "the three lines of the table, three fields each"
    );
}

/// Section 6.1: the example vault with an age slot, whose age file FORMAT.md gives.
#[test]
fn the_worked_example_with_an_age_slot_holds() {
    use keycellar::backup::agefile::{Identities, SlotIdentities};
    use keycellar::vault::format::age_slot::AgeSlot;
    let field = |name: &str| {
        let spec = spec();
        let row = spec
            .lines()
            .find(|l| l.starts_with(&format!("| {name} | `")))
            .unwrap_or_else(|| panic!("no row {name}"))
            .to_string();
        row.split('`').nth(1).unwrap().to_string()
    };
    let age_file: Vec<u8> = (0..)
        .map_while(|i| {
            let text: String = block("worked-example-age-file")
                .split_whitespace()
                .collect();
            text.get(2 * i..2 * i + 2)
                .map(|b| u8::from_str_radix(b, 16).unwrap())
        })
        .collect();
    let params = KdfParams {
        memory_kib: 64,
        time: 1,
        parallelism: 1,
    };
    let vault_id: [u8; 16] = counting(0xa0, 16).try_into().unwrap();
    let vault_key: [u8; 32] = counting(0x40, 32).try_into().unwrap();
    let slot_nonce: [u8; 24] = counting(0x60, 24).try_into().unwrap();
    let kek = params
        .derive(b"example passphrase", &counting(0, 32))
        .unwrap();
    let passphrase = PassphraseSlot::wrap(
        &vault_id,
        &vault_key,
        &kek,
        params,
        counting(0, 32),
        slot_nonce,
    );
    let age = AgeSlot {
        name: field("name"),
        recipient: field("recipient"),
        created: 1_795_305_600,
        age_file,
    };
    let mut slot_bytes = Vec::new();
    Keyslot::Age(age.clone()).encode(&mut slot_bytes);
    let header = Header {
        vault_id,
        generation: 1,
        payload_nonce: counting(0x80, 24).try_into().unwrap(),
        keyslots: vec![Keyslot::Passphrase(passphrase), Keyslot::Age(age)],
    };
    let plaintext = br#"{"schema":1,"created_at":"2026-11-22T00:00:00Z","entries":[]}"#;
    let file = format::seal_file(&header, &vault_key, plaintext);
    let digest = hex(&keycellar::crypto::sha256(&[&file]));
    let slot_hex: String = block("worked-example-age-slot")
        .split_whitespace()
        .collect();
    assert_eq!(
        (
            slot_hex,
            block("worked-example-age-digest").trim().to_string()
        ),
        (hex(&slot_bytes), digest.clone()),
        "FORMAT.md 6.1 differs; H = {}",
        file.len() - 77 - 32
    );
    assert!(spec().contains(&format!("(H = {}, P = 77", file.len() - 77 - 32)));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.kc");
    std::fs::write(&path, &file).unwrap();
    let mut identities = Identities::default();
    identities
        .add_bytes(field("identity").as_bytes(), "identity")
        .unwrap();
    let vault = Vault::open(&path, &mut SlotIdentities(&identities)).unwrap();
    assert_eq!(vault.generation(), 1);
    Vault::open(
        &path,
        &mut Passphrase(&Secret::new("example passphrase".into())),
    )
    .unwrap();
}

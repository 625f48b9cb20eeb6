//! docs/FORMAT.md's worked example and test vectors are recomputed here from their stated
//! inputs, so the specification cannot drift from the code.

use keycellar::credential::exchange::Exchange;
use keycellar::credential::fingerprint;
use keycellar::secret::Secret;
use keycellar::vault::Vault;
use keycellar::vault::format::keyslot::{Keyslot, PassphraseSlot};
use keycellar::vault::format::{self, Header};
use keycellar::vault::kdf::KdfParams;

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
    let vault = Vault::open(&path, &Secret::new("example passphrase".into())).unwrap();
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
        let got = fingerprint::compute(
            exchange,
            &field("api_key").unwrap(),
            &field("secret").unwrap(),
            field("api_passphrase").as_deref(),
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

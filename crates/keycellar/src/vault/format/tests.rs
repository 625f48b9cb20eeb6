use super::keyslot::PassphraseSlot;
use super::*;
use crate::kdf::KdfParams;

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    time: 1,
    parallelism: 1,
};

fn sample_file() -> Vec<u8> {
    let header = Header {
        vault_id: [1; 16],
        generation: 3,
        payload_nonce: [2; NONCE_LEN],
        keyslots: vec![Keyslot::Passphrase(PassphraseSlot::wrap(
            &[1; 16],
            &[4; 32],
            &[5; 32],
            FAST,
            vec![6; 16],
            [7; NONCE_LEN],
        ))],
    };
    seal_file(&header, &[4; 32], b"{\"entries\":[]}")
}

fn class(result: Result<Parsed, FormatError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(FormatError::Truncated { .. }) => "truncated",
        Err(FormatError::DamagedHeader(_)) => "header",
        Err(FormatError::DamagedPayload(_)) => "payload",
        Err(FormatError::NotAVault) => "not-a-vault",
        Err(FormatError::UnsupportedVersion { .. } | FormatError::UnsupportedSchema { .. }) => "version",
        Err(FormatError::KdfOutOfBounds(_)) => "kdf",
    }
}

#[test]
fn round_trip_parses_back_and_opens() {
    let file = sample_file();
    let parsed = parse(&file).unwrap();
    assert_eq!(parsed.header.generation, 3);
    let opened = crypto::open(
        &[4; 32],
        &parsed.header.payload_nonce,
        parsed.header_bytes,
        parsed.sealed_payload,
    )
    .unwrap();
    assert_eq!(&opened[..], b"{\"entries\":[]}");
}

#[test]
fn every_single_bit_flip_is_reported_as_damage() {
    let file = sample_file();
    let header_len = u32::from_be_bytes(file[12..16].try_into().unwrap()) as usize;
    for bit in 0..file.len() * 8 {
        let mut damaged = file.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        let got = class(parse(&damaged));
        let byte = bit / 8;
        let allowed: &[&str] = if byte < MAGIC.len() {
            &["not-a-vault"]
        } else if byte < header_len {
            &["header"]
        } else {
            &["payload"]
        };
        assert!(allowed.contains(&got), "flip of bit {bit}: {got}");
    }
}

#[test]
fn truncation_at_every_offset_is_reported_as_truncated() {
    let file = sample_file();
    for len in 0..file.len() {
        assert_eq!(class(parse(&file[..len])), "truncated", "{len}");
    }
    let mut longer = file.clone();
    longer.push(0);
    assert_eq!(class(parse(&longer)), "payload");
}

#[test]
fn a_newer_version_with_valid_checks_is_unsupported_not_damaged() {
    let mut file = sample_file();
    file[8..10].copy_from_slice(&2u16.to_be_bytes());
    let check = crypto::sha256(&[&file[..24]]);
    file[24..32].copy_from_slice(&check[..8]);
    assert_eq!(class(parse(&file)), "version");
}

#[test]
fn excessive_kdf_parameters_are_refused_before_deriving() {
    let slot = PassphraseSlot::wrap(
        &[1; 16],
        &[4; 32],
        &[5; 32],
        KdfParams {
            memory_kib: 8 * 1024 * 1024,
            ..FAST
        },
        vec![6; 16],
        [7; NONCE_LEN],
    );
    let header = Header {
        vault_id: [1; 16],
        generation: 1,
        payload_nonce: [2; NONCE_LEN],
        keyslots: vec![Keyslot::Passphrase(slot)],
    };
    let file = seal_file(&header, &[4; 32], b"{}");
    match parse(&file) {
        Err(FormatError::KdfOutOfBounds(e)) => {
            assert_eq!((e.param, e.value), ("memory (KiB)", 8 * 1024 * 1024));
        }
        other => panic!("{other:?}"),
    }
}

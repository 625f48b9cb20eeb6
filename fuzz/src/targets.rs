//! The fuzz targets' bodies: each feeds arbitrary bytes to one parser of keycellar and
//! checks what it may never do (panic, or accept something it cannot give back).
//! `fuzz_targets/*.rs` hand these to libFuzzer; `tests/it/fuzz_regressions.rs` in the main crate
//! runs the same functions over every seed and every crash ever found, in the normal tests.

use keycellar::backup::paper::{self, codes};
use keycellar::crypto;
use keycellar::secret::Secret;
use keycellar::vault::format::{self, keyslot::Keyslot};
use keycellar::vault::payload;
use keycellar::vault::{Passphrase, Vault};
use std::path::Path;

const NAME: &str = "fuzz-input";

/// The vault file parser: preamble, lengths, checksums, header body and keyslots.
pub fn header(data: &[u8]) {
    if let Ok(parsed) = format::parse(data) {
        // Whatever parses re-encodes to the same header body (the flags, which readers
        // ignore, and so the checks over them, may differ).
        let again = format::encode_header(&parsed.header, parsed.sealed_payload.len() as u64);
        let body = |h: &[u8]| h[format::PREAMBLE_LEN..h.len() - format::CHECKSUM_LEN].to_vec();
        assert_eq!(body(&again), body(parsed.header_bytes));
    }
}

/// Recomputes the unkeyed checks (preamble check, header checksum, trailer) where the
/// lengths allow, so that mutations get past them to the keyslots and the payload.
fn with_checksums_fixed(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    if out.len() < format::PREAMBLE_LEN {
        return out;
    }
    let check = crypto::sha256(&[&out[..24]]);
    out[24..32].copy_from_slice(&check[..8]);
    let header_len = u32::from_be_bytes([out[12], out[13], out[14], out[15]]) as usize;
    let payload_len = u64::from_be_bytes(out[16..24].try_into().unwrap_or_default()) as usize;
    let body_end = header_len.saturating_sub(format::CHECKSUM_LEN);
    let sealed_end = header_len.saturating_add(payload_len);
    if body_end >= format::PREAMBLE_LEN && sealed_end.checked_add(32) == Some(out.len()) {
        let checksum = crypto::sha256(&[&out[..body_end]]);
        out[body_end..header_len].copy_from_slice(&checksum);
        let trailer = crypto::sha256(&[&out[..sealed_end]]);
        out[sealed_end..].copy_from_slice(&trailer);
    }
    out
}

/// A full open with the fixture's passphrase, checks recomputed first, for files whose KDF
/// parameters are tiny (larger ones would only make each run slow; the bounds themselves
/// are covered by `header`). Seed: `fixtures/vectors/vault/12-kdf-smallest.kc`.
pub fn open(data: &[u8]) {
    let data = with_checksums_fixed(data);
    let Ok(parsed) = format::parse(&data) else {
        return;
    };
    let tiny = parsed.header.keyslots.iter().all(|slot| match slot {
        Keyslot::Passphrase(p) => p.params.memory_kib <= 64 && p.params.time <= 2,
        _ => true,
    });
    if tiny {
        let passphrase = Secret::new("keycellar-fixture-v1".into());
        let _ = Vault::from_bytes(Path::new(NAME), &data, &mut Passphrase(&passphrase));
    }
}

/// The payload document decoder (entries, backups records).
pub fn payload(data: &[u8]) {
    let _ = payload::decode_contents(data);
}

/// The export document parser, with fingerprint recomputation and entry validation.
pub fn export_doc(data: &[u8]) {
    let _ = keycellar::backup::export::parse(data);
}

/// The typed paper text readers (format 1 and 2), with the mending of typing mistakes.
pub fn paper_text(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = paper::read_typed(text, NAME);
    }
}

/// The QR code text parser and the collection of parts into items.
pub fn qr_chunk(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = codes::Code::parse(text) {
        // A code that parses renders back to a code that parses to the same thing.
        assert_eq!(codes::Code::parse(&code.render()).ok(), Some(code));
    }
    let mut collected = codes::Collected::default();
    for line in text.lines() {
        collected.add(line);
    }
    for item in collected.items() {
        let _ = collected.assemble(item);
    }
}

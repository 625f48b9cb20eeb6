use super::*;

/// RFC 6238 Appendix B's seed for SHA-1: the ASCII "12345678901234567890", in base32.
const RFC_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// RFC 6238 Appendix B, the SHA-1 rows: the time and the 8-digit TOTP published.
const RFC_6238_SHA1: [(u64, &str); 6] = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
];

#[test]
fn the_rfc_6238_vectors_at_eight_digits_and_at_six() {
    let key = decode(RFC_SEED).unwrap();
    assert_eq!(&key[..], b"12345678901234567890");
    let seed = parse_seed(RFC_SEED).unwrap();
    for (time, published) in RFC_6238_SHA1 {
        let eight = hotp(&key, time / STEP_SECONDS, 8);
        assert_eq!(format!("{eight:08}"), published, "at {time}");
        // The injected clock: a moment, not the system's time.
        let at = Timestamp::from_unix_seconds(time).unwrap();
        let (code, remaining) = code_at(&seed, at).unwrap();
        assert_eq!(code, &published[2..], "six digits at {time}");
        assert_eq!(remaining, 30 - time % 30);
    }
}

#[test]
fn seeds_are_read_from_setup_keys_and_uris_and_stored_one_way() {
    let stored = |text: &str| parse_seed(text).map(|s| s.expose().to_string());
    for text in [
        RFC_SEED,
        "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
        "otpauth://totp/Kraken:grid-bot?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Kraken",
        "otpauth://totp/x?algorithm=sha1&digits=6&period=30&secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
    ] {
        assert_eq!(stored(text).unwrap(), RFC_SEED, "{text}");
    }
    for refused in [
        "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ&digits=8",
        "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ&algorithm=SHA256",
        "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ&period=60",
        "otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQ&counter=1",
        "otpauth://totp/x?issuer=Kraken",
        "otpauth-migration://offline?data=CjEKCkhlbGxv",
        "GEZDGNBV",
        "not base32 at all: 0189",
        "",
    ] {
        assert!(
            matches!(
                stored(refused),
                Err(Error::Input(InputError::BadAuthenticator { .. }))
            ),
            "{refused}"
        );
    }
}

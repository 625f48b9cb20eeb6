use super::*;

const KEY: &str = "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y";
const SECRET: &str =
    "FRs+gtq09rR7OFtKj9BGhyOGS3u5vtY/EdiIBO9kD8NFtRX7w7LeJDSrX6cq1D8zmQmGkWFjksuhBvKOAWJohQ==";

#[test]
fn each_shape_is_named_by_the_rules_of_its_exchange() {
    let kraken = Some(Exchange::Kraken);
    let uri = format!("kraken://apikey?key={KEY}&secret={SECRET}");
    let rows: &[(&str, Option<Exchange>, Looks)] = &[
        (KEY, kraken, Looks::PublicKey),
        (SECRET, kraken, Looks::Secret),
        (SECRET, None, Looks::Secret),
        (&uri, None, Looks::KrakenUri),
        ("KRAKEN://apikey?key=a&secret=b", None, Looks::KrakenUri),
        (
            "otpauth://totp/Kraken:api?secret=JBSWY3DPEHPK3PXP&issuer=Kraken",
            None,
            Looks::AuthenticatorUri,
        ),
        ("JBSWY3DPEHPK3PXP", kraken, Looks::AuthenticatorSeed),
        ("jbsw y3dp ehpk 3pxp", kraken, Looks::AuthenticatorSeed),
        ("JBSWY3DPEHPK3PXP", None, Looks::Other),
        (
            "https://www.kraken.com/u/security/api",
            None,
            Looks::WebAddress,
        ),
        ("CJbfPw...I3y", kraken, Looks::MaskedKey),
        ("CJbfPw4tnbf\u{2026}I3y", None, Looks::MaskedKey),
        (
            "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----",
            None,
            Looks::Secret,
        ),
        (
            "0123456789ABCDEF0123456789ABCDEF",
            Some(Exchange::Okx),
            Looks::Secret,
        ),
        (
            "6f2d1c0e-4b3a-4a59-8e7d-1f2e3d4c5b6a",
            Some(Exchange::Okx),
            Looks::Other,
        ),
        (
            "6f2d1c0e-4b3a-4a59-8e7d-1f2e3d4c5b6a",
            Some(Exchange::Kucoin),
            Looks::Secret,
        ),
        // Binance keys and secrets have one shape: neither is named.
        (&"a1".repeat(32), Some(Exchange::Binance), Looks::Other),
        ("account-abc", Some(Exchange::Gemini), Looks::Other),
        ("", kraken, Looks::Other),
    ];
    for (value, exchange, expected) in rows {
        assert_eq!(
            looks(value, *exchange),
            *expected,
            "{value:?} on {exchange:?}"
        );
    }
}

fn misplaced_of(result: Result<()>) -> Option<(Part, Looks, Given)> {
    match result {
        Err(Error::Input(InputError::Misplaced(m))) => Some((m.part, m.looks, m.given)),
        _ => None,
    }
}

#[test]
fn a_pair_swapped_is_named_as_swapped_and_a_secret_alone_as_the_secret() {
    let line = Given::CommandLine;
    let swapped = check_pair(Exchange::Kraken, (SECRET, line), (KEY, Given::File));
    assert!(matches!(
        swapped,
        Err(Error::Input(InputError::Swapped {
            key_given: Given::CommandLine
        }))
    ));
    let secret_twice = check_pair(Exchange::Kraken, (SECRET, line), (SECRET, Given::File));
    assert_eq!(
        misplaced_of(secret_twice),
        Some((Part::PublicKey, Looks::Secret, line))
    );
    let key_twice = check_pair(Exchange::Kraken, (KEY, line), (KEY, Given::File));
    assert_eq!(
        misplaced_of(key_twice),
        Some((Part::Secret, Looks::PublicKey, Given::File))
    );
    let binance = "a1".repeat(32);
    let same = check_pair(Exchange::Binance, (&binance, line), (&binance, Given::File));
    assert_eq!(
        misplaced_of(same),
        Some((Part::Secret, Looks::PublicKey, Given::File))
    );
    assert!(check_pair(Exchange::Kraken, (KEY, line), (SECRET, Given::File)).is_ok());
}

#[test]
fn paths_qr_codes_and_details_are_checked_for_what_they_hold() {
    let uri = format!("kraken://apikey?key={KEY}&secret={SECRET}");
    assert_eq!(
        misplaced_of(check_path(&uri)),
        Some((Part::Path, Looks::KrakenUri, Given::CommandLine))
    );
    assert!(check_path("new-secret.txt").is_ok());
    assert!(check_path("/home/me/keys/kraken.secret").is_ok());
    let otp = "otpauth://totp/Kraken?secret=JBSWY3DPEHPK3PXP".to_string();
    assert_eq!(
        misplaced_of(check_qr_codes(std::slice::from_ref(&otp))),
        Some((Part::KrakenQr, Looks::AuthenticatorUri, Given::QrCode))
    );
    assert!(check_qr_codes(&["some other text".into()]).is_ok());
    assert_eq!(
        misplaced_of(check_kraken_uri(&otp, Given::File)),
        Some((Part::KrakenUri, Looks::AuthenticatorUri, Given::File))
    );
    assert!(check_kraken_uri(&uri, Given::File).is_ok());
    assert!(check_authenticator(&otp, Given::File).is_ok());
    assert!(check_authenticator(&uri, Given::File).is_err());
    assert!(
        check_detail(
            "note",
            "second VPS, see https://example.com",
            Given::CommandLine
        )
        .is_ok()
    );
    assert!(check_detail("note", SECRET, Given::CommandLine).is_err());
}

//! Reading a key's parts for `add` and `rotate`: from flags, files, Kraken's key URI or QR
//! code, asking on the terminal for what is missing (secrets hidden).

use super::args::CredentialArgs;
use super::prompt::{self, Asked};
use super::report::{Failure, Result};
use keycellar::Error;
use keycellar::backup::paper;
use keycellar::clock::Date;
use keycellar::credential::exchange::Exchange;
use keycellar::credential::kraken_uri;
use keycellar::credential::lifecycle::NewKey;
use keycellar::credential::otp;
use keycellar::credential::paste;
use keycellar::credential::validate;
use keycellar::error::PaperError;
use keycellar::error::paste::Given;
use keycellar::secret::Secret;
use keycellar::source::{InputSource, MAX_SECRET_LEN};
use std::path::Path;

/// The public key, secret and API passphrase from flags, files, Kraken's URI or QR code,
/// asking on the terminal for what is missing (secrets hidden). Each is checked for being
/// what it was given as (`keycellar::credential::paste`) before the next is asked for.
pub fn read(from: &CredentialArgs, exchange: Exchange) -> Result<NewKey> {
    check_arguments(from, Some(exchange))?;
    let (key, secret) = if let Some(image) = &from.qr {
        kraken_qr(image)?
    } else if let Some(source) = &from.kraken_uri_file {
        let text = source.read_text("Kraken key URI", MAX_SECRET_LEN)?;
        paste::check_kraken_uri(&text, Given::File)?;
        kraken_uri::parse(&text)?
    } else {
        key_and_secret(from, exchange)?
    };
    let api_passphrase = match &from.api_passphrase_file {
        Some(source) => Some(source.secret("API passphrase")?),
        None if exchange.requires_api_passphrase() => Some(prompt::hidden(
            "API passphrase (hidden): ",
            Asked::by("the API passphrase", "--api-passphrase-file"),
        )?),
        None => None,
    };
    Ok(NewKey {
        api_key: key,
        secret,
        api_passphrase,
        otp_seed: otp_seed(from)?,
    })
}

/// The authenticator seed of a Kraken key with authenticator 2FA, from its setup key or URI
/// in a file, or its QR code in a screenshot.
fn otp_seed(from: &CredentialArgs) -> Result<Option<Secret>> {
    let text = if let Some(source) = &from.otp_file {
        let text = source.secret("authenticator seed")?;
        paste::check_authenticator(text.expose(), Given::File)?;
        text
    } else if let Some(image) = &from.otp_qr {
        authenticator_qr(image)?
    } else {
        return Ok(None);
    };
    Ok(Some(otp::parse_seed(text.expose())?))
}

/// The `otpauth://` text of the authenticator QR code in a screenshot.
fn authenticator_qr(image: &Path) -> Result<Secret> {
    let mut found = paper::qr::read(&paper::qr::load(image)?);
    let uri = found
        .iter()
        .find(|text| text.to_ascii_lowercase().starts_with("otpauth://"));
    let read = match uri {
        Some(uri) => Ok(Secret::new(uri.clone())),
        None => (found.iter())
            .try_for_each(|text| paste::check_authenticator(text, Given::QrCode))
            .and(Err(Error::Paper(PaperError::NoAuthenticatorQr {
                path: image.to_path_buf(),
            }))),
    };
    zeroize::Zeroize::zeroize(&mut found);
    Ok(read?)
}

/// The public key and the secret given one by one, the pair checked for being swapped.
fn key_and_secret(from: &CredentialArgs, exchange: Exchange) -> Result<(String, Secret)> {
    let (key, key_given) = match &from.key {
        Some(key) => (key.clone(), Given::CommandLine),
        None => {
            let key =
                prompt::visible("Public API key: ", Asked::by("the public API key", "--key"))?;
            paste::check_public_key(&key, Some(exchange), Given::VisiblePrompt)?;
            (key, Given::VisiblePrompt)
        }
    };
    let (secret, secret_given) = match &from.secret_file {
        Some(source) => (source.secret("API secret")?, Given::File),
        None => {
            let asked = Asked::by("the API secret", "--secret-file");
            (
                prompt::secret("API secret (hidden): ", asked)?,
                Given::HiddenPrompt,
            )
        }
    };
    paste::check_pair(exchange, (&key, key_given), (secret.expose(), secret_given))?;
    Ok((key, secret))
}

/// Checks what the command line gives before anything is asked, read or opened: a public
/// key that is not one (unless a secret file is given, which may show the two swapped: that
/// is checked once it is read), and a file's path that is what the file should hold.
/// `exchange` is `None` before the entry is known.
pub fn check_arguments(from: &CredentialArgs, exchange: Option<Exchange>) -> Result<()> {
    if let (Some(key), None) = (&from.key, &from.secret_file) {
        paste::check_public_key(key, exchange, Given::CommandLine)?;
    }
    let files = [
        &from.secret_file,
        &from.api_passphrase_file,
        &from.kraken_uri_file,
        &from.otp_file,
    ];
    for source in files.into_iter().flatten() {
        if let InputSource::File(path) = source {
            paste::check_path(&path.to_string_lossy())?;
        }
    }
    for image in [&from.qr, &from.otp_qr].into_iter().flatten() {
        paste::check_path(&image.to_string_lossy())?;
    }
    Ok(())
}

/// Refuses details kept in the clear (label, note, ...) that hold secret material: single
/// values by name (absent ones skipped), and every item of the lists.
pub fn check_details(
    values: &[(&'static str, Option<&String>)],
    lists: &[(&'static str, &[String])],
) -> Result<()> {
    let values = values
        .iter()
        .filter_map(|(name, value)| value.map(|value| (*name, value)));
    let items = lists
        .iter()
        .flat_map(|(name, items)| items.iter().map(|item| (*name, item)));
    for (name, value) in values.chain(items) {
        paste::check_detail(name, value, Given::CommandLine)?;
    }
    Ok(())
}

/// The public key and secret from a screenshot of Kraken's key QR code.
pub fn kraken_qr(image: &Path) -> Result<(String, Secret)> {
    let mut found = paper::qr::read(&paper::qr::load(image)?);
    let parsed = match found
        .iter()
        .find(|text| text.starts_with("kraken://apikey?"))
    {
        Some(uri) => kraken_uri::parse(uri),
        None => paste::check_qr_codes(&found).and(Err(Error::Paper(PaperError::NoKrakenQr {
            path: image.to_path_buf(),
        }))),
    };
    zeroize::Zeroize::zeroize(&mut found);
    Ok(parsed?)
}

/// A `YYYY-MM-DD` flag value.
pub fn parse_date(text: Option<&str>) -> Result<Option<Date>> {
    text.map(|t| t.parse::<Date>().map_err(Failure::Usage))
        .transpose()
}

/// Refuses permission names the exchange does not list, by the library's rule, before the
/// vault is opened; the message names the flag that takes a name outside the list.
pub fn check_permission_names(exchange: Exchange, names: &[String]) -> Result<()> {
    validate::check_permission_names(exchange, names).map_err(|error| {
        Failure::Usage(format!(
            "{error}. A permission this list lacks can be given with --permission-other \
             (add, rotate) or --add-permission-other (edit)"
        ))
    })
}

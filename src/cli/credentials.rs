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
use keycellar::credential::validate;
use keycellar::error::PaperError;
use keycellar::secret::Secret;
use keycellar::source::MAX_SECRET_LEN;
use std::path::Path;

/// The public key, the secret and the API passphrase of a key.
pub type Credential = (String, Secret, Option<Secret>);

/// The public key, secret and API passphrase from flags, files, Kraken's URI or QR code,
/// asking on the terminal for what is missing (secrets hidden).
pub fn read(from: &CredentialArgs, exchange: Exchange) -> Result<Credential> {
    let (key, secret) = if let Some(image) = &from.qr {
        kraken_qr(image)?
    } else if let Some(source) = &from.kraken_uri_file {
        kraken_uri::parse(&source.read_text("Kraken key URI", MAX_SECRET_LEN)?)?
    } else {
        let key = match &from.key {
            Some(key) => key.clone(),
            None => prompt::visible("Public API key: ", Asked::by("the public API key", "--key"))?,
        };
        let secret = match &from.secret_file {
            Some(source) => source.secret("API secret")?,
            None => prompt::secret(
                "API secret (hidden): ",
                Asked::by("the API secret", "--secret-file"),
            )?,
        };
        (key, secret)
    };
    let api_passphrase = match &from.api_passphrase_file {
        Some(source) => Some(source.secret("API passphrase")?),
        None if exchange.requires_api_passphrase() => Some(prompt::hidden(
            "API passphrase (hidden): ",
            Asked::by("the API passphrase", "--api-passphrase-file"),
        )?),
        None => None,
    };
    Ok((key, secret, api_passphrase))
}

/// The public key and secret from a screenshot of Kraken's key QR code.
pub fn kraken_qr(image: &Path) -> Result<(String, Secret)> {
    let mut found = paper::qr::read(&paper::qr::load(image)?);
    let parsed = match found
        .iter()
        .find(|text| text.starts_with("kraken://apikey?"))
    {
        Some(uri) => kraken_uri::parse(uri),
        None => Err(Error::Paper(PaperError::NoKrakenQr {
            path: image.to_path_buf(),
        })),
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

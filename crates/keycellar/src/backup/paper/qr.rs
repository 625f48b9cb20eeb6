//! QR symbols: encoding with a capped version, decoding our own module matrix back before
//! anything is printed, and reading codes from scans and photos (pure Rust: rxing, a port
//! of ZXing and zxing-cpp, through `detect`; rqrr read too few codes of a dense page in our
//! trials).

use super::detect::{self, Readers};
use crate::error::PaperError;
use crate::error::{Error, Result};
use image::GrayImage;
use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};
use std::path::Path;
use std::sync::OnceLock;

/// Highest QR version keycellar prints: small codes survive wear and cheap scanners.
pub const MAX_VERSION: i16 = 16;
/// Error correction level: M restores about 15% of damaged codewords.
pub const EC_LEVEL: EcLevel = EcLevel::M;
/// Quiet zone on each side, in modules (the QR standard asks for 4).
pub const QUIET_ZONE: usize = 4;

/// Modules on a side of a code of `version` (quiet zone aside).
pub fn width_of(version: i16) -> usize {
    17 + 4 * version as usize
}

/// An encoded QR symbol.
pub struct Symbol {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    pub version: i16,
    /// Row-major, `true` for dark modules.
    pub dark: Vec<bool>,
}

/// The QR alphanumeric character set, the densest mode our codes' text fits.
fn is_alphanumeric(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b))
}

/// `text` as a code of `version`: in one alphanumeric segment when it fits that set (the
/// crate's mixed-mode optimiser can cost a few characters of capacity), else as it chooses.
/// A last word of digits alone (a parity code's data, FORMAT.md 8.8) is a numeric segment
/// of its own: 10 bits for three digits, against 16.5 as alphanumeric.
fn code_of_version(text: &str, version: i16) -> Option<QrCode> {
    let mut bits = Bits::new(Version::Normal(version));
    let (head, digits) = text.rsplit_once(' ').map_or(("", text), |(h, d)| (h, d));
    let numeric = digits.len() >= MIN_NUMERIC && digits.bytes().all(|b| b.is_ascii_digit());
    let pushed = if numeric && is_alphanumeric(head) {
        bits.push_alphanumeric_data(format!("{head} ").as_bytes())
            .and_then(|()| bits.push_numeric_data(digits.as_bytes()))
    } else if is_alphanumeric(text) {
        bits.push_alphanumeric_data(text.as_bytes())
    } else {
        bits.push_optimal_data(text.as_bytes())
    };
    pushed.ok()?;
    bits.push_terminator(EC_LEVEL).ok()?;
    QrCode::with_bits(bits, EC_LEVEL).ok()
}

/// Digits at the end of a code's text from which they are a numeric segment of their own:
/// below that, the segment's own header costs more than it saves.
const MIN_NUMERIC: usize = 8;

/// Encodes `text` in the smallest version that holds it, refusing anything above
/// [`MAX_VERSION`].
pub fn encode(text: &str) -> Result<Symbol> {
    let (version, code) = (1..=MAX_VERSION)
        .find_map(|v| code_of_version(text, v).map(|code| (v, code)))
        .ok_or_else(|| {
            Error::Internal(format!(
                "a code of {} characters does not fit QR version {MAX_VERSION}",
                text.len()
            ))
        })?;
    Ok(Symbol {
        width: code.width(),
        version,
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    })
}

/// Most data characters (base32 without its `=` padding, so all in QR's alphanumeric set)
/// that fit in one code after a `header_len` header.
pub fn max_data_chars(header_len: usize) -> usize {
    static CACHE: OnceLock<usize> = OnceLock::new();
    let total = *CACHE.get_or_init(|| {
        let fits = |n: usize| code_of_version(&"A".repeat(n), MAX_VERSION).is_some();
        let (mut low, mut high) = (1usize, 8192usize);
        while low < high {
            let mid = (low + high).div_ceil(2);
            if fits(mid) { low = mid } else { high = mid - 1 }
        }
        low
    });
    total.saturating_sub(header_len)
}

/// Most digits that fit in one code after a `header_len` header (a parity code's, its
/// digits a numeric segment: FORMAT.md 8.8).
pub fn max_digits(header_len: usize) -> usize {
    let header = "A".repeat(header_len.saturating_sub(1)) + " ";
    let fits =
        |n: usize| code_of_version(&(header.clone() + &"0".repeat(n)), MAX_VERSION).is_some();
    let (mut low, mut high) = (0usize, 16384usize);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if fits(mid) { low = mid } else { high = mid - 1 }
    }
    low
}

/// Renders a symbol as a grey image: `scale` pixels per module, with the quiet zone.
pub fn rasterize(symbol: &Symbol, scale: u32) -> GrayImage {
    let side = (symbol.width + 2 * QUIET_ZONE) as u32 * scale;
    GrayImage::from_fn(side, side, |x, y| {
        let mx = (x / scale) as usize;
        let my = (y / scale) as usize;
        let inside = (QUIET_ZONE..QUIET_ZONE + symbol.width).contains(&mx)
            && (QUIET_ZONE..QUIET_ZONE + symbol.width).contains(&my);
        let dark = inside && symbol.dark[(my - QUIET_ZONE) * symbol.width + mx - QUIET_ZONE];
        image::Luma([if dark { 0 } else { 255 }])
    })
}

/// Decodes our own module matrix with an independent decoder and insists on `expected`.
pub fn self_check(symbol: &Symbol, expected: &str) -> Result<()> {
    if detect::decode(&rasterize(symbol, 4), Readers::FinderSets)
        .iter()
        .any(|text| text == expected)
    {
        Ok(())
    } else {
        Err(Error::Internal(
            "a printed code did not decode back to its content; the sheet was not written".into(),
        ))
    }
}

/// The largest image file keycellar reads.
pub const MAX_IMAGE_FILE_LEN: u64 = 64 * 1024 * 1024;
/// The most pixels keycellar decodes: a 600 dpi A4 scan is about 35 million.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// Loads a scan or photo (PNG or JPEG) as a grey image. Its size on disk and its pixel
/// count (read from its header) are checked before it is decoded, and the decoder's
/// allocations are capped: a small file may claim a huge image.
pub fn load(path: &Path) -> Result<GrayImage> {
    let bad = |why: String| {
        Error::Paper(PaperError::BadImage {
            path: path.to_path_buf(),
            why,
        })
    };
    let bytes = crate::source::read_file_bounded(path, "image", MAX_IMAGE_FILE_LEN)?;
    if bytes.starts_with(b"%PDF-") {
        return Err(bad(
            "it is a PDF, not a scan; render its pages first, e.g. \
             pdftoppm -r 300 -png sheet.pdf page"
                .into(),
        ));
    }
    // The image crate's own messages speak of extensions and decoders; say what the file
    // is and what was expected instead.
    let not_an_image = || {
        bad("it is not an image keycellar reads (PNG or JPEG), or it \
             is damaged"
            .into())
    };
    let reader = || {
        image::ImageReader::new(std::io::Cursor::new(&bytes[..]))
            .with_guessed_format()
            .map_err(|_| not_an_image())
    };
    let (width, height) = reader()?.into_dimensions().map_err(|_| not_an_image())?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_IMAGE_PIXELS {
        return Err(Error::Paper(PaperError::ImageTooLarge {
            path: path.to_path_buf(),
            pixels,
            limit: MAX_IMAGE_PIXELS,
        }));
    }
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(4 * MAX_IMAGE_PIXELS + 64 * 1024 * 1024);
    let mut decoder = reader()?;
    decoder.limits(limits);
    let image = decoder.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => bad("decoding it would take more memory than \
             keycellar allows for an image"
            .into()),
        _ => not_an_image(),
    })?;
    Ok(image.to_luma8())
}

/// Reads every QR code in a scan or photo, at any angle (`detect`).
pub fn read(image: &GrayImage) -> Vec<String> {
    detect::decode(image, Readers::Both)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_holds_and_full_codes_decode_back() {
        let header = "KC2 7F3A9C2E E001 01/02 ";
        let max = max_data_chars(header.len());
        assert!(max > 600, "{max}");
        let text = format!("{header}{}", &"MFRGGZDFMZ".repeat(max / 10 + 1)[..max]);
        let symbol = encode(&text).unwrap();
        assert!(symbol.version <= MAX_VERSION);
        self_check(&symbol, &text).unwrap();
        assert!(self_check(&symbol, "something else").is_err());
        assert!(encode(&format!("{text}A")).is_err(), "the cap is exact");
        assert!(encode(&"A".repeat(5000)).is_err());
    }
}

//! Finding every QR code of a scanned page, whatever its angle.
//!
//! ZXing's generic multi-code reader (what keycellar used alone before) finds one code,
//! then looks for more in the four strips left of, above, right of and below that code's
//! upright bounding box. On a page turned by 14° to 75° the neighbours of a code straddle
//! those strip edges, so every strip holds only part of them and they are never read,
//! although each reads alone. The finder-pattern-set reader (rxing's port of zxing-cpp)
//! instead finds every finder pattern of the page, groups them in threes by size and
//! geometry, and samples each code along its own axes: the page's angle and a moderate
//! perspective do not matter to it. Both run, and their codes are joined: each reads a
//! few codes the other misses on blurred, noisy or small scans (docs/PERFORMANCE.md).

use image::GrayImage;
use image::imageops::{self, FilterType};
use rxing::common::HybridBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::qrcode::cpp_port::QrReader;
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiUseMultiFormatReader,
};
use std::collections::BTreeSet;

/// Which of rxing's readers to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readers {
    /// The finder-pattern-set reader alone: enough for a code keycellar just drew.
    FinderSets,
    /// It and the generic multi-code reader, codes joined: for scans and photos.
    Both,
}

/// The text of every QR code found in `image`, each once.
pub fn decode(image: &GrayImage, readers: Readers) -> Vec<String> {
    let mut found: BTreeSet<String> = run(image, QrReader).into_iter().collect();
    if readers == Readers::Both {
        let generic = GenericMultipleBarcodeReader::new(MultiUseMultiFormatReader::default());
        found.extend(run(image, generic));
    }
    found.into_iter().collect()
}

/// The QR codes one reader finds, trying hard (every row of the image is scanned).
fn run(image: &GrayImage, mut reader: impl MultipleBarcodeReader) -> Vec<String> {
    let (width, height) = image.dimensions();
    let Ok(source) = Luma8LuminanceSource::new(image.as_raw().clone(), width, height) else {
        return Vec::new();
    };
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = DecodeHints {
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    reader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .map(|results| {
            results
                .into_iter()
                .filter(|r| *r.getBarcodeFormat() == BarcodeFormat::QR_CODE)
                .map(|r| r.getText().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Another look at a scan whose codes were not all read: each helps a different damage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum View {
    /// Gaussian-smoothed by this sigma, in pixels: speckle and sensor noise.
    Smoothed(f32),
    /// Resized by this factor: a code whose modules straddle pixels badly at one size.
    Scaled(f32),
    /// Doubled in size and sharpened: a blurred or low-resolution scan.
    Sharpened,
}

impl View {
    /// The view of `image`.
    pub fn of(self, image: &GrayImage) -> GrayImage {
        let resize = |factor: f32| {
            let (width, height) = image.dimensions();
            let (w, h) = (width as f32 * factor, height as f32 * factor);
            imageops::resize(image, w as u32, h as u32, FilterType::Triangle)
        };
        match self {
            View::Smoothed(sigma) => imageops::blur(image, sigma),
            View::Scaled(factor) => resize(factor),
            View::Sharpened => imageops::unsharpen(&resize(2.0), 2.0, 10),
        }
    }

    /// What the view is, for a progress line ("smoothed", "at 70%").
    pub fn describe(self) -> String {
        match self {
            View::Smoothed(_) => "smoothed".to_string(),
            View::Scaled(factor) => format!("at {:.0}%", factor * 100.0),
            View::Sharpened => "enlarged and sharpened".to_string(),
        }
    }

    /// How many times more pixels the view has than the scan.
    fn growth(self) -> f32 {
        match self {
            View::Smoothed(_) => 1.0,
            View::Scaled(factor) => factor * factor,
            View::Sharpened => 4.0,
        }
    }
}

/// The views a `width` x `height` scan is read again in when codes are missing, in order;
/// none has more pixels than a scan may have (`max_pixels`), so a 600 dpi page is not
/// enlarged and a blank one of the largest size costs no more than its own size again.
pub fn retry_views(width: u32, height: u32, max_pixels: u64) -> Vec<View> {
    let pixels = f64::from(width) * f64::from(height);
    [
        View::Smoothed(1.0),
        View::Smoothed(2.0),
        View::Scaled(0.7),
        View::Scaled(1.4),
        View::Sharpened,
    ]
    .into_iter()
    .filter(|view| pixels * f64::from(view.growth()) <= max_pixels as f64)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_is_never_read_again_at_more_pixels_than_a_scan_may_have() {
        // A phone photo or a 150 dpi page is read again larger; a 600 dpi A4 page is not.
        let max = 40_000_000;
        assert_eq!(retry_views(3024, 4032, max).len(), 4);
        assert_eq!(retry_views(1240, 1754, max).len(), 5);
        let large = retry_views(4960, 7016, max);
        assert_eq!(
            large,
            [View::Smoothed(1.0), View::Smoothed(2.0), View::Scaled(0.7)]
        );
    }
}

//! What an upload must be before anything is stored: one of the three types it says it is, whole,
//! and within the pixel limit — the dimensions read from the header first, so a small file that
//! claims a huge image (a decompression bomb) is refused before a pixel is allocated.

use std::io::Cursor;

use atelier_api::ErrorCode;
use atelier_api::limits::{LIMITS, MAX_DECODED_SIDE_PX};
use atelier_api::uploads::UPLOAD_CONTENT_TYPES;
use image::{ImageFormat, ImageReader};

use crate::error::ApiError;
use crate::generations::thumbnail::{self, Decoded};

/// The upload, decoded once and thumbnailed.
pub type Inspected = Decoded;

/// The `Content-Type` an upload came with, if it is one of the three accepted (known before a
/// byte of the body is read).
pub fn declared_type(header: Option<&str>) -> Result<&'static str, ApiError> {
    let declared = header
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    UPLOAD_CONTENT_TYPES
        .into_iter()
        .find(|t| *t == declared)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!(
                    "upload a PNG, JPEG or WebP image with its Content-Type ({}), not {declared:?}",
                    UPLOAD_CONTENT_TYPES.join(", ")
                ),
            )
        })
}

/// Checks `bytes` against the type they came with ([`declared_type`]); the error says what is
/// wrong.
pub fn inspect(declared: &'static str, bytes: &[u8]) -> Result<Inspected, ApiError> {
    let invalid = |why: &str| ApiError::new(ErrorCode::InvalidImage, why.to_owned());
    let actual = match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => "image/png",
        Ok(ImageFormat::Jpeg) => "image/jpeg",
        Ok(ImageFormat::WebP) => "image/webp",
        _ => return Err(invalid("these bytes are not a PNG, JPEG or WebP image")),
    };
    if actual != declared {
        return Err(invalid(&format!(
            "these bytes are {actual}, not the {declared} the Content-Type says"
        )));
    }
    let format = ImageFormat::from_mime_type(actual)
        .ok_or_else(|| invalid("these bytes are not an image we read"))?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| invalid("the image's header is damaged or cut short"))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > u64::from(LIMITS.max_upload_pixels)
        || width > MAX_DECODED_SIDE_PX
        || height > MAX_DECODED_SIDE_PX
    {
        return Err(ApiError::new(
            ErrorCode::ImageTooLarge,
            format!(
                "the image is {width} × {height} pixels; at most {} megapixels (and {MAX_DECODED_SIDE_PX} px a side) are accepted",
                LIMITS.max_upload_pixels / 1_000_000
            ),
        ));
    }
    if actual == "image/jpeg" && !jpeg_ends(bytes) {
        // The JPEG decoder fills a cut-short scan with grey instead of failing.
        return Err(invalid("the image is cut short"));
    }
    let decoded = thumbnail::decode(bytes, LIMITS.thumbnail_max_side_px)
        .ok_or_else(|| invalid("the image is damaged or cut short"))?;
    if (decoded.width, decoded.height) != (width, height) {
        return Err(invalid("the image's header does not match its pixels"));
    }
    Ok(decoded)
}

/// A whole JPEG has an end-of-image marker after its last scan.
fn jpeg_ends(bytes: &[u8]) -> bool {
    let last = |marker: [u8; 2]| bytes.windows(2).rposition(|w| w == marker);
    match (last([0xFF, 0xDA]), last([0xFF, 0xD9])) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]))
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]))
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .unwrap();
        out
    }

    /// What the route does: the header's type, then the bytes against it.
    fn check(header: Option<&str>, bytes: &[u8]) -> Result<Inspected, ApiError> {
        inspect(declared_type(header)?, bytes)
    }

    fn code(result: Result<Inspected, ApiError>) -> ErrorCode {
        result.err().map(|e| e.code()).unwrap()
    }

    #[test]
    fn a_whole_image_of_the_declared_type_passes_with_its_size_and_a_thumbnail() {
        let ok = check(Some("image/png"), &png(640, 480)).unwrap();
        assert_eq!(
            (ok.width, ok.height, ok.content_type),
            (640, 480, "image/png")
        );
        assert!(!ok.thumbnail.is_empty());
        let ok = check(Some("Image/JPEG; charset=binary"), &jpeg(64, 32)).unwrap();
        assert_eq!(ok.content_type, "image/jpeg");
    }

    #[test]
    fn other_types_are_unsupported_and_bytes_that_lie_are_invalid() {
        assert_eq!(
            code(check(Some("image/gif"), &png(4, 4))),
            ErrorCode::UnsupportedMediaType
        );
        assert_eq!(
            code(check(None, &png(4, 4))),
            ErrorCode::UnsupportedMediaType
        );
        assert_eq!(
            code(check(Some("image/jpeg"), &png(4, 4))),
            ErrorCode::InvalidImage
        );
        assert_eq!(
            code(check(Some("image/png"), b"hello, world")),
            ErrorCode::InvalidImage
        );
        assert_eq!(code(check(Some("image/png"), b"")), ErrorCode::InvalidImage);
    }

    #[test]
    fn cut_short_images_are_invalid() {
        let whole = png(300, 200);
        assert_eq!(
            code(check(Some("image/png"), &whole[..whole.len() / 2])),
            ErrorCode::InvalidImage
        );
        assert_eq!(
            code(check(Some("image/png"), &whole[..20])),
            ErrorCode::InvalidImage
        );
        let whole = jpeg(300, 200);
        assert_eq!(
            code(check(Some("image/jpeg"), &whole[..whole.len() - 40])),
            ErrorCode::InvalidImage
        );
    }

    /// Valid PNGs of a few hundred KB that decode to hundreds of MB: refused from the header.
    #[test]
    fn a_decompression_bomb_is_too_large_before_it_is_decoded() {
        use atelier_simulators::kie::bomb::zeros_png;
        for (width, height) in [(20_000, 20_000), (8_000, 8_000)] {
            let bomb = zeros_png(width, height).unwrap();
            assert_eq!(
                code(check(Some("image/png"), &bomb)),
                ErrorCode::ImageTooLarge
            );
        }
        // Within the side limit but over the pixel limit.
        assert_eq!(
            code(check(Some("image/png"), &png(4_200, 4_100))),
            ErrorCode::ImageTooLarge
        );
    }
}

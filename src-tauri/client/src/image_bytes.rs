//! Image bytes that came from the service (originals, thumbnails): what they are, read from the
//! bytes themselves rather than from what the service says, and decoded only within limits
//! (`atelier_api::limits`), so a small file that claims huge dimensions (a decompression bomb) is
//! refused from its header before any pixel is allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader};

pub use atelier_imaging::decoder_limits;

/// The format the bytes are in, by their signature: PNG, JPEG or WebP, the formats the service
/// stores; `None` for anything else.
pub fn format(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// The `Content-Type` for the bytes, by their signature; `None` when they are none of the image
/// formats the service stores (serve them as `application/octet-stream`, never as what the
/// service claimed).
pub fn content_type(bytes: &[u8]) -> Option<&'static str> {
    match format(bytes)? {
        ImageFormat::Png => Some("image/png"),
        ImageFormat::Jpeg => Some("image/jpeg"),
        ImageFormat::WebP => Some("image/webp"),
        _ => None,
    }
}

/// Decodes a PNG, JPEG or WebP within [`decoder_limits`].
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let format = format(bytes).ok_or_else(|| {
        ImageError::Unsupported(image::error::UnsupportedError::from_format_and_kind(
            image::error::ImageFormatHint::Unknown,
            image::error::UnsupportedErrorKind::Format(image::error::ImageFormatHint::Unknown),
        ))
    })?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits());
    reader.decode()
}

/// The image as RGBA pixels with its width and height (what a clipboard takes), decoded within
/// [`decoder_limits`].
pub fn rgba(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), crate::error::ClientError> {
    let decoded = decode(bytes)
        .map_err(|e| crate::error::ClientError::Protocol(format!("decoding the image: {e}")))?
        .into_rgba8();
    let (width, height) = decoded.dimensions();
    Ok((decoded.into_raw(), width, height))
}

#[cfg(test)]
mod tests {
    use atelier_api::limits::MAX_DECODED_SIDE_PX;

    use super::*;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            width,
            height,
            image::Rgb([10, 200, 30]),
        ))
        .write_to(&mut out, format)
        .unwrap();
        out.into_inner()
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(
            content_type(&encoded(4, 4, ImageFormat::Png)),
            Some("image/png")
        );
        assert_eq!(
            content_type(&encoded(4, 4, ImageFormat::Jpeg)),
            Some("image/jpeg")
        );
        assert_eq!(
            content_type(&encoded(4, 4, ImageFormat::WebP)),
            Some("image/webp")
        );
        for other in [
            &b"<html><script>alert(1)</script></html>"[..],
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"GIF89a",
            b"",
        ] {
            assert_eq!(content_type(other), None);
        }
    }

    #[test]
    fn ordinary_images_decode() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
            let image = decode(&encoded(32, 16, format)).unwrap();
            assert_eq!((image.width(), image.height()), (32, 16), "{format:?}");
        }
        assert!(decode(b"<html></html>").is_err());
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // 144 million pixels in under a megabyte.
        let bomb = atelier_simulators::kie::bomb::zeros_png(12_000, 12_000).unwrap();
        let started = std::time::Instant::now();
        assert!(matches!(decode(&bomb), Err(ImageError::Limits(_))));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // Within the sides, over the allocation: 8192 × 8192 RGBA is 256 MiB of pixels.
        let heavy =
            atelier_simulators::kie::bomb::zeros_png_rgba(MAX_DECODED_SIDE_PX, MAX_DECODED_SIDE_PX)
                .unwrap();
        assert!(matches!(decode(&heavy), Err(ImageError::Limits(_))));
        // A JPEG one pixel too wide.
        let wide = encoded(MAX_DECODED_SIDE_PX + 1, 1, ImageFormat::Jpeg);
        assert!(matches!(decode(&wide), Err(ImageError::Limits(_))));
    }
}

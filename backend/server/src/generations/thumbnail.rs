//! Reading a downloaded result: it must decode as an image within the decoder limits (sides and
//! allocation, `atelier_api::limits`), which refuse a decompression bomb from its header; the
//! thumbnail is its longest side scaled to 512 px (never up), as JPEG.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

pub use atelier_imaging::decoder_limits;

/// The JPEG quality of a thumbnail.
pub const QUALITY: u8 = 82;

pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    pub extension: &'static str,
    /// JPEG bytes of the thumbnail.
    pub thumbnail: Vec<u8>,
}

/// Decodes `bytes` (PNG, JPEG or WebP) and makes its thumbnail; `None` when it is not an image we read.
pub fn decode(bytes: &[u8], max_side: u32) -> Option<Decoded> {
    let (image, content_type, extension) = read(bytes)?;
    let (width, height) = (image.width(), image.height());
    let thumbnail = atelier_imaging::jpeg(&atelier_imaging::scaled(image, max_side)?, QUALITY)?;
    Some(Decoded {
        width,
        height,
        content_type,
        extension,
        thumbnail,
    })
}

/// The image in `bytes`, within the decoder limits, with its content type and extension.
pub fn read(bytes: &[u8]) -> Option<(DynamicImage, &'static str, &'static str)> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    reader.limits(decoder_limits());
    let (content_type, extension) = match reader.format()? {
        ImageFormat::Png => ("image/png", "png"),
        ImageFormat::Jpeg => ("image/jpeg", "jpg"),
        ImageFormat::WebP => ("image/webp", "webp"),
        _ => return None,
    };
    Some((reader.decode().ok()?, content_type, extension))
}

#[cfg(test)]
mod tests {
    use atelier_api::limits::MAX_DECODED_SIDE_PX;

    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn thumbnails_fit_the_longest_side_and_keep_the_aspect() {
        let d = decode(&png(1024, 576), 512).unwrap();
        assert_eq!(
            (d.width, d.height, d.content_type),
            (1024, 576, "image/png")
        );
        let thumb = image::load_from_memory(&d.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (512, 288));
    }

    #[test]
    fn small_images_are_not_scaled_up() {
        let d = decode(&png(100, 40), 512).unwrap();
        let thumb = image::load_from_memory(&d.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (100, 40));
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // 144 million pixels in under a megabyte.
        let bomb = atelier_simulators::kie::bomb::zeros_png(12_000, 12_000).unwrap();
        assert!(bomb.len() < 1 << 20);
        let started = std::time::Instant::now();
        assert!(decode(&bomb, 512).is_none());
        // Refused before any pixel is inflated, not after.
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn sides_and_allocation_are_limited() {
        // One pixel too wide, though tiny in bytes.
        let wide = atelier_simulators::kie::bomb::zeros_png(MAX_DECODED_SIDE_PX + 1, 1).unwrap();
        assert!(decode(&wide, 512).is_none());
        let tall = atelier_simulators::kie::bomb::zeros_png(1, MAX_DECODED_SIDE_PX + 1).unwrap();
        assert!(decode(&tall, 512).is_none());
        // Within the sides, over the allocation: 8192 × 8192 RGBA is 256 MiB of pixels.
        let heavy =
            atelier_simulators::kie::bomb::zeros_png_rgba(MAX_DECODED_SIDE_PX, MAX_DECODED_SIDE_PX)
                .unwrap();
        let mut reader = ImageReader::new(Cursor::new(&heavy))
            .with_guessed_format()
            .unwrap();
        reader.limits(decoder_limits());
        assert!(matches!(reader.decode(), Err(image::ImageError::Limits(_))));
        assert!(decode(&heavy, 512).is_none());
        // And the largest allowed side still decodes.
        let edge = atelier_simulators::kie::bomb::zeros_png(MAX_DECODED_SIDE_PX, 2).unwrap();
        let d = decode(&edge, 512).unwrap();
        assert_eq!((d.width, d.height), (MAX_DECODED_SIDE_PX, 2));
    }

    #[test]
    fn not_an_image_is_refused() {
        assert!(decode(b"<html>expired</html>", 512).is_none());
        assert!(decode(&png(10, 10)[..20], 512).is_none());
    }
}

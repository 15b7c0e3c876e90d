//! Reading a downloaded result: it must decode as an image; the thumbnail is its longest side
//! scaled to 512 px (never up), as JPEG.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

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
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let (content_type, extension) = match reader.format()? {
        ImageFormat::Png => ("image/png", "png"),
        ImageFormat::Jpeg => ("image/jpeg", "jpg"),
        ImageFormat::WebP => ("image/webp", "webp"),
        _ => return None,
    };
    let image = reader.decode().ok()?;
    let (width, height) = (image.width(), image.height());
    let small = if width.max(height) > max_side {
        image.thumbnail(max_side, max_side)
    } else {
        image
    };
    let mut thumbnail = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut thumbnail, 82)
        .encode_image(&small.to_rgb8())
        .ok()?;
    Some(Decoded {
        width,
        height,
        content_type,
        extension,
        thumbnail,
    })
}

#[cfg(test)]
mod tests {
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
    fn not_an_image_is_refused() {
        assert!(decode(b"<html>expired</html>", 512).is_none());
        assert!(decode(&png(10, 10)[..20], 512).is_none());
    }
}

//! What both halves of Atelier do to image bytes from elsewhere (kie's results on the service,
//! the service's thumbnails on the desktop): decode only within limits, so a small file that
//! claims huge dimensions (a decompression bomb) is refused from its header before any pixel is
//! allocated; scale down; encode as JPEG. One implementation, so the service's thumbnails and the
//! desktop's grid copies are made alike, and as fast as this machine allows (SIMD resizing, AVX2
//! JPEG encoding where the CPU has it).

use atelier_api::limits::{MAX_DECODE_ALLOC_BYTES, MAX_DECODED_SIDE_PX};
use fast_image_resize::images::Image as Pixels;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, Limits, RgbImage};

/// What one decode of bytes from elsewhere may take.
pub fn decoder_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE_PX);
    limits.max_image_height = Some(MAX_DECODED_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_ALLOC_BYTES);
    limits
}

/// The image's RGB pixels (a JPEG has no alpha: it is dropped) with the longest side scaled to
/// `max_side`, never up, by a Catmull-Rom convolution sized to the scale (every source pixel
/// counts, as in an area average, but sharper). `None` only if the resizer refuses the sizes.
pub fn scaled(image: DynamicImage, max_side: u32) -> Option<RgbImage> {
    let rgb = image.into_rgb8();
    let (width, height) = rgb.dimensions();
    let longest = width.max(height);
    if longest <= max_side {
        return Some(rgb);
    }
    let side = |n: u32| {
        let (n, max, longest) = (u64::from(n), u64::from(max_side), u64::from(longest));
        u32::try_from(((n * max + longest / 2) / longest).max(1)).unwrap_or(1)
    };
    let (to_width, to_height) = (side(width), side(height));
    let source = Pixels::from_vec_u8(width, height, rgb.into_raw(), PixelType::U8x3).ok()?;
    let mut target = Pixels::new(to_width, to_height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new().resize(&source, &mut target, &options).ok()?;
    RgbImage::from_raw(to_width, to_height, target.into_vec())
}

/// As JPEG (4:2:0) at `quality`; `None` for an image wider or taller than JPEG allows.
pub fn jpeg(image: &RgbImage, quality: u8) -> Option<Vec<u8>> {
    let (width, height) = image.dimensions();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(
            image.as_raw(),
            u16::try_from(width).ok()?,
            u16::try_from(height).ok()?,
            jpeg_encoder::ColorType::Rgb,
        )
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }))
    }

    #[test]
    fn the_longest_side_is_scaled_down_and_the_shape_kept() {
        let small = scaled(picture(1024, 576), 512).unwrap();
        assert_eq!(small.dimensions(), (512, 288));
        let tall = scaled(picture(300, 1200), 256).unwrap();
        assert_eq!(tall.dimensions(), (64, 256));
        // A sliver keeps at least a pixel.
        assert_eq!(
            scaled(picture(4000, 2), 512).unwrap().dimensions(),
            (512, 1)
        );
    }

    #[test]
    fn nothing_is_scaled_up() {
        assert_eq!(
            scaled(picture(100, 40), 512).unwrap().dimensions(),
            (100, 40)
        );
    }

    #[test]
    fn the_jpeg_decodes_to_the_same_size_and_colour() {
        let flat = RgbImage::from_pixel(64, 32, image::Rgb([200, 40, 40]));
        let bytes = jpeg(&flat, 82).unwrap();
        let back = image::load_from_memory(&bytes).unwrap().into_rgb8();
        assert_eq!(back.dimensions(), (64, 32));
        let p = back.get_pixel(10, 10).0;
        assert!(
            p[0].abs_diff(200) < 8 && p[1].abs_diff(40) < 8 && p[2].abs_diff(40) < 8,
            "{p:?}"
        );
    }
}

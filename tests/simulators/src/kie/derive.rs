//! Outputs computed from input images, so a test can tell which input reached kie: an upscale is
//! the input at exactly `factor ×` its size, a background removal the input with its corner's
//! colour made transparent, an edit the first input cropped to the requested aspect and tinted by
//! the prompt and the input's hash. Inputs decode under [`limits`]; outputs are fast-compressed PNG.

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::image::LONGEST_SIDE;
use super::inputs::Derive;

/// Largest side of an input image the simulator decodes.
pub const MAX_INPUT_SIDE: u32 = 4096;
/// Most pixels an output may have (an upscale of a large input is refused, not attempted).
pub const MAX_OUTPUT_PIXELS: u64 = 4096 * 4096;
/// Transparent in a background removal: every channel within this of the corner pixel's.
const BACKGROUND_TOLERANCE: u8 = 40;

/// The outputs of a task and their common size.
#[derive(Debug)]
pub(crate) struct Derived {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) outputs: Vec<Vec<u8>>,
}

/// The formats kie accepts as input: PNG, JPEG and WebP, told by their first bytes.
pub(crate) fn format(bytes: &[u8]) -> Option<ImageFormat> {
    match image::guess_format(bytes).ok()? {
        f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) => Some(f),
        _ => None,
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_INPUT_SIDE);
    limits.max_image_height = Some(MAX_INPUT_SIDE);
    limits.max_alloc = Some(96 * 1024 * 1024);
    limits
}

pub(crate) fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    let format = format(bytes).ok_or("not a PNG, JPEG or WebP image")?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    reader
        .decode()
        .map_err(|e| format!("cannot be decoded: {e}"))
}

/// Every input must decode (kie would reject a broken reference too); the first one shapes the
/// output.
pub(crate) fn run(
    derive: &Derive,
    inputs: &[Vec<u8>],
    prompt: &str,
    images: u32,
) -> Result<Derived, String> {
    let mut decoded = Vec::with_capacity(inputs.len());
    for (i, bytes) in inputs.iter().enumerate() {
        decoded.push(decode(bytes).map_err(|e| format!("input {} {e}", i + 1))?);
    }
    let (Some(first), Some(first_bytes)) = (decoded.first(), inputs.first()) else {
        return Err("no input image".into());
    };
    match *derive {
        Derive::Upscale { factor } => upscale(first, factor),
        Derive::RemoveBackground => remove_background(first),
        Derive::Edit { size } => {
            let (width, height) = size.unwrap_or_else(|| own_aspect(first));
            let hash = Sha256::digest(first_bytes);
            let outputs = (0..images.max(1))
                .map(|index| edit(first, &hash, prompt, index, width, height))
                .collect::<Result<_, _>>()?;
            Ok(Derived {
                width,
                height,
                outputs,
            })
        }
    }
}

fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    colour: ExtendedColorType,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
        .write_image(pixels, width, height, colour)
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(out)
}

fn upscale(input: &DynamicImage, factor: u32) -> Result<Derived, String> {
    let (width, height) = (
        input.width().saturating_mul(factor),
        input.height().saturating_mul(factor),
    );
    if u64::from(width) * u64::from(height) > MAX_OUTPUT_PIXELS {
        return Err(format!(
            "{}x{} upscaled {factor}x exceeds {MAX_OUTPUT_PIXELS} pixels",
            input.width(),
            input.height()
        ));
    }
    // Nearest keeps every input pixel as an exact factor × factor block: fast, and checkable.
    let whole = (0, 0, input.width(), input.height());
    let png = if input.color().has_alpha() {
        let pixels = nearest(
            input.to_rgba8().as_raw(),
            input.width(),
            4,
            whole,
            width,
            height,
        );
        encode(&pixels, width, height, ExtendedColorType::Rgba8)?
    } else {
        let pixels = nearest(
            input.to_rgb8().as_raw(),
            input.width(),
            3,
            whole,
            width,
            height,
        );
        encode(&pixels, width, height, ExtendedColorType::Rgb8)?
    };
    Ok(Derived {
        width,
        height,
        outputs: vec![png],
    })
}

fn remove_background(input: &DynamicImage) -> Result<Derived, String> {
    let mut rgba = input.to_rgba8();
    let (width, height) = rgba.dimensions();
    let corner = rgba.get_pixel(0, 0).0;
    for pixel in rgba.pixels_mut() {
        let close = (0..3).all(|c| pixel.0[c].abs_diff(corner[c]) <= BACKGROUND_TOLERANCE);
        if close {
            pixel.0[3] = 0;
        }
    }
    Ok(Derived {
        width,
        height,
        outputs: vec![encode(
            rgba.as_raw(),
            width,
            height,
            ExtendedColorType::Rgba8,
        )?],
    })
}

/// The input's aspect, kept between 1:4 and 4:1, at the generated images' size.
fn own_aspect(input: &DynamicImage) -> (u32, u32) {
    let (w, h) = (
        u64::from(input.width().max(1)),
        u64::from(input.height().max(1)),
    );
    let (w, h) = (w.min(4 * h), h.min(4 * w));
    let long = u64::from(LONGEST_SIDE);
    let side = |a: u64, b: u64| {
        u32::try_from((long * a + b / 2) / b)
            .unwrap_or(LONGEST_SIDE)
            .max(1)
    };
    if w >= h {
        (LONGEST_SIDE, side(h, w))
    } else {
        (side(w, h), LONGEST_SIDE)
    }
}

/// The input cropped to `width:height` around its centre, scaled to that size and tinted.
fn edit(
    input: &DynamicImage,
    input_hash: &[u8],
    prompt: &str,
    index: u32,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, String> {
    let (iw, ih) = (u64::from(input.width()), u64::from(input.height()));
    // The largest centred crop with the output's aspect.
    let (cw, ch) = if iw * u64::from(height) > ih * u64::from(width) {
        ((ih * u64::from(width) / u64::from(height)).max(1), ih)
    } else {
        (iw, (iw * u64::from(height) / u64::from(width)).max(1))
    };
    let (cw, ch) = (
        u32::try_from(cw).unwrap_or(1),
        u32::try_from(ch).unwrap_or(1),
    );
    let crop = (
        (input.width() - cw.min(input.width())) / 2,
        (input.height() - ch.min(input.height())) / 2,
        cw.min(input.width()),
        ch.min(input.height()),
    );
    let mut pixels = nearest(
        input.to_rgb8().as_raw(),
        input.width(),
        3,
        crop,
        width,
        height,
    );

    let mut hasher = Sha256::new();
    hasher.update(input_hash);
    hasher.update((prompt.len() as u64).to_le_bytes());
    hasher.update(prompt.as_bytes());
    hasher.update(index.to_le_bytes());
    let tint = hasher.finalize();
    // Three quarters the input, a quarter the tint, through a table per channel.
    let tables: Vec<[u8; 256]> = (0..3)
        .map(|c| {
            let mut table = [0u8; 256];
            for (value, slot) in table.iter_mut().enumerate() {
                let mixed = (value as u16 * 3 + u16::from(tint[c])) / 4;
                *slot = u8::try_from(mixed).unwrap_or(u8::MAX);
            }
            table
        })
        .collect();
    for pixel in pixels.chunks_exact_mut(3) {
        for (byte, table) in pixel.iter_mut().zip(&tables) {
            *byte = table[usize::from(*byte)];
        }
    }
    encode(&pixels, width, height, ExtendedColorType::Rgb8)
}

/// Nearest-neighbour scaling of the region `(x, y, w, h)` of packed pixels (`channels` bytes
/// each, rows `src_width` wide) to `width × height`. `image`'s generic resize is several times
/// slower in the unoptimised builds tests run.
fn nearest(
    src: &[u8],
    src_width: u32,
    channels: usize,
    (x0, y0, w, h): (u32, u32, u32, u32),
    width: u32,
    height: u32,
) -> Vec<u8> {
    let pick = |i: u32, from: u32, span: u32, to: u32| {
        let offset = u64::from(i) * u64::from(span) / u64::from(to.max(1));
        from as usize + usize::try_from(offset).unwrap_or(0)
    };
    let columns: Vec<usize> = (0..width)
        .map(|x| pick(x, x0, w, width) * channels)
        .collect();
    let stride = src_width as usize * channels;
    let mut out = Vec::with_capacity(width as usize * height as usize * channels);
    for y in 0..height {
        let start = pick(y, y0, h, height) * stride;
        let row = &src[start..start + stride];
        for &column in &columns {
            out.extend_from_slice(&row[column..column + channels]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, y| {
            if x > width / 4 && x < 3 * width / 4 && y > height / 4 && y < 3 * height / 4 {
                Rgb([200, 30, 30])
            } else {
                Rgb([250, 250, 250])
            }
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encodes");
        out
    }

    fn size(bytes: &[u8]) -> (u32, u32) {
        let img = decode(bytes).expect("output decodes");
        (img.width(), img.height())
    }

    #[test]
    fn upscale_multiplies_both_sides() {
        let input = vec![png(30, 20)];
        for factor in [1, 2, 4] {
            let out = run(&Derive::Upscale { factor }, &input, "", 1).expect("upscales");
            assert_eq!((out.width, out.height), (30 * factor, 20 * factor));
            assert_eq!(size(&out.outputs[0]), (30 * factor, 20 * factor));
        }
    }

    #[test]
    fn background_goes_transparent() {
        let out = run(&Derive::RemoveBackground, &[png(16, 16)], "", 1).expect("runs");
        let img = decode(&out.outputs[0]).expect("decodes");
        assert!(img.color().has_alpha());
        let rgba = img.to_rgba8();
        assert_eq!(rgba.get_pixel(0, 0).0[3], 0);
        assert_eq!(rgba.get_pixel(8, 8).0[3], 255);
    }

    #[test]
    fn edits_follow_the_input_and_the_aspect() {
        let a = run(&Derive::Edit { size: None }, &[png(40, 20)], "p", 2).expect("runs");
        assert_eq!((a.width, a.height), (1024, 512));
        assert_eq!(a.outputs.len(), 2);
        assert_ne!(a.outputs[0], a.outputs[1]);
        let b = run(&Derive::Edit { size: None }, &[png(40, 22)], "p", 1).expect("runs");
        assert_ne!(a.outputs[0], b.outputs[0]);
        let tall = run(
            &Derive::Edit {
                size: Some((576, 1024)),
            },
            &[png(40, 20)],
            "p",
            1,
        )
        .expect("runs");
        assert_eq!(size(&tall.outputs[0]), (576, 1024));
    }

    #[test]
    fn junk_and_huge_inputs_are_refused() {
        assert!(run(&Derive::RemoveBackground, &[b"<html>".to_vec()], "", 1).is_err());
        let bomb = super::super::bomb::zeros_png(MAX_INPUT_SIDE + 1, 8).expect("bomb");
        assert!(decode(&bomb).is_err());
        // 1025 × 4 is past 4096 on both sides.
        let big = super::super::bomb::zeros_png(1025, 1025).expect("png");
        assert!(
            run(
                &Derive::Upscale { factor: 4 },
                std::slice::from_ref(&big),
                "",
                1
            )
            .is_err()
        );
        assert!(run(&Derive::Upscale { factor: 2 }, &[big], "", 1).is_ok());
    }
}

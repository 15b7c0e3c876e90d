//! The pictures kie "generates": real PNG files drawn from a hash of the prompt, so a client's whole
//! download → decode → thumbnail path runs on genuine images. Different prompts get visibly
//! different colours and shapes; the same prompt and index always give the same bytes.

use sha2::{Digest, Sha256};

/// Longest side of every generated image, in pixels.
pub const LONGEST_SIDE: u32 = 1024;

/// Why an image could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("PNG encoding failed: {0}")]
    Encode(#[from] png::EncodingError),
    #[error("image size {0}x{1} is out of range")]
    Size(u32, u32),
}

/// Width and height for an aspect given as `"W:H"`, `"auto"` or one of the named sizes the
/// seedream models take (`square_hd`, `landscape_16_9`, ...); `None` = not a supported aspect.
pub fn dimensions(aspect: Option<&str>) -> Option<(u32, u32)> {
    let (w, h) = match aspect.map(str::trim) {
        None | Some("" | "auto" | "square" | "square_hd") => (1, 1),
        Some("landscape_4_3") => (4, 3),
        Some("landscape_3_2") => (3, 2),
        Some("landscape_16_9") => (16, 9),
        Some("landscape_21_9") => (21, 9),
        Some("portrait_4_3") => (3, 4),
        Some("portrait_3_2") => (2, 3),
        Some("portrait_16_9") => (9, 16),
        Some(ratio) => {
            let (w, h) = ratio.split_once(':')?;
            let w: u32 = w.trim().parse().ok()?;
            let h: u32 = h.trim().parse().ok()?;
            (w, h)
        }
    };
    // Real models offer ratios between 1:4 and 4:1; anything wider is a client bug worth a 422.
    if w == 0 || h == 0 || w > 4 * h || h > 4 * w {
        return None;
    }
    let scale = |a: u32, b: u32| -> u32 {
        let v = (u64::from(LONGEST_SIDE) * u64::from(a) + u64::from(b) / 2) / u64::from(b);
        u32::try_from(v).unwrap_or(LONGEST_SIDE).max(1)
    };
    Some(if w >= h {
        (LONGEST_SIDE, scale(h, w))
    } else {
        (scale(w, h), LONGEST_SIDE)
    })
}

/// Draws image `index` for `prompt` and encodes it as an 8-bit RGB PNG.
pub fn render_png(
    prompt: &str,
    index: u32,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, ImageError> {
    if width == 0 || height == 0 || width > 4096 || height > 4096 {
        return Err(ImageError::Size(width, height));
    }
    let pixels = draw(prompt, index, width, height);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Fast compression keeps debug-build tests quick; the bytes stay deterministic.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
    }
    Ok(out)
}

/// splitmix64: tiny, good enough to turn a hash into drawing decisions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
}

fn seed(parts: &[&[u8]]) -> u64 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

type Rgb = [f32; 3];

fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h = (h.fract() + 1.0).fract() * 6.0;
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [(r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0]
}

enum Shape {
    Disc {
        cx: f32,
        cy: f32,
        r: f32,
    },
    Ring {
        cx: f32,
        cy: f32,
        r: f32,
        thickness: f32,
    },
    Rect {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
    },
}

fn draw(prompt: &str, index: u32, width: u32, height: u32) -> Vec<u8> {
    // The palette comes from the prompt alone so one prompt's variants look related; the layout
    // also takes the index so each variant differs.
    let mut palette_rng = Rng(seed(&[prompt.as_bytes()]));
    let mut layout_rng = Rng(seed(&[prompt.as_bytes(), &index.to_le_bytes()]));

    let base_hue = palette_rng.unit();
    let palette: Vec<Rgb> = (0..5)
        .map(|i| {
            let hue = base_hue + i as f32 * palette_rng.range(0.08, 0.3);
            hsv(
                hue,
                palette_rng.range(0.45, 0.95),
                palette_rng.range(0.45, 0.98),
            )
        })
        .collect();
    let pick = |rng: &mut Rng| palette[(rng.next() % palette.len() as u64) as usize];

    let (w, h) = (width as f32, height as f32);
    let angle = layout_rng.range(0.0, std::f32::consts::TAU);
    let (dx, dy) = (angle.cos(), angle.sin());
    // Two different palette entries, so the background gradient is always visible.
    let first = (layout_rng.next() % palette.len() as u64) as usize;
    let step = 1 + (layout_rng.next() % (palette.len() as u64 - 1)) as usize;
    let from = palette[first];
    let to = palette[(first + step) % palette.len()];
    let stripes = layout_rng.range(3.0, 14.0);
    let stripe_strength = layout_rng.range(0.0, 0.18);

    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    let span = (w * dx.abs() + h * dy.abs()).max(1.0);
    let offset = (if dx < 0.0 { -w * dx } else { 0.0 }) + (if dy < 0.0 { -h * dy } else { 0.0 });
    for y in 0..height {
        for x in 0..width {
            let t = ((x as f32 * dx + y as f32 * dy + offset) / span).clamp(0.0, 1.0);
            let wave =
                1.0 - stripe_strength * (0.5 + 0.5 * (t * stripes * std::f32::consts::TAU).sin());
            let i = (y as usize * width as usize + x as usize) * 3;
            for c in 0..3 {
                pixels[i + c] = ((from[c] + (to[c] - from[c]) * t) * wave).clamp(0.0, 255.0) as u8;
            }
        }
    }

    let count = 3 + (layout_rng.next() % 5) as usize;
    let short = w.min(h);
    for _ in 0..count {
        let colour = pick(&mut layout_rng);
        let alpha = layout_rng.range(0.35, 0.85);
        let shape = match layout_rng.next() % 3 {
            0 => Shape::Disc {
                cx: layout_rng.range(0.0, w),
                cy: layout_rng.range(0.0, h),
                r: layout_rng.range(0.06, 0.3) * short,
            },
            1 => Shape::Ring {
                cx: layout_rng.range(0.0, w),
                cy: layout_rng.range(0.0, h),
                r: layout_rng.range(0.1, 0.35) * short,
                thickness: layout_rng.range(0.01, 0.05) * short,
            },
            _ => {
                let (x0, y0) = (
                    layout_rng.range(-0.1, 0.8) * w,
                    layout_rng.range(-0.1, 0.8) * h,
                );
                Shape::Rect {
                    x0,
                    y0,
                    x1: x0 + layout_rng.range(0.1, 0.5) * w,
                    y1: y0 + layout_rng.range(0.1, 0.5) * h,
                }
            }
        };
        paint(&mut pixels, width, height, &shape, colour, alpha);
    }
    pixels
}

fn paint(pixels: &mut [u8], width: u32, height: u32, shape: &Shape, colour: Rgb, alpha: f32) {
    let (bx0, by0, bx1, by1) = match *shape {
        Shape::Disc { cx, cy, r } => (cx - r, cy - r, cx + r, cy + r),
        // A ring's stroke reaches `thickness` beyond its radius.
        Shape::Ring {
            cx,
            cy,
            r,
            thickness,
        } => {
            let outer = r + thickness;
            (cx - outer, cy - outer, cx + outer, cy + outer)
        }
        Shape::Rect { x0, y0, x1, y1 } => (x0, y0, x1, y1),
    };
    let clamp_x = |v: f32| v.clamp(0.0, width as f32) as u32;
    let clamp_y = |v: f32| v.clamp(0.0, height as f32) as u32;
    for y in clamp_y(by0)..clamp_y(by1 + 1.0) {
        for x in clamp_x(bx0)..clamp_x(bx1 + 1.0) {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let inside = match *shape {
                Shape::Disc { cx, cy, r } => (px - cx).powi(2) + (py - cy).powi(2) <= r * r,
                Shape::Ring {
                    cx,
                    cy,
                    r,
                    thickness,
                } => {
                    let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
                    (d - r).abs() <= thickness
                }
                Shape::Rect { x0, y0, x1, y1 } => px >= x0 && px <= x1 && py >= y0 && py <= y1,
            };
            if inside {
                let i = (y as usize * width as usize + x as usize) * 3;
                if let Some(slot) = pixels.get_mut(i..i + 3) {
                    for (c, byte) in slot.iter_mut().enumerate() {
                        let blended = f32::from(*byte) * (1.0 - alpha) + colour[c] * alpha;
                        *byte = blended.clamp(0.0, 255.0) as u8;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspect_dimensions() {
        assert_eq!(dimensions(None), Some((1024, 1024)));
        assert_eq!(dimensions(Some("16:9")), Some((1024, 576)));
        assert_eq!(dimensions(Some("9:16")), Some((576, 1024)));
        assert_eq!(dimensions(Some("4:3")), Some((1024, 768)));
        assert_eq!(dimensions(Some("3:4")), Some((768, 1024)));
        assert_eq!(dimensions(Some("landscape_16_9")), Some((1024, 576)));
        assert_eq!(dimensions(Some("10:1")), None);
        assert_eq!(dimensions(Some("wide")), None);
    }

    #[test]
    fn deterministic_and_prompt_dependent() {
        let a = render_png("a red fox", 0, 64, 48).expect("renders");
        let b = render_png("a red fox", 0, 64, 48).expect("renders");
        let c = render_png("a blue whale", 0, 64, 48).expect("renders");
        let d = render_png("a red fox", 1, 64, 48).expect("renders");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
    }
}

//! `cargo xtask bench thumbnails`: the server's thumbnailer against libvips' `vipsthumbnail` on the
//! same 200 generated 1024×1024 PNGs, in the same run. Prints images per second for each and the
//! ratio. Usage: thumbnail_bench <work dir> [count]

use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use atelier_server::generations::thumbnail;
use image::{ImageFormat, Rgb, RgbImage};

/// A 1024×1024 picture with structure (gradients, rings, noise) so both codecs do real work.
fn picture(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = RgbImage::from_fn(1024, 1024, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let dx = x as i32 - 512;
        let dy = y as i32 - 512;
        let ring = (((dx * dx + dy * dy) as f32).sqrt() as u32 / 24 + seed) % 2;
        Rgb([
            ((x + seed * 7) % 256) as u8,
            ((y * 3 + seed) % 256) as u8,
            (ring * 160) as u8 ^ (state & 0x1f) as u8,
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("encoding a PNG in memory");
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "target/bench-thumbnails".into());
    let count: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let dir = Path::new(&dir);
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("vips")).expect("the work folder");

    let files: Vec<Vec<u8>> = (0..count).map(picture).collect();
    for (i, bytes) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("{i:04}.png")), bytes).expect("writing a PNG");
    }

    // Ours: decode, scale the longest side to 512, encode JPEG (what the server stores), from bytes
    // in memory, one image after another (as the server does per result).
    let started = Instant::now();
    let mut total = 0usize;
    for bytes in &files {
        let decoded = thumbnail::decode(bytes, 512).expect("a PNG the thumbnailer reads");
        total += decoded.thumbnail.len();
    }
    let ours = started.elapsed().as_secs_f64();

    // libvips: the same files from disk, same size and JPEG quality, one process for all.
    let inputs: Vec<String> = (0..count)
        .map(|i| dir.join(format!("{i:04}.png")).display().to_string())
        .collect();
    let started = Instant::now();
    let status = Command::new("vipsthumbnail")
        .args(&inputs)
        .args(["--size", "512", "-o"])
        .arg(format!("{}/%s.jpg[Q=82]", dir.join("vips").display()))
        .status();
    let vips = started.elapsed().as_secs_f64();

    let per_second = |secs: f64| f64::from(count) / secs;
    println!("thumbnails: {count} PNGs 1024x1024 -> longest side 512, JPEG q82");
    println!(
        "  atelier-server (image crate): {:8.1} images/s  ({ours:.2} s, {} KB of thumbnails)",
        per_second(ours),
        total / 1024
    );
    match status {
        Ok(s) if s.success() => {
            println!(
                "  vipsthumbnail (libvips):      {:8.1} images/s  ({vips:.2} s)",
                per_second(vips)
            );
            println!(
                "  ratio ours/vips:              {:8.2}",
                per_second(ours) / per_second(vips)
            );
        }
        _ => println!("  vipsthumbnail: not available (apt-get install libvips-tools)"),
    }
}

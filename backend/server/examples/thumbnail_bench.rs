//! `cargo xtask bench thumbnails`: the server's thumbnailer against libvips' `vipsthumbnail` on the
//! same 200 generated 1024×1024 PNG files, each making a JPEG file of each, in the same run.
//! Prints images per second for each, where ours spends its time, and the ratio (ours over vips
//! on one thread). Usage: thumbnail_bench <work dir> [count]

use std::io::Cursor;
use std::path::{Path, PathBuf};
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

/// Images whose steps are timed one by one.
const PROFILED: usize = 20;

/// Ours step by step on the first images: decode, scale, encode, mean milliseconds of each.
fn profile(inputs: &[PathBuf]) -> [f64; 3] {
    let mut ms = [0.0; 3];
    for input in inputs.iter().take(PROFILED) {
        let bytes = std::fs::read(input).expect("reading a PNG");
        let t = Instant::now();
        let (image, _, _) = thumbnail::read(&bytes).expect("a PNG");
        ms[0] += t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let small = atelier_imaging::scaled(image, 512).expect("scaled");
        ms[1] += t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        atelier_imaging::jpeg(&small, thumbnail::QUALITY).expect("a JPEG");
        ms[2] += t.elapsed().as_secs_f64() * 1000.0;
    }
    let n = inputs.len().clamp(1, PROFILED) as f64;
    ms.map(|m| m / n)
}

/// Seconds spent in each step of ours, over all images.
#[derive(Default)]
struct Steps {
    read: f64,
    thumbnail: f64,
    write: f64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "target/bench-thumbnails".into());
    let count: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let dir = Path::new(&dir);
    let _ = std::fs::remove_dir_all(dir);
    for out in ["ours", "vips-1", "vips"] {
        std::fs::create_dir_all(dir.join(out)).expect("the work folder");
    }
    let inputs: Vec<PathBuf> = (0..count)
        .map(|i| {
            let path = dir.join(format!("{i:04}.png"));
            std::fs::write(&path, picture(i)).expect("writing a PNG");
            path
        })
        .collect();

    // Like for like: the same PNG files in, a JPEG file (longest side 512, quality 82) out per
    // image, one image after another on one thread. Ours in this process, as the server makes
    // a thumbnail per result; vipsthumbnail as one process over all the files, with one worker
    // thread (VIPS_CONCURRENCY=1) and again with its default pool, for reference.
    let mut steps = Steps::default();
    let mut written = 0usize;
    let started = Instant::now();
    for input in &inputs {
        let t = Instant::now();
        let bytes = std::fs::read(input).expect("reading a PNG");
        steps.read += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let decoded = thumbnail::decode(&bytes, 512).expect("a PNG the thumbnailer reads");
        steps.thumbnail += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let name = input.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        std::fs::write(
            dir.join("ours").join(format!("{name}.jpg")),
            &decoded.thumbnail,
        )
        .expect("writing a JPEG");
        steps.write += t.elapsed().as_secs_f64();
        written += decoded.thumbnail.len();
    }
    let ours = started.elapsed().as_secs_f64();
    let profile = profile(&inputs);

    let vips = |out: &str, threads: Option<&str>| -> Option<f64> {
        let mut command = Command::new("vipsthumbnail");
        command
            .args(&inputs)
            .args(["--size", "512", "-o"])
            .arg(format!("{}/%s.jpg[Q=82]", dir.join(out).display()));
        if let Some(n) = threads {
            command.env("VIPS_CONCURRENCY", n);
        }
        let started = Instant::now();
        let ok = command.status().is_ok_and(|s| s.success());
        ok.then(|| started.elapsed().as_secs_f64())
    };
    let vips_one = vips("vips-1", Some("1"));
    let vips_pool = vips("vips", None);

    let per_second = |secs: f64| f64::from(count) / secs;
    println!(
        "thumbnails: {count} PNG files 1024x1024 -> JPEG files, longest side 512, q82, one thread"
    );
    println!(
        "  atelier-server: {:7.1} images/s ({ours:.2} s: read {:.2}, decode+scale+encode {:.2}, write {:.2}; {} KB out)",
        per_second(ours),
        steps.read,
        steps.thumbnail,
        steps.write,
        written / 1024
    );
    println!(
        "    per image: decode {:.1} ms, scale {:.1} ms, encode {:.1} ms (mean of {})",
        profile[0], profile[1], profile[2], PROFILED
    );
    match (vips_one, vips_pool) {
        (Some(one), Some(pool)) => {
            println!(
                "  vipsthumbnail:  {:7.1} images/s with one thread ({one:.2} s), {:.1} with its pool ({pool:.2} s)",
                per_second(one),
                per_second(pool)
            );
            println!(
                "bench thumbnails: images={count} ours_per_s={:.1} vips_per_s={:.1} vips_pool_per_s={:.1} ratio={:.2}",
                per_second(ours),
                per_second(one),
                per_second(pool),
                one / ours
            );
        }
        _ => println!(
            "  vipsthumbnail: not available (apt-get install libvips-tools; `cargo xtask setup` installs it)"
        ),
    }
}

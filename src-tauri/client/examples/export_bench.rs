//! `cargo xtask bench export`: the data export of an account of 200 images, each a 1024×1024
//! PNG original of about 1.5 MB, seeded straight into the native server (see `common/seed.rs`).
//! First with no cache (every original downloaded), then with every original cached. Prints the
//! time and the zip's size. Everything runs in this process on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::time::Instant;

use atelier_client::export::{self, CancellationToken, ExportProgress, ExportSource};
use atelier_client::library::Library;
use atelier_simulators::SimulatorOptions;
use atelier_test_kit::{Service, ServiceOptions, seed};

const IMAGES: u64 = 200;
/// Distinct originals, taken in turn (a PNG of noise takes a while to encode).
const DISTINCT: u64 = 8;

/// A 1024×1024 RGB PNG with a gradient and some noise: about the size of a generated image.
fn original(n: u64) -> bytes::Bytes {
    let mut state = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let pixels = image::RgbImage::from_fn(1024, 1024, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 24) as u8;
        image::Rgb([
            (x / 4) as u8 ^ noise,
            (y / 4) as u8 ^ noise,
            ((x + y) / 8) as u8 ^ (n as u8),
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    pixels
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encoding a PNG in memory");
    out.into_inner().into()
}

async fn run(source: &ExportSource, label: &str) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("export.zip");
    let (progress, _watcher) = tokio::sync::watch::channel(ExportProgress::default());
    let started = Instant::now();
    let summary = export::export(source, &target, &progress, &CancellationToken::new())
        .await
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(u64::from(summary.images), IMAGES);
    println!(
        "export, {label}: {IMAGES} images in {seconds:.2} s ({:.0} images/s), zip {:.1} MB",
        f64::from(summary.images) / seconds,
        summary.bytes as f64 / 1e6
    );
}

#[tokio::main]
async fn main() {
    let world = Service::start_with(ServiceOptions {
        simulators: SimulatorOptions::unlimited(),
        test_mode: false,
    })
    .await;
    let (auth, account) = world.signed_in_account("bench@example.com").await;
    let api = auth.api().clone();
    let token = auth.token().await.unwrap();

    let originals: Vec<bytes::Bytes> = (0..DISTINCT).map(original).collect();
    let started = Instant::now();
    seed::seed_with(world.platform(), &account, IMAGES, |n| {
        originals[(n % DISTINCT) as usize].clone()
    })
    .await;
    let average = originals.iter().map(|o| o.len()).sum::<usize>() as f64 / DISTINCT as f64;
    println!(
        "seeded {IMAGES} images (originals of {:.2} MB on average) in {:.1} s",
        average / 1e6,
        started.elapsed().as_secs_f64()
    );

    let mut source = ExportSource {
        api: api.clone(),
        token: token.clone(),
        files: None,
    };
    run(&source, "every original downloaded").await;

    let cache_dir = tempfile::tempdir().unwrap();
    let library = Library::open(cache_dir.path(), api).await.unwrap();
    library.sync(&auth).await.unwrap();
    source.files = Some(library.cache().files().clone());
    run(&source, "every original cached").await;
}

//! `cargo xtask bench sync`: the first sync of 10,000 images (metadata and thumbnails) from the
//! native server into an empty cache, then a sync with no changes. The library is seeded straight
//! into the server (see `common/seed.rs`). Everything runs in this process on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::time::Instant;

use atelier_client::cache::Cache;
use atelier_client::sync::{SyncEngine, SyncOptions};
use atelier_simulators::SimulatorOptions;
use atelier_test_kit::{Service, ServiceOptions, seed};

const IMAGES: u64 = 10_000;

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

    let started = Instant::now();
    seed::seed(world.platform(), &account, IMAGES).await;
    println!(
        "seeded {IMAGES} images on the server in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(cache_dir.path()).await.unwrap();
    // Thumbnails only: what a first sync must fetch before the gallery is complete.
    cache.set_originals_budget(0).await.unwrap();
    let engine = SyncEngine::new(cache.clone(), api, SyncOptions::default());
    let started = Instant::now();
    let report = engine.run(&token).await.unwrap();
    let first = started.elapsed().as_secs_f64();
    assert_eq!(report.thumbnails as u64, IMAGES, "{report:?}");
    println!(
        "first sync: {IMAGES} images, {} pages, {:.0} MB of thumbnails in {first:.2} s ({:.0} images/s)",
        report.pages,
        cache.storage_info().await.unwrap().thumbnails_bytes as f64 / 1e6,
        IMAGES as f64 / first
    );
    let mut quiet = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let report = engine.run(&token).await.unwrap();
        quiet.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(report.upserts + report.thumbnails as usize, 0);
    }
    quiet.sort_by(f64::total_cmp);
    let (p50, max) = (quiet[quiet.len() / 2], quiet[quiet.len() - 1]);
    println!("sync with no changes: p50 {p50:.1} ms, max {max:.1} ms (20 runs)");
    println!(
        "bench sync: images={IMAGES} first_s={first:.2} first_images_per_s={:.0} quiet_p50_ms={p50:.2} quiet_max_ms={max:.2}",
        IMAGES as f64 / first
    );
}

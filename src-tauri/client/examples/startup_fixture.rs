//! The world of `cargo xtask bench startup` and `bench scroll`: the simulators and the native
//! server in this process, an account signed in with its session saved in the OS credential
//! store (the app reads it from there), `ATELIER_BENCH_IMAGES` images (10,000 unless set) seeded
//! on the server with 512 px thumbnails, as the service makes them (`ATELIER_BENCH_THUMBNAIL_PX`
//! for another size), and synced (metadata and thumbnails) into the cache at `ATELIER_DATA_DIR`.
//! Prints `ready <service URL>`, then serves until its standard input closes. Run inside the
//! D-Bus session whose keyring the app will use.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::io::{Read, Write};

use atelier_client::library::Library;
use atelier_client::{ApiClient, ApiClientOptions, Auth};
use atelier_simulators::SimulatorOptions;
use atelier_test_kit::{Service, ServiceOptions, seed};

#[tokio::main]
async fn main() {
    let images: u64 = std::env::var("ATELIER_BENCH_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let side: u32 = std::env::var("ATELIER_BENCH_THUMBNAIL_PX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    let cache_dir = atelier_client::cache::data_dir().unwrap();
    let world = Service::start_with(ServiceOptions {
        simulators: SimulatorOptions::unlimited(),
        test_mode: false,
    })
    .await;
    let api = ApiClient::new(ApiClientOptions::new(&world.url)).unwrap();
    let auth = Auth::with_keychain(api.clone());
    let state = world.sign_in_by_mail(&auth, "startup@example.com").await;
    let account = state.user.expect("signed in").id;
    seed::seed_sized(world.platform(), &account, images, side).await;
    let library = Library::open(&cache_dir, api).await.unwrap();
    library.cache().set_originals_budget(0).await.unwrap();
    let report = library.sync(&auth).await.unwrap();
    library.cache().close().await;
    eprintln!(
        "fixture: {images} images ({side} px thumbnails) synced into {} ({report:?})",
        cache_dir.display()
    );
    println!("ready {}", world.url);
    std::io::stdout().flush().unwrap();
    // Serve until the benchmark closes our standard input.
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .unwrap();
}

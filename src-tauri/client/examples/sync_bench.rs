//! `cargo xtask bench sync`: the first sync of 10,000 images (metadata and thumbnails) from the
//! native server into an empty cache, then a sync with no changes. The account's library is
//! written straight into the server's database and blob store, in the batches the service's own
//! writes use (each with its sync-log entry), because generating 10,000 images through the kie
//! simulator would measure kie's rate limit instead. Everything runs in this process on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use atelier_api::sync::SyncKind;
use atelier_client::cache::Cache;
use atelier_client::session::MemoryStore;
use atelier_client::sync::{SyncEngine, SyncOptions};
use atelier_client::{ApiClient, ApiClientOptions, Auth, Language};
use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::platform::{BlobKey, Blobs, Platform, Sql, Statement};
use atelier_server::sync::log;
use atelier_simulators::SimulatorOptions;
use sha2::{Digest, Sha256};

const IMAGES: u64 = 10_000;
const THUMBNAIL_BYTES: usize = 20_000;

fn id(kind: u8, n: u64) -> String {
    format!("{kind:02x}{n:030x}")
}

/// Distinct bytes per image (the cache stores files by hash, so equal ones would be fetched once).
fn thumbnail(n: u64) -> Vec<u8> {
    let mut state = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..THUMBNAIL_BYTES)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

async fn seed(platform: &NativePlatform, account: &str) {
    let original = bytes::Bytes::from_static(b"\x89PNG original stand-in");
    let original_hash = hex::encode(Sha256::digest(&original));
    for n in 0..IMAGES {
        let (generation, conversation) = (n / 2, n / 100);
        let now = platform.now_ms();
        let mut batch = Vec::new();
        if n % 100 == 0 {
            let cid = id(1, conversation);
            batch.push(
                Statement::new("INSERT INTO conversations (id, account_id, title, untitled, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)")
                    .bind(cid.clone()).bind(account).bind(format!("Conversation {conversation}")).bind(now).bind(now),
            );
            batch.extend(log::changed(account, SyncKind::Conversation, &cid, now));
        }
        if n % 2 == 0 {
            let gid = id(2, generation);
            batch.push(
                Statement::new("INSERT INTO generations (id, account_id, conversation_id, idempotency_key, prompt, model, aspect_ratio, count, cost_per_image, status, created_at, updated_at)
                                VALUES (?, ?, ?, ?, ?, 'nano-banana', '1:1', 2, 4, 'done', ?, ?)")
                    .bind(gid.clone()).bind(account).bind(id(1, conversation)).bind(gid.clone())
                    .bind(format!("benchmark picture {generation} of a lighthouse")).bind(now).bind(now),
            );
            batch.extend(log::changed(account, SyncKind::Generation, &gid, now));
        }
        let iid = id(3, n);
        let thumb = thumbnail(n);
        let base = format!("images/{account}/{iid}");
        let thumbnail_key = BlobKey::new(format!("{base}/thumbnail.jpg")).unwrap();
        let original_key = BlobKey::new(format!("{base}/original.png")).unwrap();
        platform
            .blob_put(&original_key, original.clone(), "image/png")
            .await
            .unwrap();
        let thumb_hash = hex::encode(Sha256::digest(&thumb));
        let thumb_len = thumb.len() as i64;
        platform
            .blob_put(&thumbnail_key, bytes::Bytes::from(thumb), "image/jpeg")
            .await
            .unwrap();
        batch.push(
            Statement::new("INSERT INTO images (id, generation_id, account_id, idx, original_key, thumbnail_key, content_type, sha256, width, height, bytes, thumbnail_bytes, thumbnail_sha256, created_at, updated_at)
                            VALUES (?, ?, ?, ?, ?, ?, 'image/png', ?, 1024, 1024, ?, ?, ?, ?, ?)")
                .bind(iid.clone()).bind(id(2, generation)).bind(account).bind((n % 2) as i64)
                .bind(original_key.as_str()).bind(thumbnail_key.as_str()).bind(original_hash.clone())
                .bind(original.len() as i64).bind(thumb_len).bind(thumb_hash).bind(now).bind(now),
        );
        batch.extend(log::changed(account, SyncKind::Image, &iid, now));
        platform.batch(batch).await.unwrap();
    }
}

#[tokio::main]
async fn main() {
    let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let env: HashMap<String, String> = sims.env().into_iter().collect();
    let config = Config::from_lookup(|name| match name {
        "ATELIER_AUTH_SECRET" => Some("sync-bench-secret-0123456789abcdef".into()),
        "ATELIER_PUBLIC_URL" => Some(url.clone()),
        other => env.get(other).cloned(),
    })
    .unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let platform = NativePlatform::open(server_dir.path(), config, Clock::default())
        .await
        .unwrap();
    let app = atelier_server::router(platform.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let api = ApiClient::new(ApiClientOptions::new(&url)).unwrap();
    let store = Arc::new(MemoryStore::default());
    let auth = Auth::new(api.clone(), Box::new(move || Ok(store.clone())));
    let email = "bench@example.com";
    auth.start(email, Language::English).await.unwrap();
    let text = sims.resend().last_email_to(email).unwrap().text.unwrap();
    let code = text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned();
    let state = auth.verify_code(email, &code).await.unwrap();
    let account = state.user.unwrap().id;
    let token = auth.token().await.unwrap();

    let started = Instant::now();
    seed(&platform, &account).await;
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
        (IMAGES as usize * THUMBNAIL_BYTES) as f64 / 1e6,
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
    println!(
        "sync with no changes: p50 {:.1} ms, max {:.1} ms (20 runs)",
        quiet[quiet.len() / 2],
        quiet[quiet.len() - 1]
    );
}

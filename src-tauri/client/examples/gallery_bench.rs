//! `cargo xtask bench gallery`: a gallery window of 200 over 100,000 cached images, with and
//! without a search term: the first window of a query (its result listed and counted, the median
//! of 15), then p50 and p99 over 300 windows at random offsets of it, as scrolling asks. The cache is filled
//! through the same `apply_page` that sync uses (metadata only: no files are needed to query).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::time::Instant;

use atelier_api::conversations::Conversation;
use atelier_api::generations::GenerationStatus;
use atelier_api::sync::{GenerationRecord, ImageRecord, SyncChange, SyncPage, SyncRecord};
use atelier_client::cache::Cache;
use atelier_client::cache::gallery::GalleryQuery;

const IMAGES: u64 = 100_000;
const WINDOW: u32 = 200;
const SAMPLES: usize = 300;
/// First windows of each query (its result listed and counted), for the median.
const FIRSTS: usize = 15;

const WORDS: &[&str] = &[
    "lighthouse",
    "harbour",
    "fox",
    "snow",
    "cathedral",
    "neon",
    "forest",
    "desert",
    "portrait",
    "watercolour",
    "city",
    "night",
    "dragon",
    "garden",
    "ocean",
    "mountain",
    "robot",
    "tea",
    "红狐狸",
    "雪山",
    "灯塔",
    "城市夜景",
    "水彩",
    "花园",
];

/// A small deterministic generator (xorshift), so every run builds the same library.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn id(kind: u8, n: u64) -> String {
    format!("{kind:02x}{n:030x}")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let mut rng = Rng(0x5eed);
    let started = Instant::now();
    let mut seq = 0;
    let mut changes = Vec::new();
    for n in 0..IMAGES {
        let generation = n / 2;
        let conversation = n / 100;
        let time = 1_700_000_000_000 + n as i64 * 1000;
        let mut push = |record| {
            seq += 1;
            changes.push(SyncChange::Upsert { seq, record });
        };
        if n % 100 == 0 {
            push(SyncRecord::Conversation(Conversation {
                id: id(1, conversation),
                title: format!("Conversation {conversation}"),
                created_at: time,
                updated_at: time,
            }));
        }
        if n % 2 == 0 {
            let prompt: Vec<&str> = (0..8)
                .map(|_| WORDS[(rng.next() % WORDS.len() as u64) as usize])
                .collect();
            push(SyncRecord::Generation(GenerationRecord {
                id: id(2, generation),
                conversation_id: id(1, conversation),
                prompt: prompt.join(" "),
                model: "nano-banana".into(),
                aspect_ratio: "1:1".into(),
                count: 2,
                input_images: Vec::new(),
                cost: 8,
                status: GenerationStatus::Done,
                failure_code: None,
                created_at: time,
                updated_at: time,
            }));
        }
        push(SyncRecord::Image(ImageRecord {
            id: id(3, n),
            generation_id: id(2, generation),
            conversation_id: id(1, conversation),
            idx: (n % 2) as u32,
            width: 1024,
            height: 1024,
            content_type: "image/png".into(),
            sha256: format!("{:064x}", n),
            bytes: 1_500_000,
            thumbnail_sha256: format!("{:064x}", n + IMAGES),
            thumbnail_bytes: 40_000,
            favourite: rng.next().is_multiple_of(10),
            created_at: time,
            updated_at: time,
        }));
        if changes.len() >= 1000 || n + 1 == IMAGES {
            let page = SyncPage {
                next_cursor: format!("{seq}.0"),
                changes: std::mem::take(&mut changes),
                has_more: n + 1 < IMAGES,
            };
            cache.apply_page(&page).await.unwrap();
        }
    }
    println!(
        "filled a cache with {IMAGES} images in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The file's size with everything checkpointed into it: what the indexes cost on disk.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(cache.pool())
        .await
        .unwrap();
    let bytes = std::fs::metadata(dir.path().join("cache.sqlite"))
        .unwrap()
        .len();
    println!("cache file: {:.1} MB", bytes as f64 / 1e6);

    let queries = [
        ("plain", "no search", GalleryQuery::default()),
        (
            "lighthouse",
            "search \"lighthouse\"",
            GalleryQuery {
                search: Some("lighthouse".into()),
                ..GalleryQuery::default()
            },
        ),
        (
            "fox_snow",
            "search \"fox snow\"",
            GalleryQuery {
                search: Some("fox snow".into()),
                ..GalleryQuery::default()
            },
        ),
        (
            "cjk2",
            "search \"灯塔\" (2 characters)",
            GalleryQuery {
                search: Some("灯塔".into()),
                ..GalleryQuery::default()
            },
        ),
        (
            "favourites",
            "favourites",
            GalleryQuery {
                favourites_only: true,
                ..GalleryQuery::default()
            },
        ),
        (
            "cjk1",
            "search \"狐\" (1 character)",
            GalleryQuery {
                search: Some("狐".into()),
                ..GalleryQuery::default()
            },
        ),
    ];
    // Another query in between makes the next one a first window: its result listed and counted.
    let elsewhere = GalleryQuery {
        from_ms: Some(i64::MAX),
        ..GalleryQuery::default()
    };
    let mut summary = Vec::new();
    for (key, name, query) in queries {
        let mut firsts = Vec::with_capacity(FIRSTS);
        let mut total = 0;
        for _ in 0..FIRSTS {
            cache.gallery_page(&elsewhere, 0, 1).await.unwrap();
            let started = Instant::now();
            total = cache.gallery_page(&query, 0, WINDOW).await.unwrap().total;
            firsts.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        firsts.sort_by(f64::total_cmp);
        let mut times = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let offset = (rng.next() % u64::from(total.max(1))) as u32;
            let started = Instant::now();
            let page = cache.gallery_page(&query, offset, WINDOW).await.unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(!page.items.is_empty() || total == 0);
        }
        times.sort_by(f64::total_cmp);
        let (first, p50, p99) = (
            percentile(&firsts, 0.5),
            percentile(&times, 0.5),
            percentile(&times, 0.99),
        );
        println!(
            "{name:<40} {total:>6} matches  first window {first:>6.2} ms  then window of {WINDOW}: p50 {p50:>6.2} ms  p99 {p99:>6.2} ms"
        );
        summary.push(format!(
            "{key}_first_ms={first:.2} {key}_p50_ms={p50:.2} {key}_p99_ms={p99:.2}"
        ));
    }
    println!(
        "bench gallery: images={IMAGES} window={WINDOW} cache_mb={:.1} {}",
        bytes as f64 / 1e6,
        summary.join(" ")
    );
}

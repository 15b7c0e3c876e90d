//! A library written straight into the native server's database and blob store, in the batches
//! the service's own writes use (each with its sync-log entry): generating thousands of images
//! through the kie simulator would measure kie's rate limit instead. Shared by the benchmarks.
#![allow(dead_code)] // each benchmark uses its own part

use atelier_api::sync::SyncKind;
use atelier_server::native::NativePlatform;
use atelier_server::platform::{BlobKey, Blobs, Platform, Sql, Statement};
use atelier_server::sync::log;
use sha2::{Digest, Sha256};

fn id(kind: u8, n: u64) -> String {
    format!("{kind:02x}{n:030x}")
}

/// A real JPEG per image, distinct (the cache stores files by hash, so equal ones would be
/// fetched once): noise over a colour that changes with `n`, about the size of a real thumbnail.
pub fn thumbnail(n: u64) -> Vec<u8> {
    thumbnail_sized(n, 192)
}

/// As [`thumbnail`], `side` px square (the service makes 512). Larger ones are one of 64
/// pictures (with fainter noise, so a file stays about as large as a real thumbnail of that
/// size) made distinct by a JPEG comment naming `n`: a library of 100,000 costs 64 encodings.
pub fn thumbnail_sized(n: u64, side: u32) -> Vec<u8> {
    if side <= 192 {
        return picture(n, side, 64);
    }
    static PICTURES: std::sync::Mutex<Vec<(u32, Vec<u8>)>> = std::sync::Mutex::new(Vec::new());
    let mut pictures = PICTURES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if pictures.first().is_none_or(|(s, _)| *s != side) {
        *pictures = (0..64)
            .map(|k| (side, picture(k * 37 + 11, side, 12)))
            .collect();
    }
    let base = &pictures[(n % 64) as usize].1;
    let comment = format!("atelier benchmark image {n}");
    let mut jpeg = Vec::with_capacity(base.len() + comment.len() + 4);
    jpeg.extend_from_slice(&base[..2]); // SOI
    jpeg.extend_from_slice(&[0xFF, 0xFE]); // COM, its length counting itself
    jpeg.extend_from_slice(&(comment.len() as u16 + 2).to_be_bytes());
    jpeg.extend_from_slice(comment.as_bytes());
    jpeg.extend_from_slice(&base[2..]);
    jpeg
}

fn picture(n: u64, side: u32, amplitude: u64) -> Vec<u8> {
    let mut state = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let pixels = image::RgbImage::from_fn(side, side, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % amplitude) as u8;
        image::Rgb([
            (n as u8).wrapping_add(noise),
            (x as u8).wrapping_add(noise),
            (y as u8).wrapping_add((n >> 8) as u8),
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    pixels
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encoding a JPEG in memory");
    out.into_inner()
}

/// Writes `images` images (two per generation, a hundred per conversation) for `account`, all
/// with the same stand-in bytes as their original.
pub async fn seed(platform: &NativePlatform, account: &str, images: u64) {
    seed_sized(platform, account, images, 192).await;
}

/// As [`seed`], with thumbnails `side` px square.
pub async fn seed_sized(platform: &NativePlatform, account: &str, images: u64, side: u32) {
    let original = bytes::Bytes::from_static(b"\x89PNG original stand-in");
    seed_thumbnails(platform, account, images, side, |_| original.clone()).await;
}

/// As [`seed`], with `original(n)` as the original of image `n`.
pub async fn seed_with(
    platform: &NativePlatform,
    account: &str,
    images: u64,
    original: impl Fn(u64) -> bytes::Bytes,
) {
    seed_thumbnails(platform, account, images, 192, original).await;
}

async fn seed_thumbnails(
    platform: &NativePlatform,
    account: &str,
    images: u64,
    side: u32,
    original: impl Fn(u64) -> bytes::Bytes,
) {
    for n in 0..images {
        let original = original(n);
        let original_hash = hex::encode(Sha256::digest(&original));
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
        let thumb = thumbnail_sized(n, side);
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

//! A library written straight into a platform's store, for benchmarks: generating thousands of
//! images through the kie simulator would measure kie's rate limit instead. Rows are the
//! pipeline's own ([`crate::generations::rows`]), each written with its sync-log entry, in the
//! service's batches: two images per generation, a hundred per conversation.
//!
//! Built only with the `test-hooks` feature, like the test routes.

use atelier_api::sync::SyncKind;
use bytes::Bytes;

use crate::crypto::sha256_hex;
use crate::error::ApiResult;
use crate::generations::rows::{GenerationInsert, ImageInsert};
use crate::platform::{BlobKey, Platform, Statement};
use crate::sync::log;

/// What a seeded library holds.
pub struct Library<T, O> {
    /// Makes ids distinct between libraries seeded into one store (at most 6 hex digits).
    pub prefix: u32,
    pub images: u64,
    /// Image `n`'s thumbnail (JPEG bytes).
    pub thumbnail: T,
    /// Image `n`'s original.
    pub original: O,
}

/// The id of the `n`th record of `kind` (1 conversations, 2 generations, 3 images).
pub fn id(prefix: u32, kind: u8, n: u64) -> String {
    format!("{kind:02x}{prefix:06x}{n:024x}")
}

/// Writes `library` for `account`, newest image last.
pub async fn seed<P, T, O>(platform: &P, account: &str, library: Library<T, O>) -> ApiResult<()>
where
    P: Platform,
    T: Fn(u64) -> Vec<u8>,
    O: Fn(u64) -> Bytes,
{
    let id = |kind: u8, n: u64| id(library.prefix, kind, n);
    for n in 0..library.images {
        let (generation, conversation) = (id(2, n / 2), id(1, n / 100));
        let now = platform.now_ms();
        let mut batch = Vec::new();
        if n % 100 == 0 {
            batch.push(
                Statement::new(
                    "INSERT INTO conversations (id, account_id, title, untitled, created_at, updated_at)
                     VALUES (?, ?, ?, 0, ?, ?)",
                )
                .bind(conversation.as_str())
                .bind(account)
                .bind(format!("Conversation {}", n / 100))
                .bind(now)
                .bind(now),
            );
            batch.extend(log::changed(
                account,
                SyncKind::Conversation,
                &conversation,
                now,
            ));
        }
        if n % 2 == 0 {
            let prompt = format!("benchmark picture {} of a lighthouse", n / 2);
            batch.push(
                GenerationInsert {
                    id: &generation,
                    account_id: account,
                    conversation_id: &conversation,
                    idempotency_key: &generation,
                    prompt: &prompt,
                    model: "nano-banana",
                    aspect_ratio: "1:1",
                    count: 2,
                    cost_per_image: 4,
                    input_images: "",
                    status: "done",
                    created_at: now,
                }
                .insert(),
            );
            batch.extend(log::changed(
                account,
                SyncKind::Generation,
                &generation,
                now,
            ));
        }
        let image = id(3, n);
        let (original, thumbnail) = ((library.original)(n), (library.thumbnail)(n));
        let base = format!("images/{account}/{image}");
        let original_key = BlobKey::new(format!("{base}/original.png"))?;
        let thumbnail_key = BlobKey::new(format!("{base}/thumbnail.jpg"))?;
        let row = ImageInsert {
            id: &image,
            generation_id: &generation,
            account_id: account,
            idx: (n % 2) as i64,
            original_key: original_key.as_str(),
            thumbnail_key: thumbnail_key.as_str(),
            content_type: "image/png",
            sha256: &sha256_hex(&original),
            width: 1024,
            height: 1024,
            bytes: original.len() as i64,
            thumbnail_bytes: thumbnail.len() as i64,
            thumbnail_sha256: &sha256_hex(&thumbnail),
            created_at: now,
        };
        batch.push(row.insert());
        batch.extend(log::changed(account, SyncKind::Image, &image, now));
        platform
            .blob_put(&original_key, original, "image/png")
            .await?;
        platform
            .blob_put(&thumbnail_key, Bytes::from(thumbnail), "image/jpeg")
            .await?;
        platform.batch(batch).await?;
    }
    Ok(())
}

/// A real JPEG per image, distinct (the client's cache stores files by hash, so equal ones would
/// be fetched once): noise over a colour that changes with `n`, about the size of a real
/// thumbnail of 192 px.
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
    // Encoding an in-memory RGB picture as JPEG cannot fail; an empty file would show as a
    // broken tile, not a wrong figure.
    let _ = pixels.write_to(&mut out, image::ImageFormat::Jpeg);
    out.into_inner()
}

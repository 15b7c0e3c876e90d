//! Grid-sized thumbnails. A gallery tile is about 180 px, and the webview keeps every image it
//! decodes at its own size: a 512 px thumbnail costs 1 MiB of pixels, four times what the tile
//! shows. So the grid gets a copy of at most [`GRID_SIDE_PX`] a side, made once from the cached
//! thumbnail the first time it is asked for, and kept in `files/grid/ab/<thumbnail sha256>`
//! (named by the thumbnail it was made from: the same picture twice is made once). The detail
//! view keeps the 512 px thumbnail and the original.
//!
//! It lives inside the file store's folder, so whatever removes the store (an account switched or
//! deleted, "Clear cache") removes the copies with it; the integrity check leaves the folder
//! alone, since a copy is made again whenever it is missing.

use std::io::Write;
use std::path::PathBuf;

use super::Cache;
use super::files::{FileStore, is_sha256};
use crate::error::ClientError;

/// The longest side of a grid thumbnail: a tile's size on a 1.4× screen, a quarter of the 512 px
/// thumbnail's pixels.
pub const GRID_SIDE_PX: u32 = 256;
/// JPEG, like the thumbnail it is made from: WebKit decodes it cheapest of the formats at hand
/// (libjpeg-turbo), and the smallest on disk.
const QUALITY: u8 = 82;
/// The folder inside the file store: not a two-hex-digit shard, so never a content file's.
pub const GRID_FOLDER: &str = "grid";

impl Cache {
    /// The grid thumbnail of image `image_id`: read from disk, or made now from the cached
    /// thumbnail and kept. `None` when the image is unknown or its thumbnail is not cached yet.
    pub async fn grid_thumbnail(&self, image_id: &str) -> Result<Option<Vec<u8>>, ClientError> {
        let hash: Option<String> = sqlx::query_scalar(
            "SELECT thumbnail_sha256 FROM images WHERE id = ? AND thumbnail_cached = 1",
        )
        .bind(image_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(hash) = hash else { return Ok(None) };
        let files = self.files().clone();
        tokio::task::spawn_blocking(move || grid_from_store(&files, &hash))
            .await
            .map_err(|e| ClientError::Cache(format!("making a grid thumbnail: {e}")))?
    }
}

/// Where the grid copy of the thumbnail `hash` lives; `None` for anything that is not a SHA-256.
pub fn grid_path(files: &FileStore, hash: &str) -> Option<PathBuf> {
    is_sha256(hash).then(|| files.root().join(GRID_FOLDER).join(&hash[..2]).join(hash))
}

fn grid_from_store(files: &FileStore, hash: &str) -> Result<Option<Vec<u8>>, ClientError> {
    let Some(path) = grid_path(files, hash) else {
        return Ok(None);
    };
    if let Ok(bytes) = std::fs::read(&path) {
        return Ok(Some(bytes));
    }
    let Some(thumbnail) = files.read_verified(hash) else {
        return Ok(None);
    };
    let grid = match shrink(&thumbnail) {
        Some(bytes) => bytes,
        // Already small enough, or not an image this decoder takes: the thumbnail as it is
        // (the webview decodes what it can), kept so the next request reads one file.
        None => thumbnail,
    };
    write_atomically(&path, &grid)?;
    Ok(Some(grid))
}

/// The thumbnail scaled to fit [`GRID_SIDE_PX`], as JPEG; `None` when it already fits or does
/// not decode (within the decoder's limits).
pub fn shrink(thumbnail: &[u8]) -> Option<Vec<u8>> {
    let image = crate::image_bytes::decode(thumbnail).ok()?;
    if image.width().max(image.height()) <= GRID_SIDE_PX {
        return None;
    }
    atelier_imaging::jpeg(&atelier_imaging::scaled(image, GRID_SIDE_PX)?, QUALITY)
}

/// Written to a temporary name, then renamed: a reader sees the whole file or none.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), ClientError> {
    let io = |e: std::io::Error| ClientError::Cache(format!("writing a grid thumbnail: {e}"));
    let dir = path
        .parent()
        .ok_or_else(|| ClientError::Cache("a grid thumbnail without a folder".into()))?;
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    temp.write_all(bytes).map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::files::sha256_hex;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let pixels = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        pixels.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    /// An image row whose thumbnail is `thumbnail`, cached (or not) in the file store.
    async fn image_with_thumbnail(cache: &Cache, id: &str, thumbnail: &[u8], cached: bool) {
        let hash = sha256_hex(thumbnail);
        if cached {
            cache.files().write(&hash, thumbnail).unwrap();
        }
        sqlx::query(
            "INSERT INTO images (id, generation_id, conversation_id, idx, width, height, content_type, sha256, bytes,
                                 thumbnail_sha256, thumbnail_bytes, favourite, created_at, updated_at, thumbnail_cached)
             VALUES (?, 'g', 'c', 0, 1024, 1024, 'image/png', ?, 1, ?, ?, 0, 1, 1, ?)",
        )
        .bind(id)
        .bind("0".repeat(64))
        .bind(&hash)
        .bind(thumbnail.len() as i64)
        .bind(cached)
        .execute(cache.pool())
        .await
        .unwrap();
    }

    fn dimensions(bytes: &[u8]) -> (u32, u32) {
        let image = crate::image_bytes::decode(bytes).unwrap();
        (image.width(), image.height())
    }

    #[tokio::test]
    async fn the_grid_gets_a_quarter_of_the_thumbnail_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).await.unwrap();
        let thumbnail = jpeg(512, 288);
        let id = "0123456789abcdef0123456789abcdef";
        image_with_thumbnail(&cache, id, &thumbnail, true).await;

        let grid = cache.grid_thumbnail(id).await.unwrap().unwrap();
        assert_eq!(dimensions(&grid), (256, 144), "the longest side is 256 px");
        assert!(grid.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
        assert!(grid.len() < thumbnail.len());

        // Kept: the next request reads the file, even with the thumbnail gone.
        let path = grid_path(cache.files(), &sha256_hex(&thumbnail)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), grid);
        cache.files().remove(&sha256_hex(&thumbnail));
        assert_eq!(cache.grid_thumbnail(id).await.unwrap().unwrap(), grid);
    }

    #[tokio::test]
    async fn a_small_thumbnail_is_its_own_grid_thumbnail() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).await.unwrap();
        let thumbnail = jpeg(192, 192);
        let id = "1123456789abcdef0123456789abcdef";
        image_with_thumbnail(&cache, id, &thumbnail, true).await;
        assert_eq!(cache.grid_thumbnail(id).await.unwrap().unwrap(), thumbnail);
    }

    #[tokio::test]
    async fn nothing_is_made_without_a_cached_thumbnail() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).await.unwrap();
        let id = "2123456789abcdef0123456789abcdef";
        image_with_thumbnail(&cache, id, &jpeg(512, 512), false).await;
        assert_eq!(cache.grid_thumbnail(id).await.unwrap(), None);
        assert_eq!(
            cache
                .grid_thumbnail("3123456789abcdef0123456789abcdef")
                .await
                .unwrap(),
            None
        );
    }

    /// The copies go with the store: an account switched (the cache wiped) leaves none of the
    /// other account's, and the integrity check neither removes them nor counts them as leftovers.
    #[tokio::test]
    async fn grid_thumbnails_go_with_the_file_store_and_survive_the_integrity_check() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).await.unwrap();
        let thumbnail = jpeg(512, 512);
        let id = "4123456789abcdef0123456789abcdef";
        image_with_thumbnail(&cache, id, &thumbnail, true).await;
        cache.grid_thumbnail(id).await.unwrap().unwrap();
        let path = grid_path(cache.files(), &sha256_hex(&thumbnail)).unwrap();

        let report = cache.check_integrity().await.unwrap();
        assert!(report.is_clean(), "{report:?}");
        assert!(path.exists(), "the integrity check keeps grid thumbnails");

        cache.wipe().await.unwrap();
        assert!(!path.exists(), "wiping the cache removes grid thumbnails");
    }
}

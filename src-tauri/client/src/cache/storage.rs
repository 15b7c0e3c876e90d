//! What the cache takes on disk: thumbnails are always kept; originals up to a budget the person
//! sets, the least recently viewed evicted first (and fetched again when wanted).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Cache, DEFAULT_ORIGINALS_BUDGET};
use crate::error::ClientError;

/// The largest budget accepted: 1024 GB, the most the UI offers. (0 keeps no originals: each is
/// fetched when shown.)
pub const MAX_BUDGET: u64 = 1024 * 1024 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StorageInfo {
    /// Everything in the data folder's image store.
    pub cache_bytes: u64,
    pub thumbnails_bytes: u64,
    pub originals_bytes: u64,
    pub budget_bytes: u64,
    pub folder: String,
}

impl Cache {
    pub async fn originals_budget(&self) -> Result<u64, ClientError> {
        Ok(self
            .meta("originals_budget")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_ORIGINALS_BUDGET))
    }

    /// Sets the budget (up to 1 TB) and evicts down to it.
    pub async fn set_originals_budget(&self, bytes: u64) -> Result<(), ClientError> {
        if bytes > MAX_BUDGET {
            return Err(ClientError::api(
                atelier_api::ErrorCode::BadRequest,
                format!("the budget is at most {MAX_BUDGET} bytes"),
            ));
        }
        self.set_meta("originals_budget", &bytes.to_string())
            .await?;
        self.evict_originals().await.map(|_| ())
    }

    pub async fn storage_info(&self) -> Result<StorageInfo, ClientError> {
        // Distinct files: the same picture twice is stored once.
        let thumbnails: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(thumbnail_bytes), 0) FROM (SELECT DISTINCT thumbnail_sha256, thumbnail_bytes FROM images WHERE thumbnail_cached = 1)",
        )
        .fetch_one(&self.pool)
        .await?;
        let originals: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(bytes), 0) FROM (SELECT DISTINCT sha256, bytes FROM images WHERE original_cached = 1)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(StorageInfo {
            cache_bytes: self.files.size(),
            thumbnails_bytes: thumbnails as u64,
            originals_bytes: originals as u64,
            budget_bytes: self.originals_budget().await?,
            folder: self.dir.display().to_string(),
        })
    }

    /// Evicts originals, least recently viewed first, until the rest fit the budget.
    pub async fn evict_originals(&self) -> Result<u32, ClientError> {
        let budget = self.originals_budget().await? as i64;
        // Only the originals on disk are read (a partial index holds them).
        let cached: Vec<(String, i64)> = sqlx::query_as(
            "SELECT sha256, MAX(bytes) FROM images WHERE original_cached = 1
             GROUP BY sha256 ORDER BY MAX(last_viewed_at) DESC, MAX(created_at) DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut kept = 0_i64;
        let mut evicted = 0;
        for (hash, bytes) in cached {
            if kept + bytes <= budget {
                kept += bytes;
                continue;
            }
            sqlx::query("UPDATE images SET original_cached = 0 WHERE sha256 = ?")
                .bind(&hash)
                .execute(&self.pool)
                .await?;
            // A picture's original can be another's thumbnail only by a hash collision; still,
            // never remove a file some row needs.
            let a_thumbnail: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM images WHERE thumbnail_sha256 = ?)",
            )
            .bind(&hash)
            .fetch_one(&self.pool)
            .await?;
            if !a_thumbnail {
                self.files.remove(&hash);
            }
            evicted += 1;
        }
        Ok(evicted)
    }

    /// The thumbnails not on disk, newest first: one image (id, file hash) per file.
    pub async fn missing_thumbnails(&self) -> Result<Vec<(String, String)>, ClientError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, thumbnail_sha256 FROM images WHERE thumbnail_cached = 0
             ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut seen = HashSet::new();
        Ok(rows
            .into_iter()
            .filter(|(_, hash)| seen.insert(hash.clone()))
            .collect())
    }

    /// The originals to fetch: newest first, one image (id, file hash) per file, while they fit
    /// the budget beside those on disk. Read a page at a time, so a full budget costs one page.
    pub async fn originals_to_fetch(&self) -> Result<Vec<(String, String)>, ClientError> {
        const PAGE: i64 = 64;
        let budget = self.originals_budget().await? as i64;
        let mut used: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(bytes), 0) FROM (SELECT DISTINCT sha256, bytes FROM images WHERE original_cached = 1)",
        )
        .fetch_one(&self.pool)
        .await?;
        let mut wanted = Vec::new();
        let mut seen = HashSet::new();
        let mut after: Option<(i64, String)> = None;
        loop {
            let page: Vec<(String, String, i64, i64)> = sqlx::query_as(
                "SELECT id, sha256, bytes, created_at FROM images
                 WHERE original_cached = 0 AND (?1 IS NULL OR (created_at, id) < (?1, ?2))
                 ORDER BY created_at DESC, id DESC LIMIT ?3",
            )
            .bind(after.as_ref().map(|(at, _)| *at))
            .bind(after.as_ref().map(|(_, id)| id.clone()))
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            let full = page.len() as i64 == PAGE;
            for (id, hash, bytes, created_at) in page {
                after = Some((created_at, id.clone()));
                if !seen.insert(hash.clone()) {
                    continue;
                }
                if used + bytes > budget {
                    return Ok(wanted);
                }
                used += bytes;
                wanted.push((id, hash));
            }
            if !full {
                return Ok(wanted);
            }
        }
    }

    /// The file of an image's original: its hash and content type; `None` for an image the
    /// cache does not hold.
    pub async fn original_file(
        &self,
        image_id: &str,
    ) -> Result<Option<(String, String)>, ClientError> {
        Ok(
            sqlx::query_as("SELECT sha256, content_type FROM images WHERE id = ?")
                .bind(image_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The hash of an image's thumbnail file; `None` for an image the cache does not hold.
    pub async fn thumbnail_file(&self, image_id: &str) -> Result<Option<String>, ClientError> {
        Ok(
            sqlx::query_scalar("SELECT thumbnail_sha256 FROM images WHERE id = ?")
                .bind(image_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The file of `hash` was found missing or damaged: the images that use it as an original
    /// (or, `original` false, as a thumbnail) say so, and it is fetched again.
    pub async fn mark_missing(&self, hash: &str, original: bool) -> Result<(), ClientError> {
        let sql = if original {
            "UPDATE images SET original_cached = 0 WHERE sha256 = ?"
        } else {
            "UPDATE images SET thumbnail_cached = 0 WHERE thumbnail_sha256 = ?"
        };
        sqlx::query(sql).bind(hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Removes every cached file; rows stay and sync fetches thumbnails again.
    pub async fn clear_files(&self) -> Result<(), ClientError> {
        sqlx::query("UPDATE images SET thumbnail_cached = 0, original_cached = 0")
            .execute(&self.pool)
            .await?;
        match std::fs::remove_dir_all(self.files.root()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ClientError::Cache(format!("clearing the image files: {e}"))),
        }
    }
}

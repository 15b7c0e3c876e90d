//! The account's uploads on this device: their rows (from sync) and which thumbnails are here.

use atelier_api::uploads::Upload;
use serde::{Deserialize, Serialize};
use sqlx::SqliteExecutor;

use super::Cache;
use crate::error::ClientError;

/// An upload as the cache knows it: enough to show it and to name it as an input offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CachedUpload {
    pub id: String,
    pub width: i64,
    pub height: i64,
    pub content_type: String,
    pub sha256: String,
    pub thumbnail_sha256: String,
    pub created_at: i64,
    /// Whether the thumbnail's file is on disk (shown offline).
    pub thumbnail_cached: bool,
}

/// Records an upload (from sync, or just made on this device). An upload never changes once
/// made, so a second copy of it changes nothing.
pub(super) async fn insert<'e>(
    db: impl SqliteExecutor<'e>,
    u: &Upload,
    thumbnail_cached: bool,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO uploads (id, width, height, content_type, sha256, bytes, thumbnail_sha256,
                              thumbnail_bytes, created_at, thumbnail_cached)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&u.id)
    .bind(i64::from(u.width))
    .bind(i64::from(u.height))
    .bind(&u.content_type)
    .bind(&u.sha256)
    .bind(u.bytes as i64)
    .bind(&u.thumbnail_sha256)
    .bind(u.thumbnail_bytes as i64)
    .bind(u.created_at)
    .bind(thumbnail_cached)
    .execute(db)
    .await?;
    Ok(())
}

impl Cache {
    /// An upload made on this device, kept at once (sync brings the same record later and
    /// changes nothing), with whether its thumbnail's file is here.
    pub async fn put_upload(&self, u: &Upload) -> Result<CachedUpload, ClientError> {
        let thumbnail_cached = self.files.has(&u.thumbnail_sha256, u.thumbnail_bytes);
        insert(&self.pool, u, thumbnail_cached).await?;
        self.upload(&u.id)
            .await?
            .ok_or_else(|| ClientError::InvalidSyncData(format!("upload {} vanished", u.id)))
    }

    /// One upload, if this device knows it.
    pub async fn upload(&self, id: &str) -> Result<Option<CachedUpload>, ClientError> {
        Ok(sqlx::query_as(
            "SELECT id, width, height, content_type, sha256, thumbnail_sha256, created_at, thumbnail_cached
             FROM uploads WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every upload, newest first.
    pub async fn uploads(&self) -> Result<Vec<CachedUpload>, ClientError> {
        Ok(sqlx::query_as(
            "SELECT id, width, height, content_type, sha256, thumbnail_sha256, created_at, thumbnail_cached
             FROM uploads ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The upload thumbnails not on disk, newest first: (upload id, file hash).
    pub async fn missing_upload_thumbnails(&self) -> Result<Vec<(String, String)>, ClientError> {
        Ok(sqlx::query_as(
            "SELECT id, thumbnail_sha256 FROM uploads WHERE thumbnail_cached = 0
             ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The file of `hash` is on disk now: every row that uses it as a thumbnail (`original`
    /// false) or an original says so.
    pub async fn mark_cached(&self, hash: &str, original: bool) -> Result<(), ClientError> {
        let statements: &[&str] = if original {
            &["UPDATE images SET original_cached = 1 WHERE sha256 = ?"]
        } else {
            &[
                "UPDATE images SET thumbnail_cached = 1 WHERE thumbnail_sha256 = ?",
                "UPDATE uploads SET thumbnail_cached = 1 WHERE thumbnail_sha256 = ?",
            ]
        };
        for sql in statements {
            sqlx::query(sql).bind(hash).execute(&self.pool).await?;
        }
        Ok(())
    }
}

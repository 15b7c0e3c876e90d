//! The account's uploads on this device: their rows (from sync) and which thumbnails are here.

use serde::{Deserialize, Serialize};

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

impl Cache {
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

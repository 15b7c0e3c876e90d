//! The `uploads` table: the only place that reads or writes it.

use atelier_api::uploads::Upload;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::generations::images::StoredKeys;
use crate::platform::{Platform, Statement, rows_as};

/// An upload as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadRow {
    pub id: String,
    pub account_id: String,
    pub original_key: String,
    pub thumbnail_key: String,
    pub content_type: String,
    pub sha256: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub thumbnail_sha256: String,
    pub thumbnail_bytes: i64,
    pub created_at: i64,
}

pub const COLUMNS: &str =
    "id, account_id, original_key, thumbnail_key, content_type, sha256, width, height, bytes,
     thumbnail_sha256, thumbnail_bytes, created_at";

impl From<UploadRow> for Upload {
    fn from(r: UploadRow) -> Self {
        Self {
            id: r.id,
            width: r.width as u32,
            height: r.height as u32,
            bytes: r.bytes as u64,
            sha256: r.sha256,
            content_type: r.content_type,
            thumbnail_sha256: r.thumbnail_sha256,
            thumbnail_bytes: r.thumbnail_bytes as u64,
            created_at: r.created_at,
        }
    }
}

impl UploadRow {
    pub fn keys(&self) -> StoredKeys {
        StoredKeys {
            original_key: self.original_key.clone(),
            thumbnail_key: self.thumbnail_key.clone(),
            sha256: self.sha256.clone(),
        }
    }

    /// Stores the row unless the account already has these bytes or is being deleted: one
    /// statement, guarded as the images' are, so a purge that has begun is never written behind.
    pub fn insert(&self) -> Statement {
        Statement::new(format!(
            "INSERT INTO uploads ({COLUMNS})
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
             WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ? AND deleted_at IS NULL)
             ON CONFLICT (account_id, sha256) DO NOTHING"
        ))
        .bind(self.id.as_str())
        .bind(self.account_id.as_str())
        .bind(self.original_key.as_str())
        .bind(self.thumbnail_key.as_str())
        .bind(self.content_type.as_str())
        .bind(self.sha256.as_str())
        .bind(self.width)
        .bind(self.height)
        .bind(self.bytes)
        .bind(self.thumbnail_sha256.as_str())
        .bind(self.thumbnail_bytes)
        .bind(self.created_at)
        .bind(self.account_id.as_str())
    }
}

/// The account's upload of exactly these bytes, if any.
pub async fn by_sha256<P: Platform>(
    platform: &P,
    account_id: &str,
    sha256: &str,
) -> ApiResult<Option<UploadRow>> {
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {COLUMNS} FROM uploads WHERE account_id = ? AND sha256 = ?"
            ))
            .bind(account_id)
            .bind(sha256),
        )
        .await?;
    Ok(rows_as(rows)?.into_iter().next())
}

/// The account's uploads among `ids` (at most 100 at a time), in no particular order.
pub async fn owned<P: Platform>(
    platform: &P,
    account_id: &str,
    ids: &[&str],
) -> ApiResult<Vec<UploadRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = vec!["?"; ids.len()].join(", ");
    let mut statement = Statement::new(format!(
        "SELECT {COLUMNS} FROM uploads WHERE account_id = ? AND id IN ({list})"
    ))
    .bind(account_id);
    for id in ids {
        statement = statement.bind(*id);
    }
    Ok(rows_as(platform.query(statement).await?)?)
}

/// Every upload of the account, oldest first (the data export).
pub async fn all_of<P: Platform>(platform: &P, account_id: &str) -> ApiResult<Vec<Upload>> {
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {COLUMNS} FROM uploads WHERE account_id = ? ORDER BY created_at, id"
            ))
            .bind(account_id),
        )
        .await?;
    Ok(rows_as::<UploadRow>(rows)?
        .into_iter()
        .map(Upload::from)
        .collect())
}

/// Removes the account's upload `id`.
pub fn delete(account_id: &str, id: &str) -> Statement {
    Statement::new("DELETE FROM uploads WHERE id = ? AND account_id = ?")
        .bind(id)
        .bind(account_id)
}

/// The purge's statement: the account's rows, a chunk at a time (`?1` account, `?2` chunk).
pub const PURGE: &str =
    "DELETE FROM uploads WHERE rowid IN (SELECT rowid FROM uploads WHERE account_id = ?1 LIMIT ?2)";

//! The KV port on its own SQLite file, so sessions and counters survive a restart. Expired entries
//! are invisible at once (checked against the platform clock) and swept later.

use std::path::Path;

use sqlx::SqlitePool;

use super::{NativePlatform, OpenError};
use crate::platform::{Kv, KvPage, PlatformError, check_ttl};

/// Workers KV lists at most this many keys per page.
const LIST_PAGE: i64 = 1_000;

pub(super) async fn open(path: &Path) -> Result<SqlitePool, OpenError> {
    let pool = super::sql::open(path).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS kv (
            key        TEXT PRIMARY KEY NOT NULL,
            value      BLOB NOT NULL,
            expires_at INTEGER
        ) STRICT",
    )
    .execute(&pool)
    .await
    .map_err(|source| OpenError::Database {
        path: path.to_owned(),
        source,
    })?;
    Ok(pool)
}

fn kv_error(e: sqlx::Error) -> PlatformError {
    PlatformError::Kv(e.to_string())
}

pub(super) async fn sweep(pool: &SqlitePool, now_ms: i64) -> Result<u64, PlatformError> {
    let done = sqlx::query("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?")
        .bind(now_ms)
        .execute(pool)
        .await
        .map_err(kv_error)?;
    Ok(done.rows_affected())
}

fn check_key(key: &str) -> Result<(), PlatformError> {
    // Workers KV: keys are 1..=512 bytes.
    if key.is_empty() || key.len() > 512 {
        return Err(PlatformError::Invalid(format!(
            "KV key of {} bytes",
            key.len()
        )));
    }
    Ok(())
}

impl Kv for NativePlatform {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        check_key(key)?;
        sqlx::query_scalar(
            "SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(key)
        .bind(crate::platform::Platform::now_ms(self))
        .fetch_optional(&self.inner.kv)
        .await
        .map_err(kv_error)
    }

    async fn kv_put(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl_seconds: Option<u64>,
    ) -> Result<(), PlatformError> {
        check_key(key)?;
        check_ttl(ttl_seconds)?;
        let now = crate::platform::Platform::now_ms(self);
        let expires_at =
            ttl_seconds.map(|ttl| now.saturating_add((ttl as i64).saturating_mul(1000)));
        sqlx::query(
            "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(value)
        .bind(expires_at)
        .execute(&self.inner.kv)
        .await
        .map_err(kv_error)?;
        Ok(())
    }

    async fn kv_delete(&self, key: &str) -> Result<(), PlatformError> {
        check_key(key)?;
        sqlx::query("DELETE FROM kv WHERE key = ?")
            .bind(key)
            .execute(&self.inner.kv)
            .await
            .map_err(kv_error)?;
        Ok(())
    }

    async fn kv_list(&self, prefix: &str, cursor: Option<String>) -> Result<KvPage, PlatformError> {
        let now = crate::platform::Platform::now_ms(self);
        let mut rows: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT key, expires_at FROM kv
             WHERE substr(key, 1, length(?1)) = ?1 AND key > ?2 AND (expires_at IS NULL OR expires_at > ?3)
             ORDER BY key LIMIT ?4",
        )
        .bind(prefix)
        .bind(cursor.unwrap_or_default())
        .bind(now)
        .bind(LIST_PAGE + 1)
        .fetch_all(&self.inner.kv)
        .await
        .map_err(kv_error)?;
        let more = rows.len() as i64 > LIST_PAGE;
        rows.truncate(LIST_PAGE as usize);
        let (keys, expires_at_ms): (Vec<String>, Vec<Option<i64>>) = rows.into_iter().unzip();
        let cursor = if more { keys.last().cloned() } else { None };
        Ok(KvPage {
            keys,
            cursor,
            expires_at_ms,
        })
    }
}

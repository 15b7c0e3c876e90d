//! The KV port on its own SQLite file, so sessions and counters survive a restart. Expired entries
//! are invisible at once (checked against the platform clock) and swept later. Reads are answered
//! from memory when they can be, exactly (`kv_cache.rs`).

use std::path::Path;
use std::sync::Arc;

use super::kv_cache::{Lookup, Value};
use super::sql::Database;
use super::{NativePlatform, OpenError};
use crate::platform::{Kv, KvPage, PlatformError, check_ttl};

/// Workers KV lists at most this many keys per page.
const LIST_PAGE: i64 = 1_000;

pub(super) async fn open(path: &Path) -> Result<Database, OpenError> {
    let db = super::sql::open(path).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS kv (
            key        TEXT PRIMARY KEY NOT NULL,
            value      BLOB NOT NULL,
            expires_at INTEGER
        ) STRICT",
    )
    .execute(&db.write)
    .await
    .map_err(|source| OpenError::Database {
        path: path.to_owned(),
        source,
    })?;
    Ok(db)
}

fn kv_error(e: sqlx::Error) -> PlatformError {
    PlatformError::Kv(e.to_string())
}

pub(super) async fn sweep(db: &Database, now_ms: i64) -> Result<u64, PlatformError> {
    // Expired rows are invisible already, cached or not: removing them changes no read.
    let done = sqlx::query("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?")
        .bind(now_ms)
        .execute(&db.write)
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

impl NativePlatform {
    /// Writes `key` (a value, or `None` to delete it) in a task of its own: the key's mark in
    /// the cache must outlast the write, even if the request that asked goes away mid-write.
    async fn kv_write(
        &self,
        key: &str,
        value: Option<Vec<u8>>,
        expires_at: Option<i64>,
    ) -> Result<(), PlatformError> {
        let write = self.inner.kv_cache.write(key);
        let db = self.inner.kv.clone();
        let key = key.to_owned();
        tokio::spawn(async move {
            let bytes: Option<Arc<[u8]>> = value.map(Into::into);
            let done = match &bytes {
                Some(bytes) => sqlx::query(
                    "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                )
                .bind(key.as_str())
                .bind(bytes.to_vec())
                .bind(expires_at)
                .execute(&db.write)
                .await,
                None => {
                    sqlx::query("DELETE FROM kv WHERE key = ?")
                        .bind(key.as_str())
                        .execute(&db.write)
                        .await
                }
            };
            done.map_err(kv_error)?;
            write.committed(Value { bytes, expires_at });
            Ok(())
        })
        .await
        .map_err(|e| PlatformError::Kv(format!("a KV write's task failed: {e}")))?
    }
}

impl Kv for NativePlatform {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        check_key(key)?;
        let now = crate::platform::Platform::now_ms(self);
        let fill = match self.inner.kv_cache.get(key, now) {
            Lookup::Hit(value) => return Ok(value),
            Lookup::Miss(fill) => fill,
        };
        let row: Option<(Vec<u8>, Option<i64>)> = sqlx::query_as(
            "SELECT value, expires_at FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(key)
        .bind(now)
        .fetch_optional(&self.inner.kv.read)
        .await
        .map_err(kv_error)?;
        let (bytes, expires_at) = row.map_or((None, None), |(v, t)| (Some(v), t));
        if let Some(fill) = fill {
            // Absent stays absent (an expired row never comes back) until a write here.
            fill.keep(Value {
                bytes: bytes.as_deref().map(Into::into),
                expires_at,
            });
        }
        Ok(bytes)
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
        self.kv_write(key, Some(value), expires_at).await
    }

    async fn kv_delete(&self, key: &str) -> Result<(), PlatformError> {
        check_key(key)?;
        self.kv_write(key, None, None).await
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
        .fetch_all(&self.inner.kv.read)
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

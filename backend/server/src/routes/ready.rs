//! `GET /readyz`: proves each storage port works by a round trip through it: one SQL batch, one KV
//! write and read, one blob write, read and delete. A load balancer or the conformance suite calls it.

use axum::Json;
use axum::extract::State;
use bytes::Bytes;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::platform::{BlobKey, Platform, Statement, rows_as};

#[derive(Debug, Serialize)]
pub struct Readiness {
    pub sql: bool,
    pub kv: bool,
    pub blobs: bool,
}

const PROBE_KEY: &str = "readiness-probe";

pub async fn ready<P: Platform>(State(platform): State<P>) -> ApiResult<Json<Readiness>> {
    let now = platform.now_ms();
    let stamp = now.to_string();

    platform
        .batch(vec![
            Statement::new(
                "INSERT INTO service_meta (key, value, updated_at) VALUES (?, ?, ?) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(PROBE_KEY)
            .bind(stamp.clone())
            .bind(now),
        ])
        .await?;
    #[derive(serde::Deserialize)]
    struct Meta {
        value: String,
    }
    let rows = platform
        .query(Statement::new("SELECT value FROM service_meta WHERE key = ?").bind(PROBE_KEY))
        .await?;
    let sql = rows_as::<Meta>(rows)?
        .first()
        .is_some_and(|m| m.value == stamp);

    platform
        .kv_put(PROBE_KEY, stamp.clone().into_bytes(), Some(60))
        .await?;
    let kv = platform.kv_get(PROBE_KEY).await?.as_deref() == Some(stamp.as_bytes());

    let key = BlobKey::new(PROBE_KEY)?;
    platform
        .blob_put(&key, Bytes::from(stamp.clone()), "text/plain")
        .await?;
    let blobs = platform
        .blob_get(&key)
        .await?
        .is_some_and(|b| b.bytes == stamp.as_bytes());
    platform.blob_delete(std::slice::from_ref(&key)).await?;

    if sql && kv && blobs {
        Ok(Json(Readiness { sql, kv, blobs }))
    } else {
        tracing::error!(
            sql,
            kv,
            blobs,
            "readiness round trip read back something else"
        );
        Err(ApiError::new(
            atelier_api::ErrorCode::Unavailable,
            "storage did not read back what was written",
        ))
    }
}

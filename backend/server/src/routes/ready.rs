//! `GET /readyz`: proves each storage port answers, by one read through each: `SELECT 1`, a KV
//! get and a blob get of a key nobody writes. It writes nothing, so a load balancer (or anyone: it
//! needs no session) may call it as often as it likes without billable writes or growing state.
//! A port that fails answers the error envelope; its error reports are rate-limited like all.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::platform::{BlobKey, Platform, Statement, rows_as};

#[derive(Debug, Serialize)]
pub struct Readiness {
    pub sql: bool,
    pub kv: bool,
    pub blobs: bool,
}

/// Read, never written: what it holds does not matter, only that the read is answered.
const PROBE_KEY: &str = "readiness-probe";

pub async fn ready<P: Platform>(State(platform): State<P>) -> ApiResult<Json<Readiness>> {
    #[derive(serde::Deserialize)]
    struct One {
        ok: i64,
    }
    let rows = platform.query(Statement::new("SELECT 1 AS ok")).await?;
    let sql = rows_as::<One>(rows)?.first().is_some_and(|r| r.ok == 1);

    // A missing key is an answer too: the port works.
    platform.kv_get(PROBE_KEY).await?;
    let kv = true;
    platform.blob_get(&BlobKey::new(PROBE_KEY)?).await?;
    let blobs = true;

    if sql {
        Ok(Json(Readiness { sql, kv, blobs }))
    } else {
        tracing::error!("readiness: SELECT 1 did not answer 1");
        Err(ApiError::new(
            atelier_api::ErrorCode::Unavailable,
            "the database did not answer as expected",
        ))
    }
}

//! `/__test/*`: hooks the conformance suite needs, compiled only with the `test-hooks` feature and
//! routed only when `ATELIER_TEST_MODE=1`.

use std::collections::BTreeMap;

use atelier_api::ErrorCode;
use atelier_api::test_hooks::{BlobFaults, KvEntry, StorageDump};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::platform::{Platform, Statement, failure_ppm, rows_as};

#[derive(Deserialize)]
pub struct AdvanceClock {
    advance_ms: i64,
}

/// `POST /__test/clock {"advance_ms": n}`: moves the platform's clock forward (codes, sessions and
/// rate-limit windows expire without waiting).
pub async fn advance_clock<P: Platform>(
    State(platform): State<P>,
    ApiJson(request): ApiJson<AdvanceClock>,
) -> ApiResult<StatusCode> {
    platform.advance_clock(request.advance_ms).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /__test/tick`: runs one round of background work now (the cron handler's and the native
/// interval's function), so polling-path tests need not wait for a schedule.
pub async fn tick<P: Platform>(State(platform): State<P>) -> ApiResult<StatusCode> {
    crate::background::tick(&platform).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /__test/storage`: every SQL table's rows, every blob key, every live KV key with its value
/// and expiry — what the privacy cases scan for anything left of a deleted account.
pub async fn storage<P: Platform>(State(platform): State<P>) -> ApiResult<Json<StorageDump>> {
    // D1 lists its own tables too; `_cf_*` ones refuse to be read.
    let tables = platform
        .query(Statement::new(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
             ORDER BY name",
        ))
        .await?;
    let mut dump = StorageDump {
        now_ms: platform.now_ms(),
        tables: BTreeMap::new(),
        blobs: Vec::new(),
        kv: Vec::new(),
    };
    for Name { name } in rows_as::<Name>(tables)? {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        let rows = platform
            .query(Statement::new(format!("SELECT * FROM {quoted}")))
            .await?;
        dump.tables.insert(name, rows);
    }
    let mut cursor = None;
    loop {
        let page = platform.blob_list("", cursor, 1_000).await?;
        dump.blobs
            .extend(page.keys.iter().map(|k| k.as_str().to_owned()));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut cursor = None;
    loop {
        let page = platform.kv_list("", cursor).await?;
        for (i, key) in page.keys.iter().enumerate() {
            // Expired between the listing and the read: gone, as far as anyone can tell.
            let Some(value) = platform.kv_get(key).await? else {
                continue;
            };
            dump.kv.push(KvEntry {
                key: key.clone(),
                value: String::from_utf8_lossy(&value).into_owned(),
                expires_at_ms: page.expires_at_ms.get(i).copied().flatten(),
            });
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(Json(dump))
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

/// `POST /__test/blob-faults {"failure_rate": r}`: from now on, that share of blob-store
/// operations fail (0 switches it off), so cases prove what survives a flaky store.
pub async fn blob_faults<P: Platform>(
    State(platform): State<P>,
    ApiJson(request): ApiJson<BlobFaults>,
) -> ApiResult<StatusCode> {
    let ppm = failure_ppm(request.failure_rate).ok_or_else(|| {
        ApiError::new(ErrorCode::BadRequest, "failure_rate is a share from 0 to 1")
    })?;
    platform.set_blob_failure_ppm(ppm).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Fail {
    /// Put in the detail so a case finds its own report among others'.
    marker: String,
}

/// `POST /__test/fail {"marker": m}`: fails with an internal error whose detail holds everything
/// an error report must never carry (an email address, an IPv4 address, a home-folder path, a
/// `prompt` field), so the suite proves end to end that the answer shows none of it and the
/// report arrives scrubbed.
pub async fn fail(ApiJson(request): ApiJson<Fail>) -> ApiResult<StatusCode> {
    let marker: String = request
        .marker
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    Err(ApiError::internal(format!(
        "test failure {marker}: could not open {FAIL_HOME}/.config/atelier/db.sqlite for \
         {FAIL_EMAIL} connecting from {FAIL_IP}"
    ))
    .with_extra(serde_json::json!({
        "marker": marker,
        "prompt": FAIL_PROMPT,
        "path": format!("{FAIL_HOME}/Pictures"),
    })))
}

/// What `/__test/fail` puts in its detail; `atelier_conformance::cases::error_reports` looks for
/// each of them in the report (and must not find them).
const FAIL_EMAIL: &str = "fail.reporter@example.com";
const FAIL_IP: &str = "203.0.113.77";
const FAIL_HOME: &str = "/home/margarethe";
const FAIL_PROMPT: &str = "a lighthouse painted by a child at dusk";

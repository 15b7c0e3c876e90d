//! `POST /v1/kie/callback/{generation}/{idx}/{secret}`: kie says a task finished. The per-task
//! secret (and kie's HMAC signature when `KIE_WEBHOOK_HMAC_KEY` is set) admits the call; what it
//! says is then confirmed with `recordInfo` before anything is stored or refunded.

use atelier_api::ErrorCode;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::rows::TaskPhase;
use super::{record, submit, tasks};
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::path::ApiPath;
use crate::platform::Platform;
use crate::upstream::kie;

fn refused() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such callback")
}

pub async fn callback<P: Platform>(
    State(platform): State<P>,
    ApiPath((generation_id, idx, secret)): ApiPath<(String, i64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let task = tasks::task(&platform, &generation_id, idx)
        .await?
        .ok_or_else(refused)?;
    if task.callback_secret_hash.is_empty()
        || !constant_time_eq(&sha256_hex(secret.as_bytes()), &task.callback_secret_hash)
    {
        return Err(refused());
    }
    let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reported = kie::callback_task_id(&payload);
    let task_id = task
        .kie_task_id
        .clone()
        .or(reported.clone())
        .ok_or_else(refused)?;
    if reported.as_deref().is_some_and(|r| r != task_id) {
        return Err(refused());
    }
    if let Some(key) = &platform.config().kie_webhook_hmac_key {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        let valid = kie::verify_callback(
            key.expose(),
            &task_id,
            header("x-webhook-timestamp"),
            header("x-webhook-signature"),
            platform.wall_clock_ms(),
        );
        if !valid {
            tracing::warn!(generation = %generation_id, "kie callback with a bad signature");
            return Err(refused());
        }
    }
    let generation = record::row(&platform, &generation_id)
        .await?
        .ok_or_else(refused)?;
    // The body only says "look again": recordInfo is the truth.
    match kie::record_info(&platform, &task_id).await {
        Ok(record) => {
            // createTask's answer was lost, but kie made the task: the secret proves it is this
            // claim's, and recordInfo (under our key) that it exists.
            if task.state == TaskPhase::Submitting {
                submit::adopt(
                    &platform,
                    &generation,
                    idx,
                    &task_id,
                    &task.callback_secret_hash,
                )
                .await?;
            }
            tasks::apply(&platform, &generation, idx, &record).await?
        }
        Err(e) => {
            tracing::warn!(generation = %generation_id, error = %e, "confirming a callback failed; the poller will")
        }
    }
    Ok(Json(json!({ "status": "ok" })))
}

//! `PATCH /v1/images/{id}` (favourite) and `DELETE /v1/images/{id}`: owner only, each change
//! logged for sync in the same batch.

use atelier_api::ErrorCode;
use atelier_api::sync::{ImagePatch, SyncKind};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::auth::session::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::path::ApiPath;
use crate::platform::{Platform, Statement, rows_as};
use crate::sync::{log, removal};

#[derive(Deserialize)]
struct Keys {
    original_key: String,
    thumbnail_key: String,
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such image")
}

async fn owned_keys<P: Platform>(platform: &P, account_id: &str, id: &str) -> ApiResult<Keys> {
    if !crate::path::is_id(id) {
        return Err(not_found());
    }
    let rows = platform
        .query(
            Statement::new(
                "SELECT original_key, thumbnail_key FROM images WHERE id = ? AND account_id = ?",
            )
            .bind(id)
            .bind(account_id),
        )
        .await?;
    rows_as::<Keys>(rows)?
        .into_iter()
        .next()
        .ok_or_else(not_found)
}

pub async fn patch<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ImagePatch>,
) -> ApiResult<StatusCode> {
    let account_id = auth.account.id.as_str();
    owned_keys(&platform, account_id, &id).await?;
    let now = platform.now_ms();
    let mut batch = vec![
        Statement::new(
            "UPDATE images SET favourite = ?, updated_at = ? WHERE id = ? AND account_id = ? AND favourite != ?",
        )
        .bind(i64::from(request.favourite))
        .bind(now)
        .bind(id.as_str())
        .bind(account_id)
        .bind(i64::from(request.favourite)),
    ];
    batch.extend(log::changed(account_id, SyncKind::Image, &id, now));
    platform.batch(batch).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// As every record with bytes is removed: [`removal::remove_with_bytes`].
pub async fn delete<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let account_id = auth.account.id.as_str();
    let keys = owned_keys(&platform, account_id, &id).await?;
    removal::remove_with_bytes(
        &platform,
        account_id,
        SyncKind::Image,
        &id,
        [keys.original_key, keys.thumbnail_key],
        Statement::new("DELETE FROM images WHERE id = ? AND account_id = ?")
            .bind(id.as_str())
            .bind(account_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

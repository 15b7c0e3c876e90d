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
use crate::platform::{BlobKey, Platform, Statement, rows_as};
use crate::sync::log;

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

/// Bytes first, then the row: if the blob store fails nothing changes and a retry finishes.
pub async fn delete<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let account_id = auth.account.id.as_str();
    let keys = owned_keys(&platform, account_id, &id).await?;
    platform
        .blob_delete(&[
            BlobKey::new(keys.original_key)?,
            BlobKey::new(keys.thumbnail_key)?,
        ])
        .await?;
    let mut batch = vec![
        Statement::new("DELETE FROM images WHERE id = ? AND account_id = ?")
            .bind(id.as_str())
            .bind(account_id),
    ];
    batch.extend(log::deleted(
        account_id,
        SyncKind::Image,
        &id,
        platform.now_ms(),
    ));
    platform.batch(batch).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `DELETE /v1/uploads/{id}`: the owner removes an upload. Bytes first, then the row and its
//! tombstone for sync (as for images): if the blob store fails nothing changes and a retry
//! finishes. A generation still running from it loses its input: kie's fetch gets a 404, the
//! task fails and is refunded.

use atelier_api::ErrorCode;
use atelier_api::sync::SyncKind;
use axum::extract::State;
use axum::http::StatusCode;

use super::rows;
use crate::auth::session::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::path::{ApiPath, is_id};
use crate::platform::{BlobKey, Platform};
use crate::sync::log;

pub async fn delete<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let account_id = auth.account.id.as_str();
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such upload");
    if !is_id(&id) {
        return Err(not_found());
    }
    let upload = rows::owned(&platform, account_id, &[id.as_str()])
        .await?
        .pop()
        .ok_or_else(not_found)?;
    platform
        .blob_delete(&[
            BlobKey::new(upload.original_key)?,
            BlobKey::new(upload.thumbnail_key)?,
        ])
        .await?;
    let mut batch = vec![rows::delete(account_id, &id)];
    batch.extend(log::deleted(
        account_id,
        SyncKind::Upload,
        &id,
        platform.now_ms(),
    ));
    platform.batch(batch).await?;
    Ok(StatusCode::NO_CONTENT)
}

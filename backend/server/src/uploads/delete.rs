//! `DELETE /v1/uploads/{id}`: the owner removes an upload, as an image is removed
//! ([`removal::remove_with_bytes`]). A generation still running from it loses its input: kie's fetch gets a 404, the
//! task fails and is refunded.

use atelier_api::ErrorCode;
use atelier_api::sync::SyncKind;
use axum::extract::State;
use axum::http::StatusCode;

use super::rows;
use crate::auth::session::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::path::{ApiPath, is_id};
use crate::platform::Platform;
use crate::sync::removal;

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
    removal::remove_with_bytes(
        &platform,
        account_id,
        SyncKind::Upload,
        &id,
        [upload.original_key, upload.thumbnail_key],
        rows::delete(account_id, &id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `GET /v1/uploads/{id}/original|thumbnail`: owner only, like the images.

use atelier_api::ErrorCode;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::rows;
use crate::auth::session::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::generations::images::serve;
use crate::path::ApiPath;
use crate::platform::Platform;

pub async fn file<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath((id, variant)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such upload");
    if !crate::path::is_id(&id) || !matches!(variant.as_str(), "original" | "thumbnail") {
        return Err(not_found());
    }
    let upload = rows::owned(&platform, &auth.account.id, &[id.as_str()])
        .await?
        .pop()
        .ok_or_else(not_found)?;
    serve(&platform, upload.keys(), &variant, &headers).await
}

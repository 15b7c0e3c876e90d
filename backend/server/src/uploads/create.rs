//! `POST /v1/uploads`: the body is the image. Checked whole before anything is stored (type,
//! size, header, pixels); stored like a generated image (original and JPEG thumbnail under the
//! owner's prefix, so the account's purge takes them); recorded with its sync change in one
//! guarded statement. The same bytes again are the same upload (200 instead of 201).

use atelier_api::ErrorCode;
use atelier_api::limits::LIMITS;
use atelier_api::sync::SyncKind;
use atelier_api::uploads::Upload;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;

use super::inspect::{declared_type, inspect};
use super::rows::{self, UploadRow};
use crate::auth::session::Authenticated;
use crate::blob_intents;
use crate::crypto::{random_id, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::platform::{BlobKey, Platform};
use crate::ratelimit::{self, UPLOADS_PER_ACCOUNT};
use crate::sync::log;

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "an upload may be at most {} MB",
            LIMITS.max_upload_bytes / (1024 * 1024)
        ),
    )
}

/// The body, refused from its declared length when that is already too much, and cut off at the
/// limit otherwise (a body without a length is counted as it arrives).
async fn read_body(headers: &HeaderMap, body: Body) -> ApiResult<Bytes> {
    let max = LIMITS.max_upload_bytes as usize;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, max).await.map_err(|e| {
        // `to_bytes` fails for an over-long body and for a broken connection alike.
        if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
        {
            too_large()
        } else {
            ApiError::new(ErrorCode::BadRequest, "the upload was cut off")
        }
    })
}

pub async fn create<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Upload>)> {
    let account = &auth.account;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    // The type first: a wrong one is known before a byte is read.
    let content_type = declared_type(declared)?;
    let bytes = read_body(&headers, body).await?;
    let secret = crate::auth::secret(&platform)?;
    ratelimit::hit(&platform, &UPLOADS_PER_ACCOUNT, secret, &account.id).await?;
    let sha256 = sha256_hex(&bytes);
    // The same bytes again are the same upload, unless they now claim another type: those go
    // through the check below, which says so.
    if let Some(existing) = rows::by_sha256(&platform, &account.id, &sha256).await?
        && existing.content_type == content_type
    {
        return Ok((StatusCode::OK, Json(existing.into())));
    }
    let image = inspect(content_type, &bytes)?;

    let id = random_id(&platform)?;
    let base = format!("images/{}/uploads/{id}", account.id);
    // Announced before the first byte goes out, so a crash before the row leaves no orphan.
    let prefix = format!("{base}/");
    blob_intents::announce(&platform, &account.id, &prefix).await?;
    let original_key = BlobKey::new(format!("{base}/original.{}", image.extension))?;
    let thumbnail_key = BlobKey::new(format!("{base}/thumbnail.jpg"))?;
    let now = platform.now_ms();
    let row = UploadRow {
        id: id.clone(),
        account_id: account.id.clone(),
        original_key: original_key.to_string(),
        thumbnail_key: thumbnail_key.to_string(),
        content_type: image.content_type.to_owned(),
        sha256: sha256.clone(),
        width: i64::from(image.width),
        height: i64::from(image.height),
        bytes: bytes.len() as i64,
        thumbnail_sha256: sha256_hex(&image.thumbnail),
        thumbnail_bytes: image.thumbnail.len() as i64,
        created_at: now,
    };
    let keys = [original_key.clone(), thumbnail_key.clone()];
    let stored = async {
        platform
            .blob_put(&original_key, bytes, image.content_type)
            .await?;
        platform
            .blob_put(&thumbnail_key, Bytes::from(image.thumbnail), "image/jpeg")
            .await
    };
    if let Err(e) = stored.await {
        abandon(&platform, &keys, &prefix).await;
        return Err(e.into());
    }
    let mut batch = vec![row.insert(), blob_intents::retire(&prefix)];
    batch.extend(log::changed(&account.id, SyncKind::Upload, &id, now));
    let written = platform.batch(batch).await;
    if !matches!(written.as_ref().map(|c| c.first() == Some(&1)), Ok(true)) {
        // Not stored (a concurrent upload of the same bytes won, the account is being deleted,
        // or the database failed): these blobs belong to nothing.
        abandon(&platform, &keys, &prefix).await;
        written?;
        return match rows::by_sha256(&platform, &account.id, &sha256).await? {
            Some(existing) => Ok((StatusCode::OK, Json(existing.into()))),
            None => Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "this account is being deleted",
            )),
        };
    }
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Removes the blobs of a write that will have no row, and then its announcement; whatever fails
/// here is left to the background sweep (`blob_intents`).
async fn abandon<P: Platform>(platform: &P, keys: &[BlobKey], prefix: &str) {
    if platform.blob_delete(keys).await.is_ok() {
        let _ = platform.execute(blob_intents::retire(prefix)).await;
    }
}

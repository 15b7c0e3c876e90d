//! `GET /v1/generations/{id}` and `GET /v1/images/{id}/original|thumbnail`: owner only. Images are
//! immutable, so they carry a strong ETag and a year of private caching.

use atelier_api::ErrorCode;
use atelier_api::generations::{GENERATION_PAGE_SIZE, Generation, GenerationPage};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::record;
use crate::auth::session::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::paging::Cursor;
use crate::path::ApiPath;
use crate::platform::{Blob, BlobKey, Platform, Statement, rows_as};

use crate::path::is_id as hex_id;

pub async fn get<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Generation>> {
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such generation");
    if !hex_id(&id) {
        return Err(not_found());
    }
    let row = record::row(&platform, &id)
        .await?
        .filter(|g| g.account_id == auth.account.id)
        .ok_or_else(not_found)?;
    Ok(Json(record::to_api(&platform, row).await?))
}

#[derive(Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
}

/// `GET /v1/conversations/{id}/generations`: a conversation's generations, newest first,
/// keyset-paged, with their images.
pub async fn list<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(conversation_id): ApiPath<String>,
    crate::query::ApiQuery(query): crate::query::ApiQuery<PageQuery>,
) -> ApiResult<Json<GenerationPage>> {
    crate::conversations::owned(&platform, &auth.account.id, &conversation_id).await?;
    let after = query.cursor.as_deref().map(Cursor::parse).transpose()?;
    let columns = record::COLUMNS;
    let statement = match after {
        None => Statement::new(format!(
            "SELECT {columns} FROM generations WHERE conversation_id = ? AND account_id = ?
             ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(conversation_id.as_str())
        .bind(auth.account.id.as_str()),
        Some(c) => Statement::new(format!(
            "SELECT {columns} FROM generations WHERE conversation_id = ? AND account_id = ?
             AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(conversation_id.as_str())
        .bind(auth.account.id.as_str())
        .bind(c.time)
        .bind(c.time)
        .bind(c.id),
    };
    let rows = platform
        .query(statement.bind(i64::from(GENERATION_PAGE_SIZE) + 1))
        .await?;
    let mut rows = rows_as::<record::GenerationRow>(rows)?;
    let more = rows.len() > GENERATION_PAGE_SIZE as usize;
    rows.truncate(GENERATION_PAGE_SIZE as usize);
    let next_cursor = if more {
        rows.last().map(|r| {
            Cursor {
                time: r.created_at,
                id: r.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    let generations = record::many_to_api(&platform, rows).await?;
    Ok(Json(GenerationPage {
        generations,
        next_cursor,
    }))
}

pub async fn file<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath((id, variant)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such image");
    if !hex_id(&id) || !matches!(variant.as_str(), "original" | "thumbnail") {
        return Err(not_found());
    }
    let rows = platform
        .query(
            Statement::new("SELECT original_key, thumbnail_key, sha256 FROM images WHERE id = ? AND account_id = ?")
                .bind(id.as_str())
                .bind(auth.account.id.as_str()),
        )
        .await?;
    let keys = rows_as::<StoredKeys>(rows)?
        .into_iter()
        .next()
        .ok_or_else(not_found)?;
    serve(&platform, keys, &variant, &headers).await
}

/// Where an image's (or an upload's) two variants are stored.
#[derive(Deserialize)]
pub struct StoredKeys {
    pub original_key: String,
    pub thumbnail_key: String,
    pub sha256: String,
}

/// One variant (`original` or `thumbnail`) of stored image bytes, immutable and cached for good:
/// its ETag is the content's hash, so a device that has it gets a 304.
pub async fn serve<P: Platform>(
    platform: &P,
    keys: StoredKeys,
    variant: &str,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such image");
    let (key, etag) = if variant == "original" {
        (keys.original_key, format!("\"{}\"", keys.sha256))
    } else {
        (keys.thumbnail_key, format!("\"{}-thumbnail\"", keys.sha256))
    };
    let cache = HeaderValue::from_static("private, max-age=31536000, immutable");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, cache);
        if let Ok(v) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(header::ETAG, v);
        }
        return Ok(response);
    }
    let blob = platform
        .blob_get(&BlobKey::new(key)?)
        .await?
        .ok_or_else(not_found)?;
    let mut response = bytes_response(blob, cache);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

/// Stored bytes as a 200 with their content type (never sniffed) and `cache`.
pub fn bytes_response(blob: Blob, cache: HeaderValue) -> Response {
    let mut response = (StatusCode::OK, blob.bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&blob.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CACHE_CONTROL, cache);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

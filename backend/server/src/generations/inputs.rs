//! The input images of a generation and the URLs kie fetches them by.
//!
//! kie takes input images only as public URLs and sends no credentials when it fetches them
//! (`reference/editing-and-payments.md` §1.1). Each input gets a URL of this service's own,
//! `/v1/inputs/{generation}/{position}/{signature}`: the signature is an HMAC of the generation
//! and the position under the server secret, so it is unguessable, names exactly one object (the
//! input at that position, which only the generation's own row says), is computed again at
//! submission instead of being stored, and stops working the moment the generation is done or
//! failed, after [`GENERATION_TIMEOUT_MS`], or once the image or the account is deleted.

use atelier_api::ErrorCode;
use atelier_api::limits::LIMITS;
use atelier_api::models::Model;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::Response;
use serde::Deserialize;

use super::images::bytes_response;
use super::record;
use super::tasks::GENERATION_TIMEOUT_MS;
use crate::crypto::{constant_time_eq, hmac_hex};
use crate::error::{ApiError, ApiResult};
use crate::path::{ApiPath, is_id};
use crate::platform::{BlobKey, Platform, Statement, rows_as};

fn no_such_image() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such image")
}

/// Checks a request's input images against the model and the account: the count within the
/// model's range, each id one of the account's own images or uploads (anything else: 404, as
/// everywhere). Returns the ids as the generation row stores them.
pub async fn check<P: Platform>(
    platform: &P,
    account_id: &str,
    model: &Model,
    ids: &[String],
) -> ApiResult<String> {
    let most = model.max_input_images.min(LIMITS.max_input_images);
    if ids.len() < model.min_input_images as usize {
        return Err(ApiError::new(
            ErrorCode::InputImagesRequired,
            format!(
                "{} needs at least {} input image(s)",
                model.display_name, model.min_input_images
            ),
        ));
    }
    if ids.len() > most as usize {
        return Err(ApiError::new(
            ErrorCode::TooManyInputImages,
            format!("{} takes at most {most} input image(s)", model.display_name),
        ));
    }
    if ids.is_empty() {
        return Ok(String::new());
    }
    if !ids.iter().all(|id| is_id(id)) {
        return Err(no_such_image());
    }
    // Numbered, so both lists name the same parameters: ?1 the account, ?2… the ids.
    let list = (2..ids.len() + 2)
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut statement = Statement::new(format!(
        "SELECT id FROM images WHERE account_id = ?1 AND id IN ({list})
         UNION SELECT id FROM uploads WHERE account_id = ?1 AND id IN ({list})"
    ))
    .bind(account_id);
    for id in ids {
        statement = statement.bind(id.as_str());
    }
    #[derive(Deserialize)]
    struct Found {
        id: String,
    }
    let found = rows_as::<Found>(platform.query(statement).await?)?;
    if !ids.iter().all(|id| found.iter().any(|f| &f.id == id)) {
        return Err(no_such_image());
    }
    Ok(ids.join(" "))
}

fn signature(secret: &str, generation_id: &str, position: usize) -> String {
    hmac_hex(secret, &["kie-input", generation_id, &position.to_string()])
}

/// The URLs kie gets for the generation's inputs, in order.
pub fn urls<P: Platform>(
    platform: &P,
    generation: &record::GenerationRow,
) -> ApiResult<Vec<String>> {
    let inputs = generation.inputs();
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    let secret = crate::auth::secret(platform)?;
    let base = &platform.config().public_url;
    Ok((0..inputs.len())
        .map(|position| {
            format!(
                "{base}/v1/inputs/{}/{position}/{}",
                generation.id,
                signature(secret, &generation.id, position)
            )
        })
        .collect())
}

#[derive(Deserialize)]
struct Source {
    original_key: String,
}

/// `GET /v1/inputs/{generation}/{position}/{signature}`: the input's original bytes, for kie.
/// Every way of not matching is the same 404, so a probe learns nothing.
pub async fn serve<P: Platform>(
    State(platform): State<P>,
    ApiPath((generation_id, position, given)): ApiPath<(String, usize, String)>,
) -> ApiResult<Response> {
    let secret = crate::auth::secret(&platform)?;
    if !is_id(&generation_id)
        || !constant_time_eq(&signature(secret, &generation_id, position), &given)
    {
        return Err(no_such_image());
    }
    let Some(generation) = record::row(&platform, &generation_id).await? else {
        return Err(no_such_image());
    };
    let running = matches!(generation.status.as_str(), "queued" | "generating")
        && platform.now_ms() < generation.created_at + GENERATION_TIMEOUT_MS;
    let Some(id) = generation
        .inputs()
        .into_iter()
        .nth(position)
        .filter(|_| running)
    else {
        return Err(no_such_image());
    };
    let rows = platform
        .query(
            Statement::new(
                "SELECT original_key FROM images WHERE id = ?1 AND account_id = ?2
                 UNION ALL SELECT original_key FROM uploads WHERE id = ?1 AND account_id = ?2",
            )
            .bind(id.as_str())
            .bind(generation.account_id.as_str()),
        )
        .await?;
    let source = rows_as::<Source>(rows)?
        .into_iter()
        .next()
        .ok_or_else(no_such_image)?;
    let blob = platform
        .blob_get(&BlobKey::new(source.original_key)?)
        .await?
        .ok_or_else(no_such_image)?;
    // Good for one task only: nothing in between may keep it.
    Ok(bytes_response(blob, HeaderValue::from_static("no-store")))
}

//! `POST /v1/generations`: validate, rate-limit, check the balance, screen (`screen.rs`), charge
//! (`charge.rs`), answer, then submit (`submit.rs`) — in that order, so a refused prompt costs nothing, a charged one always has its
//! generation, and nobody waits on kie's seconds-long `createTask`.

use atelier_api::ErrorCode;
use atelier_api::generations::{Generation, MAX_IDEMPOTENCY_KEY_LEN, NewGeneration};
use atelier_api::limits::LIMITS;
use atelier_api::models::Model;
use atelier_api::prompt::{PromptCheckRequest, PromptCheckResponse};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::charge::Charge;
use super::inputs;
use super::record;
use super::screen::screen;
use super::submit;
use crate::auth::session::Authenticated;
use crate::conversations;
use crate::crypto::random_id;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::platform::Platform;
use crate::ratelimit::{self, GENERATIONS_PER_ACCOUNT};

fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY_LEN
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::new(
            ErrorCode::IdempotencyKeyRequired,
            format!(
                "send an Idempotency-Key header of 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible characters"
            ),
        ));
    }
    Ok(key.to_owned())
}

/// The prompt (trimmed) and the count, as the model takes them: a tool takes no prompt and
/// gets none; every other model needs one.
fn check_prompt(model: &Model, request: &NewGeneration) -> ApiResult<PromptCheckResponse> {
    let prompt = PromptCheckRequest {
        prompt: request.prompt.clone(),
        count: request.count,
    };
    Ok(atelier_api::prompt::check_as(
        &prompt,
        model.prompt,
        &LIMITS,
    )?)
}

fn insufficient(cost: i64) -> ApiError {
    ApiError::new(
        ErrorCode::InsufficientCredits,
        format!("this costs {cost} credits; your balance is lower"),
    )
}

pub async fn create<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    headers: HeaderMap,
    ApiJson(request): ApiJson<NewGeneration>,
) -> ApiResult<(StatusCode, Json<Generation>)> {
    let account = &auth.account;
    let key = idempotency_key(&headers)?;
    // 1. Validate.
    let Some(model) = crate::models::find(&request.model) else {
        return Err(ApiError::new(
            ErrorCode::UnknownModel,
            format!("no model {:?}; see GET /v1/models", request.model),
        ));
    };
    let checked = check_prompt(&model, &request)?;
    let Some((cost_per_image, _)) =
        crate::models::resolve(&request.model, &request.aspect_ratio, &checked.prompt, &[])
    else {
        return Err(ApiError::new(
            ErrorCode::InvalidAspectRatio,
            format!("{} does not offer {}", request.model, request.aspect_ratio),
        ));
    };
    // The same key again: the same generation, nothing charged.
    if let Some(existing) = record::by_key(&platform, &account.id, &key).await? {
        return Ok((
            StatusCode::ACCEPTED,
            Json(record::to_api(&platform, existing).await?),
        ));
    }
    let conversation = match request.conversation_id.as_deref() {
        Some(id) => Some(conversations::owned(&platform, &account.id, id).await?),
        None => None,
    };
    let input_images = inputs::check(&platform, &account.id, &model, &request.input_images).await?;
    // 2. Rate limit.
    let secret = platform
        .config()
        .auth_secret
        .as_ref()
        .map(|s| s.expose().to_owned())
        .unwrap_or_default();
    ratelimit::hit(&platform, &GENERATIONS_PER_ACCOUNT, &secret, &account.id).await?;
    // 3. Moderation costs money: not for a request the balance cannot pay anyway. (The debit
    //    below checks again, atomically.)
    let cost = i64::from(cost_per_image) * i64::from(checked.count);
    if crate::credits::balance_of(&platform, &account.id).await? < cost {
        return Err(insufficient(cost));
    }
    // 4. Moderation, which fails closed, before any charge.
    let generation_id = random_id(&platform)?;
    screen(&platform, &checked.prompt, &generation_id).await?;
    // 5. Debit and record, atomically.
    let charge = Charge {
        account_id: &account.id,
        idempotency_key: &key,
        generation_id: &generation_id,
        conversation_id: conversation.as_ref().map(|c| c.id.as_str()),
        // A tool's generation is named after the tool.
        title_source: if checked.prompt.is_empty() {
            &model.display_name
        } else {
            &checked.prompt
        },
        prompt: &checked.prompt,
        model: &request.model,
        aspect_ratio: &request.aspect_ratio,
        count: checked.count,
        cost_per_image,
        input_images,
    };
    if !charge.record(&platform).await? {
        // Either a concurrent request with the same key won (return its generation), or the
        // balance was short; either way this batch wrote nothing.
        if let Some(existing) = record::by_key(&platform, &account.id, &key).await? {
            return Ok((
                StatusCode::ACCEPTED,
                Json(record::to_api(&platform, existing).await?),
            ));
        }
        return Err(insufficient(cost));
    }
    // 6. Answer now; the tasks go to kie right after, through the claim that makes each one
    //    exactly once (`submit.rs`), and the background work picks up whatever is left.
    platform.wait_until(submit::drive(platform.clone(), generation_id.clone()));
    let Some(row) = record::row(&platform, &generation_id).await? else {
        return Err(ApiError::internal("the generation vanished"));
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(record::to_api(&platform, row).await?),
    ))
}

//! `POST /v1/generations`: validate, rate-limit, check the balance, moderate, debit, answer, then
//! submit — in that order, so a refused prompt costs nothing, a charged one always has its
//! generation, and nobody waits on kie's seconds-long `createTask`.

use atelier_api::ErrorCode;
use atelier_api::credits::LedgerKind;
use atelier_api::generations::{Generation, MAX_IDEMPOTENCY_KEY_LEN, NewGeneration};
use atelier_api::limits::LIMITS;
use atelier_api::models::Model;
use atelier_api::prompt::{PromptCheckRequest, PromptCheckResponse};
use atelier_api::sync::SyncKind;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::inputs;
use super::record;
use super::submit;
use crate::auth::session::Authenticated;
use crate::conversations::{self, title_from_prompt};
use crate::credits::entries::NewEntry;
use crate::crypto::random_id;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::platform::{Platform, Statement};
use crate::ratelimit::{self, Limit};
use crate::sync::log;
use crate::upstream::creem;

/// Generations per account.
pub const GENERATIONS_PER_ACCOUNT: Limit = Limit {
    scope: "generate",
    limit: 30,
    window_seconds: 600,
};

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
    // 4. Moderation fails closed: deny, flag, errors and time-outs all block, before any charge.
    let generation_id = random_id(&platform)?;
    // A tool takes no prompt: there is nothing to screen.
    let screened = if checked.prompt.is_empty() {
        Ok(creem::Screening {
            verdict: creem::Verdict::Allow,
            moderation_id: None,
        })
    } else {
        creem::screen_prompt(&platform, &checked.prompt, &generation_id).await
    };
    match screened {
        Ok(screening) if screening.verdict.allows() => {}
        Ok(screening) => {
            tracing::info!(
                verdict = screening.verdict.as_str(),
                "prompt blocked by moderation"
            );
            return Err(ApiError::new(
                ErrorCode::PromptBlocked,
                "this prompt is not allowed; nothing was charged",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "moderation unavailable");
            return Err(ApiError::new(
                ErrorCode::ModerationUnavailable,
                "moderation is unavailable; nothing was charged, try again",
            ));
        }
    }
    // 5. Debit and record, in one atomic batch that writes nothing unless the balance covers it
    //    and no request with the same key got there first.
    let now = platform.now_ms();
    let proceeds = |s: Statement| {
        s.bind(account.id.as_str())
            .bind(cost)
            .bind(account.id.as_str())
            .bind(key.clone())
    };
    const PROCEEDS: &str =
        "(SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE account_id = ?) >= ?
        AND NOT EXISTS (SELECT 1 FROM generations WHERE account_id = ? AND idempotency_key = ?)";
    // A tool's generation is named after the tool.
    let title = title_from_prompt(if checked.prompt.is_empty() {
        &model.display_name
    } else {
        &checked.prompt
    });
    let mut batch = Vec::new();
    let conversation_id = match &conversation {
        Some(c) => {
            batch.push(proceeds(
                Statement::new(format!(
                    "UPDATE conversations SET updated_at = ?, title = CASE WHEN untitled = 1 THEN ? ELSE title END, untitled = 0
                     WHERE id = ? AND account_id = ? AND {PROCEEDS}"
                ))
                .bind(now)
                .bind(title.clone())
                .bind(c.id.as_str())
                .bind(account.id.as_str()),
            ));
            c.id.clone()
        }
        None => {
            let id = random_id(&platform)?;
            batch.push(proceeds(
                Statement::new(format!(
                    "INSERT INTO conversations (id, account_id, title, untitled, created_at, updated_at)
                     SELECT ?, ?, ?, 0, ?, ? WHERE {PROCEEDS}"
                ))
                .bind(id.clone())
                .bind(account.id.as_str())
                .bind(title.clone())
                .bind(now)
                .bind(now),
            ));
            id
        }
    };
    let generation_index = batch.len();
    batch.push(
        Statement::new(
            "INSERT INTO generations (id, account_id, conversation_id, idempotency_key, prompt, model, aspect_ratio, count,
                                      cost_per_image, input_images, status, created_at, updated_at)
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?
             WHERE (SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE account_id = ?) >= ?
             ON CONFLICT (account_id, idempotency_key) DO NOTHING",
        )
        .bind(generation_id.clone())
        .bind(account.id.as_str())
        .bind(conversation_id.clone())
        .bind(key.clone())
        .bind(checked.prompt.clone())
        .bind(request.model.clone())
        .bind(request.aspect_ratio.clone())
        .bind(i64::from(checked.count))
        .bind(i64::from(cost_per_image))
        .bind(input_images)
        .bind(now)
        .bind(now)
        .bind(account.id.as_str())
        .bind(cost),
    );
    let debit = NewEntry {
        id: random_id(&platform)?,
        account_id: account.id.as_str(),
        amount: -cost,
        kind: LedgerKind::Debit,
        reference: format!("generation:{generation_id}"),
        paid: None,
        order_id: None,
        created_at: now,
    };
    batch.extend(
        debit.statements(
            debit
                .insert_if("EXISTS (SELECT 1 FROM generations WHERE id = ?)")
                .bind(generation_id.clone()),
        ),
    );
    for idx in 0..i64::from(checked.count) {
        batch.push(
            Statement::new(
                "INSERT INTO generation_tasks (generation_id, idx, callback_secret_hash, state, next_poll_at, updated_at)
                 SELECT ?, ?, '', 'pending', ?, ? WHERE EXISTS (SELECT 1 FROM generations WHERE id = ?)",
            )
            .bind(generation_id.clone())
            .bind(idx)
            .bind(now)
            .bind(now)
            .bind(generation_id.clone()),
        );
    }
    batch.extend(log::changed(
        &account.id,
        SyncKind::Conversation,
        &conversation_id,
        now,
    ));
    batch.extend(log::changed(
        &account.id,
        SyncKind::Generation,
        &generation_id,
        now,
    ));
    let changed = platform.batch(batch).await?;
    if changed.get(generation_index) != Some(&1) {
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

//! Resend's HTTP surface and the developer mailbox.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::idempotency::{Claim, MAX_KEY_CHARS};
use super::validate::draft;
use super::{Email, ResendError, ResendSettings, ResendSim};
use crate::clock::{now_ms, rfc3339};
use crate::cloudflare::block_without_user_agent;
use crate::control::{faults_router, merge};
use crate::faults::{ForcedError, Injected};
use crate::ids::uuid_v4;
use crate::lock::lock;

/// The most emails one `/emails/batch` call takes.
const MAX_BATCH: usize = 100;

pub(crate) fn router(resend: ResendSim) -> Router {
    let faults = Arc::clone(&resend.inner.faults);
    Router::new()
        .route("/emails", post(send_one).get(mailbox))
        .route("/emails/batch", post(send_batch))
        .route("/emails/{id}", get(mailbox_one))
        .route("/__control/settings", get(get_settings).put(put_settings))
        .fallback(not_found)
        .with_state(resend)
        .merge(faults_router(faults))
}

#[derive(Clone, Copy)]
enum Endpoint {
    One,
    Batch,
}

async fn send_one(State(resend): State<ResendSim>, headers: HeaderMap, body: Bytes) -> Response {
    send(&resend, &headers, &body, Endpoint::One).await
}

async fn send_batch(State(resend): State<ResendSim>, headers: HeaderMap, body: Bytes) -> Response {
    send(&resend, &headers, &body, Endpoint::Batch).await
}

fn default_name(status: u16) -> &'static str {
    match status {
        400 => "validation_error",
        401 => "missing_api_key",
        403 => "invalid_api_key",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "concurrent_idempotent_requests",
        422 => "validation_error",
        429 => "rate_limit_exceeded",
        500 => "internal_server_error",
        _ => "application_error",
    }
}

fn forced(force: &ForcedError) -> Response {
    let status = StatusCode::from_u16(force.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let name = force.code_str().unwrap_or(default_name(force.status));
    let message = force
        .message
        .clone()
        .unwrap_or_else(|| format!("Injected failure ({name})."));
    let mut response = ResendError::new(status, name, message).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry = force.retry_after.unwrap_or(1).to_string();
        if let Ok(value) = HeaderValue::from_str(&retry) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

fn with_headers(mut response: Response, headers: &[(&'static str, String)]) -> Response {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
    response
}

async fn send(
    resend: &ResendSim,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: Endpoint,
) -> Response {
    if let Some(blocked) = block_without_user_agent(headers) {
        return blocked;
    }
    let Some(auth) = headers.get(header::AUTHORIZATION) else {
        return ResendError::new(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY",
        )
        .into_response();
    };
    let key = auth
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if !resend.inner.options.api_keys.iter().any(|k| k == key) {
        return ResendError::new(
            StatusCode::FORBIDDEN,
            "invalid_api_key",
            "API key is invalid",
        )
        .into_response();
    }

    let limit = resend.settings().rate_limit_per_second;
    let decision = lock(&resend.inner.window).check(limit);
    let rate_headers = decision
        .as_ref()
        .map(|d| d.headers.clone())
        .unwrap_or_default();
    if decision.is_some_and(|d| !d.allowed) {
        let error = ResendError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            format!(
                "Too many requests. You can only make {limit} requests per second. See rate limit response headers for more information. Or contact support to increase rate limit."
            ),
        );
        return with_headers(error.into_response(), &rate_headers);
    }
    let response = accept(resend, headers, body, endpoint).await;
    with_headers(response, &rate_headers)
}

/// Everything after auth and the rate limit: idempotency, faults, validation, recording.
async fn accept(
    resend: &ResendSim,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: Endpoint,
) -> Response {
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => match value.to_str() {
            Ok(key) if !key.is_empty() && key.chars().count() <= MAX_KEY_CHARS => {
                Some(key.to_owned())
            }
            _ => {
                return ResendError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_idempotency_key",
                    format!("The key must be between 1-{MAX_KEY_CHARS} chars."),
                )
                .into_response();
            }
        },
    };
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    // Bodies are compared as JSON, so key order and whitespace do not count as a change.
    let fingerprint = match &parsed {
        Ok(value) => value.clone(),
        Err(_) => Value::String(String::from_utf8_lossy(body).into_owned()),
    };
    let scope = idempotency_key.as_ref().map(|key| match endpoint {
        Endpoint::One => format!("emails:{key}"),
        Endpoint::Batch => format!("batch:{key}"),
    });
    if let Some(scope) = &scope {
        let claim = lock(&resend.inner.keys).claim(scope, &fingerprint);
        match claim {
            Claim::Fresh => {}
            Claim::Replay { status, body } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return (status, Json(body)).into_response();
            }
            Claim::DifferentBody => {
                return ResendError::new(
                    StatusCode::CONFLICT,
                    "invalid_idempotent_request",
                    "Same idempotency key used with a different request payload. Change your idempotency key or payload.",
                )
                .into_response();
            }
            Claim::InFlight => {
                return ResendError::new(
                    StatusCode::CONFLICT,
                    "concurrent_idempotent_requests",
                    "Same idempotency key used while original request is still in progress. Try the request again later.",
                )
                .into_response();
            }
        }
    }

    let outcome = deliver(resend, parsed, endpoint, idempotency_key.as_deref()).await;
    let mut keys = lock(&resend.inner.keys);
    match outcome {
        Ok(body) => {
            if let Some(scope) = &scope {
                keys.finish(scope, 200, body.clone());
            }
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(response) => {
            if let Some(scope) = &scope {
                keys.release(scope);
            }
            response
        }
    }
}

async fn deliver(
    resend: &ResendSim,
    parsed: Result<Value, serde_json::Error>,
    endpoint: Endpoint,
    idempotency_key: Option<&str>,
) -> Result<Value, Response> {
    // Faults come after the key is claimed, so latency keeps a request "in flight".
    match resend.inner.faults.apply().await {
        Some(Injected::Forced(force)) => return Err(forced(&force)),
        Some(Injected::Random) => {
            return Err(ResendError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                "An unexpected error occurred.",
            )
            .into_response());
        }
        None => {}
    }
    let value = parsed.map_err(|e| {
        ResendError::new(
            StatusCode::BAD_REQUEST,
            "validation_error",
            format!("Invalid JSON body: {e}"),
        )
        .into_response()
    })?;
    let drafts = match endpoint {
        Endpoint::One => vec![draft(&value, false).map_err(IntoResponse::into_response)?],
        Endpoint::Batch => {
            let Some(items) = value.as_array() else {
                return Err(ResendError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_error",
                    "The batch body must be an array of emails.",
                )
                .into_response());
            };
            if items.is_empty() || items.len() > MAX_BATCH {
                return Err(ResendError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_parameter",
                    format!("A batch must contain between 1 and {MAX_BATCH} emails."),
                )
                .into_response());
            }
            // Strict mode: one invalid email fails the whole batch and nothing is sent.
            items
                .iter()
                .map(|item| draft(item, true))
                .collect::<Result<Vec<_>, _>>()
                .map_err(IntoResponse::into_response)?
        }
    };
    let created_at = rfc3339(now_ms());
    let emails: Vec<Email> = drafts
        .into_iter()
        .map(|d| Email {
            id: uuid_v4(),
            from: d.from,
            to: d.to,
            cc: d.cc,
            bcc: d.bcc,
            reply_to: d.reply_to,
            subject: d.subject,
            html: d.html,
            text: d.text,
            headers: d.headers,
            tags: d.tags,
            attachments: d.attachments,
            scheduled_at: d.scheduled_at,
            idempotency_key: idempotency_key.map(str::to_owned),
            created_at: created_at.clone(),
        })
        .collect();
    let ids: Vec<Value> = emails.iter().map(|e| json!({ "id": e.id })).collect();
    lock(&resend.inner.emails).extend(emails);
    Ok(match endpoint {
        Endpoint::One => ids.into_iter().next().unwrap_or(Value::Null),
        Endpoint::Batch => json!({ "data": ids }),
    })
}

/// The developer's mailbox: every email received, oldest first; `?to=` filters by recipient.
async fn mailbox(
    State(resend): State<ResendSim>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Vec<Email>> {
    Json(match query.get("to") {
        Some(address) => resend.emails_to(address),
        None => resend.emails(),
    })
}

async fn mailbox_one(State(resend): State<ResendSim>, Path(id): Path<String>) -> Response {
    match lock(&resend.inner.emails).iter().find(|e| e.id == id) {
        Some(email) => Json(email.clone()).into_response(),
        None => {
            ResendError::new(StatusCode::NOT_FOUND, "not_found", "Email not found").into_response()
        }
    }
}

async fn not_found() -> Response {
    ResendError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "The requested endpoint does not exist.",
    )
    .into_response()
}

async fn get_settings(State(resend): State<ResendSim>) -> Json<ResendSettings> {
    Json(resend.settings())
}

async fn put_settings(State(resend): State<ResendSim>, body: Bytes) -> Response {
    match merge(&resend.settings(), &body) {
        Ok(settings) => {
            resend.set_settings(settings.clone());
            Json(settings).into_response()
        }
        Err(e) => e.into_response(),
    }
}

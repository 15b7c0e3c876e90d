//! What every Creem API route (`/v1/...`) shares: the `x-api-key` check, injected faults, and
//! Creem's error envelope. Control routes and the hosted checkout page use none of this.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::CreemSim;
use crate::clock::now_ms;
use crate::faults::Injected;
use crate::ids::uuid_v4;

/// An answer in Creem's error envelope.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

impl ApiError {
    /// `{trace_id, status, error, message: [..], timestamp}`, as Creem's NestJS API answers.
    pub(crate) fn new(status: StatusCode, messages: &[&str]) -> Self {
        let body = json!({
            "trace_id": uuid_v4(),
            "status": status.as_u16(),
            "error": status.canonical_reason().unwrap_or("Error"),
            "message": messages,
            "timestamp": now_ms(),
        });
        Self { status, body }
    }

    pub(crate) fn bad_request(messages: &[&str]) -> Self {
        Self::new(StatusCode::BAD_REQUEST, messages)
    }

    pub(crate) fn not_found(message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, &[message])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Checks `x-api-key`, then applies the injected faults. Returns the key the caller used (the
/// success redirect of a checkout is signed with it).
pub(crate) async fn authorize(creem: &CreemSim, headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers
        .get("x-api-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
    let key = match key {
        None => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                &["Missing API key: set the x-api-key header"],
            ));
        }
        Some(key) if !creem.inner.options.api_keys.contains(&key) => {
            return Err(ApiError::new(StatusCode::FORBIDDEN, &["Invalid API key"]));
        }
        Some(key) => key,
    };
    match creem.inner.faults.apply().await {
        None => Ok(key),
        Some(Injected::Forced(force)) => {
            let status =
                StatusCode::from_u16(force.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut error = ApiError::new(
                status,
                &[force.message.as_deref().unwrap_or("Injected failure")],
            );
            if let Some(code) = force.code_str() {
                error.body["error"] = json!(code);
            }
            Err(error)
        }
        Some(Injected::Random) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            &["Internal server error"],
        )),
    }
}

//! Pieces shared by the `__control` endpoints: JSON in and out, partial updates of settings, and
//! the per-service faults routes. Control endpoints need no auth and never see injected faults.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::faults::{FaultSwitch, Faults};

/// A refused control request: `400 {"error": "..."}`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BadRequest(pub(crate) String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, Json(json!({ "error": self.0 }))).into_response()
    }
}

/// Parses a control body, answering 400 with serde's explanation when it does not fit.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, BadRequest> {
    serde_json::from_slice(body).map_err(|e| BadRequest(format!("invalid body: {e}")))
}

/// Applies a partial JSON object onto current settings: absent keys keep their value, `null`
/// sets an optional field to none, unknown keys are refused by the settings type.
pub(crate) fn merge<T: Serialize + DeserializeOwned>(
    current: &T,
    patch: &[u8],
) -> Result<T, BadRequest> {
    let patch: Value = parse(patch)?;
    let Value::Object(patch) = patch else {
        return Err(BadRequest("body must be a JSON object".into()));
    };
    let mut merged = serde_json::to_value(current)
        .map_err(|e| BadRequest(format!("settings not serialisable: {e}")))?;
    if let Value::Object(fields) = &mut merged {
        fields.extend(patch);
    }
    serde_json::from_value(merged).map_err(|e| BadRequest(format!("invalid settings: {e}")))
}

/// Header map as `name → value` (lossy UTF-8; repeated names joined with ", ").
pub(crate) fn header_map(headers: &HeaderMap) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::<String, String>::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        out.entry(name.as_str().to_owned())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    out
}

/// `GET|PUT /__control/faults` for one service.
pub(crate) fn faults_router(switch: Arc<FaultSwitch>) -> Router {
    Router::new()
        .route("/__control/faults", get(get_faults).put(put_faults))
        .with_state(switch)
}

async fn get_faults(State(switch): State<Arc<FaultSwitch>>) -> Json<Faults> {
    Json(switch.get())
}

async fn put_faults(State(switch): State<Arc<FaultSwitch>>, body: Bytes) -> Response {
    let faults: Faults = match parse(&body) {
        Ok(faults) => faults,
        Err(e) => return e.into_response(),
    };
    match switch.set(faults) {
        Ok(()) => Json(switch.get()).into_response(),
        Err(e) => BadRequest(e.to_string()).into_response(),
    }
}

//! PostHog's public capture endpoints (`/i/v0/e/`, `/capture/`, `/batch/`, and posthog-js's
//! `/e/`). The project key travels in the body, not a header. Every request is kept raw, headers
//! included, so privacy tests can search everything that reached "PostHog".
//!
//! Only uncompressed JSON is accepted: a `Content-Encoding` other than `identity`, or posthog-js's
//! `?compression=` parameter, gets a 400 so a client that compresses notices at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::clock::{now_ms, rfc3339};
use crate::control::{faults_router, header_map};
use crate::faults::{FaultSwitch, Faults, FaultsError, Injected};
use crate::lock::lock;

/// The project key accepted by default.
pub const DEFAULT_API_KEY: &str = "phc_sim_key";
/// PostHog takes batches up to 20 MB.
const MAX_BODY: usize = 20 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct PostHogOptions {
    /// Project keys accepted as `api_key`; the first goes into `env()`.
    pub api_keys: Vec<String>,
}

impl Default for PostHogOptions {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
        }
    }
}

/// One request as it arrived, whatever its outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RawRequest {
    pub received_at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    /// The body (lossy UTF-8).
    pub body: String,
    pub status: u16,
}

/// One accepted event, whichever endpoint and shape it came in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PostHogEvent {
    pub event: String,
    pub distinct_id: String,
    pub properties: Value,
    /// The event's timestamp, or the time it was received.
    pub timestamp: String,
    pub uuid: Option<String>,
    pub api_key: String,
    /// The endpoint it was sent to, e.g. `/i/v0/e/`.
    pub path: String,
}

/// Handle on the PostHog simulator's state; cheap to clone.
#[derive(Clone)]
pub struct PostHogSim {
    inner: Arc<PostHogInner>,
}

struct PostHogInner {
    options: PostHogOptions,
    requests: Mutex<Vec<RawRequest>>,
    events: Mutex<Vec<PostHogEvent>>,
    faults: Arc<FaultSwitch>,
}

impl PostHogSim {
    pub(crate) fn new(options: PostHogOptions) -> Self {
        Self {
            inner: Arc::new(PostHogInner {
                options,
                requests: Mutex::new(Vec::new()),
                events: Mutex::new(Vec::new()),
                faults: Arc::new(FaultSwitch::default()),
            }),
        }
    }

    /// Accepted events, oldest first.
    pub fn events(&self) -> Vec<PostHogEvent> {
        lock(&self.inner.events).clone()
    }

    /// Every request received, raw, oldest first.
    pub fn requests(&self) -> Vec<RawRequest> {
        lock(&self.inner.requests).clone()
    }

    pub fn faults(&self) -> Faults {
        self.inner.faults.get()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.inner.faults.set(faults)
    }

    pub fn api_key(&self) -> &str {
        self.inner
            .options
            .api_keys
            .first()
            .map_or("", String::as_str)
    }

    pub fn reset(&self) {
        lock(&self.inner.requests).clear();
        lock(&self.inner.events).clear();
        self.inner.faults.clear();
    }
}

pub(crate) fn router(posthog: PostHogSim) -> Router {
    let faults = Arc::clone(&posthog.inner.faults);
    let mut router = Router::new();
    for path in [
        "/i/v0/e/",
        "/i/v0/e",
        "/e/",
        "/e",
        "/capture/",
        "/capture",
        "/batch/",
        "/batch",
    ] {
        router = router.route(path, post(capture));
    }
    router
        .route("/events", get(list_events))
        .route("/__control/requests", get(list_requests))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(posthog)
        .merge(faults_router(faults))
}

/// PostHog's error body.
fn error(status: StatusCode, kind: &str, code: &str, detail: &str) -> (StatusCode, Value) {
    (
        status,
        json!({ "type": kind, "code": code, "detail": detail, "attr": null }),
    )
}

async fn capture(
    State(posthog): State<PostHogSim>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Inside the nested router the `/posthog` prefix is already stripped: the path PostHog sees.
    let path = uri.path().to_owned();
    let (status, reply) = ingest(&posthog, &path, &query, &headers, &body).await;
    lock(&posthog.inner.requests).push(RawRequest {
        received_at: rfc3339(now_ms()),
        method: "POST".into(),
        path,
        query: uri.query().map(str::to_owned),
        headers: header_map(&headers),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: status.as_u16(),
    });
    (status, Json(reply)).into_response()
}

async fn ingest(
    posthog: &PostHogSim,
    path: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> (StatusCode, Value) {
    if let Some(fault) = posthog.inner.faults.apply().await {
        return match fault {
            Injected::Forced(force) => {
                let status =
                    StatusCode::from_u16(force.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let code = force.code_str().unwrap_or("injected_failure");
                let detail = force.message.as_deref().unwrap_or("Injected failure");
                error(status, "server_error", code, detail)
            }
            Injected::Random => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "server_error",
                "Internal server error",
            ),
        };
    }
    let encoded = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded || query.contains_key("compression") {
        return error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "unsupported_compression",
            "The simulator accepts uncompressed JSON only.",
        );
    }
    let invalid = |detail: &str| {
        error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "invalid_payload",
            detail,
        )
    };
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        return invalid("Malformed request data: the body is not valid JSON.");
    };
    let is_batch_path = path.starts_with("/batch");
    let (top, raw_events): (Option<&Map<String, Value>>, Vec<&Value>) = match &payload {
        Value::Array(events) if !is_batch_path => (None, events.iter().collect()),
        Value::Object(fields) => match fields.get("batch") {
            Some(Value::Array(events)) => (Some(fields), events.iter().collect()),
            Some(_) => return invalid("Malformed request data: `batch` must be an array."),
            None if is_batch_path => {
                return invalid("Malformed request data: `batch` is required.");
            }
            None => (None, vec![&payload]),
        },
        _ => return invalid("Malformed request data: expected a JSON object."),
    };
    let top_key = top
        .and_then(|t| t.get("api_key").or_else(|| t.get("token")))
        .and_then(Value::as_str);

    let received = rfc3339(now_ms());
    let mut events = Vec::with_capacity(raw_events.len());
    for raw in raw_events {
        let Some(fields) = raw.as_object() else {
            return invalid("Malformed request data: every event must be an object.");
        };
        let properties = fields
            .get("properties")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let api_key = fields
            .get("api_key")
            .or_else(|| fields.get("token"))
            .or_else(|| properties.get("token"))
            .and_then(Value::as_str)
            .or(top_key)
            .map(str::to_owned);
        let Some(api_key) = api_key else {
            return error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "missing_api_key",
                "API key not provided. You can find your project API key in PostHog project settings.",
            );
        };
        if !posthog.inner.options.api_keys.contains(&api_key) {
            return error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "invalid_api_key",
                "Project API key invalid. You can find your project API key in PostHog project settings.",
            );
        }
        let Some(event) = fields
            .get("event")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
        else {
            return invalid("Invalid payload: every event needs an `event` name.");
        };
        let distinct_id = fields
            .get("distinct_id")
            .or_else(|| properties.get("distinct_id"))
            .and_then(|v| match v {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        let Some(distinct_id) = distinct_id else {
            return invalid("Invalid payload: every event needs a `distinct_id`.");
        };
        events.push(PostHogEvent {
            event: event.to_owned(),
            distinct_id,
            timestamp: fields
                .get("timestamp")
                .and_then(Value::as_str)
                .map_or_else(|| received.clone(), str::to_owned),
            uuid: fields
                .get("uuid")
                .and_then(Value::as_str)
                .map(str::to_owned),
            properties,
            api_key,
            path: path.to_owned(),
        });
    }
    // All or nothing: a batch with one bad event records none of them.
    lock(&posthog.inner.events).extend(events);
    (StatusCode::OK, json!({ "status": 1 }))
}

async fn list_events(State(posthog): State<PostHogSim>) -> Json<Vec<PostHogEvent>> {
    Json(posthog.events())
}

async fn list_requests(State(posthog): State<PostHogSim>) -> Json<Vec<RawRequest>> {
    Json(posthog.requests())
}

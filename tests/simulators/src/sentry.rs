//! Sentry's envelope endpoint, `POST /api/{project_id}/envelope/`, authenticated by the DSN's
//! public key in `X-Sentry-Auth` (or the `sentry_key` query parameter, as browser SDKs send it).
//! Envelopes are stored raw for privacy tests, and split into items for convenience.
//!
//! DSN shape: `http://<key>@127.0.0.1:<port>/sentry/<project_id>`. The Rust SDK turns it into
//! `http://127.0.0.1:<port>/sentry/api/<project_id>/envelope/`, which is this route under the
//! `/sentry` prefix. Compressed envelopes are refused (400) rather than stored unreadable.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::{now_ms, rfc3339};
use crate::control::{faults_router, header_map};
use crate::faults::{FaultSwitch, Faults, FaultsError, Injected};
use crate::lock::lock;

/// The DSN public key accepted by default.
pub const DEFAULT_PUBLIC_KEY: &str = "sentrysimkey";
/// The project id in the default DSN.
pub const DEFAULT_PROJECT_ID: &str = "1";
const MAX_BODY: usize = 20 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct SentryOptions {
    pub public_key: String,
    pub project_id: String,
}

impl Default for SentryOptions {
    fn default() -> Self {
        Self {
            public_key: DEFAULT_PUBLIC_KEY.to_owned(),
            project_id: DEFAULT_PROJECT_ID.to_owned(),
        }
    }
}

/// One item of an envelope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnvelopeItem {
    /// The item header (`type`, `length`, ...).
    pub header: Value,
    /// The payload parsed as JSON when it is JSON (events, sessions), else `null`.
    pub payload: Value,
    /// The payload as text (lossy UTF-8).
    pub raw: String,
}

/// One accepted envelope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Envelope {
    pub received_at: String,
    pub project_id: String,
    pub headers: BTreeMap<String, String>,
    /// The envelope exactly as sent (lossy UTF-8).
    pub raw: String,
    /// The envelope header (first line), parsed.
    pub header: Value,
    pub items: Vec<EnvelopeItem>,
}

impl Envelope {
    /// The `event` items' payloads.
    pub fn events(&self) -> Vec<&Value> {
        self.items
            .iter()
            .filter(|i| i.header.get("type").and_then(Value::as_str) == Some("event"))
            .map(|i| &i.payload)
            .collect()
    }
}

/// Handle on the Sentry simulator's state; cheap to clone.
#[derive(Clone)]
pub struct SentrySim {
    inner: Arc<SentryInner>,
}

struct SentryInner {
    options: SentryOptions,
    envelopes: Mutex<Vec<Envelope>>,
    faults: Arc<FaultSwitch>,
}

impl SentrySim {
    pub(crate) fn new(options: SentryOptions) -> Self {
        Self {
            inner: Arc::new(SentryInner {
                options,
                envelopes: Mutex::new(Vec::new()),
                faults: Arc::new(FaultSwitch::default()),
            }),
        }
    }

    pub fn envelopes(&self) -> Vec<Envelope> {
        lock(&self.inner.envelopes).clone()
    }

    /// Payloads of every `event` item received, oldest first.
    pub fn events(&self) -> Vec<Value> {
        lock(&self.inner.envelopes)
            .iter()
            .flat_map(|e| e.events().into_iter().cloned())
            .collect()
    }

    pub fn faults(&self) -> Faults {
        self.inner.faults.get()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.inner.faults.set(faults)
    }

    pub fn public_key(&self) -> &str {
        &self.inner.options.public_key
    }

    pub fn project_id(&self) -> &str {
        &self.inner.options.project_id
    }

    pub fn reset(&self) {
        lock(&self.inner.envelopes).clear();
        self.inner.faults.clear();
    }
}

pub(crate) fn router(sentry: SentrySim) -> Router {
    let faults = Arc::clone(&sentry.inner.faults);
    Router::new()
        .route("/api/{project_id}/envelope/", post(envelope))
        .route("/api/{project_id}/envelope", post(envelope))
        .route("/envelopes", get(list_envelopes))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(sentry)
        .merge(faults_router(faults))
}

fn detail(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "detail": text }))).into_response()
}

/// `sentry_key` from `X-Sentry-Auth: Sentry sentry_key=..., sentry_version=7, ...`.
fn header_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("x-sentry-auth")?.to_str().ok()?;
    let value = value.trim();
    let value = value.strip_prefix("Sentry ").unwrap_or(value);
    value.split(',').find_map(|part| {
        let (name, v) = part.trim().split_once('=')?;
        (name.trim() == "sentry_key").then(|| v.trim().to_owned())
    })
}

async fn envelope(
    State(sentry): State<SentrySim>,
    Path(project_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = header_key(&headers).or_else(|| query.get("sentry_key").cloned());
    match key {
        None => {
            return detail(
                StatusCode::UNAUTHORIZED,
                "missing authorization information",
            );
        }
        Some(key) if key != sentry.inner.options.public_key => {
            return detail(
                StatusCode::UNAUTHORIZED,
                "invalid authorization: unknown public key",
            );
        }
        Some(_) => {}
    }
    if project_id != sentry.inner.options.project_id {
        return detail(
            StatusCode::FORBIDDEN,
            "event submission rejected with_reason: ProjectId",
        );
    }
    if let Some(fault) = sentry.inner.faults.apply().await {
        return match fault {
            Injected::Forced(force) => {
                let status =
                    StatusCode::from_u16(force.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut response = detail(
                    status,
                    force.message.as_deref().unwrap_or("injected failure"),
                );
                if status == StatusCode::TOO_MANY_REQUESTS {
                    let secs = force.retry_after.unwrap_or(1);
                    let pairs = [
                        (header::RETRY_AFTER.as_str(), secs.to_string()),
                        ("x-sentry-rate-limits", format!("{secs}::organization")),
                    ];
                    for (name, value) in pairs {
                        if let Ok(value) = HeaderValue::from_str(&value) {
                            response.headers_mut().insert(name, value);
                        }
                    }
                }
                response
            }
            Injected::Random => detail(StatusCode::INTERNAL_SERVER_ERROR, "internal server error"),
        };
    }
    let compressed = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if compressed {
        return detail(
            StatusCode::BAD_REQUEST,
            "the simulator accepts uncompressed envelopes only",
        );
    }
    let (header, items) = parse_envelope(&body);
    let id = header.get("event_id").cloned().unwrap_or(Value::Null);
    lock(&sentry.inner.envelopes).push(Envelope {
        received_at: rfc3339(now_ms()),
        project_id,
        headers: header_map(&headers),
        raw: String::from_utf8_lossy(&body).into_owned(),
        header,
        items,
    });
    Json(json!({ "id": id })).into_response()
}

/// Splits an envelope: a header line, then items of `header line` + payload, where the payload
/// is `length` bytes when the item header gives one, else runs to the next newline.
fn parse_envelope(body: &[u8]) -> (Value, Vec<EnvelopeItem>) {
    fn line(rest: &[u8]) -> (&[u8], &[u8]) {
        match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[]),
        }
    }
    let (first, mut rest) = line(body);
    let header = serde_json::from_slice(first).unwrap_or(Value::Null);
    let mut items = Vec::new();
    while !rest.iter().all(u8::is_ascii_whitespace) {
        let (item_line, after) = line(rest);
        let item_header: Value = serde_json::from_slice(item_line).unwrap_or(Value::Null);
        let length = item_header
            .get("length")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok());
        let (payload, next) = match length {
            Some(n) if n <= after.len() => {
                let (payload, tail) = after.split_at(n);
                (payload, tail.strip_prefix(b"\n").unwrap_or(tail))
            }
            _ => line(after),
        };
        items.push(EnvelopeItem {
            header: item_header,
            payload: serde_json::from_slice(payload).unwrap_or(Value::Null),
            raw: String::from_utf8_lossy(payload).into_owned(),
        });
        rest = next;
    }
    (header, items)
}

async fn list_envelopes(State(sentry): State<SentrySim>) -> Json<Vec<Envelope>> {
    Json(sentry.envelopes())
}

#[cfg(test)]
mod tests {
    use super::parse_envelope;

    #[test]
    fn splits_items_with_and_without_length() {
        let body = b"{\"event_id\":\"abc\"}\n{\"type\":\"event\",\"length\":8}\n{\n\"a\":1}\n{\"type\":\"session\"}\n{\"b\":2}\n";
        let (header, items) = parse_envelope(body);
        assert_eq!(header["event_id"], "abc");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].payload["a"], 1);
        assert_eq!(items[1].payload["b"], 2);
    }
}

//! Creem's moderation API: `POST /v1/moderation/prompt` with `x-api-key`, answering
//! `allow | flag | deny` from configurable word rules, with Creem's error envelope.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::now_ms;
use crate::control::{faults_router, header_map, merge};
use crate::faults::{FaultSwitch, Faults, FaultsError, Injected};
use crate::ids::{hex_id, uuid_v4};
use crate::lock::lock;

/// The key accepted by default (test keys start `creem_test_`).
pub const DEFAULT_API_KEY: &str = "creem_test_sim";

/// Decision rules: a prompt containing any `deny` word (case-insensitive substring) is denied,
/// else one containing a `flag` word is flagged, else allowed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreemRules {
    pub deny: Vec<String>,
    pub flag: Vec<String>,
}

impl Default for CreemRules {
    fn default() -> Self {
        Self {
            deny: vec!["forbidden".into(), "[deny]".into()],
            flag: vec!["[flag]".into()],
        }
    }
}

impl CreemRules {
    pub fn decide(&self, prompt: &str) -> &'static str {
        let lower = prompt.to_lowercase();
        let hit = |words: &[String]| {
            words
                .iter()
                .any(|w| !w.is_empty() && lower.contains(&w.to_lowercase()))
        };
        if hit(&self.deny) {
            "deny"
        } else if hit(&self.flag) {
            "flag"
        } else {
            "allow"
        }
    }
}

#[derive(Clone, Debug)]
pub struct CreemOptions {
    /// Keys accepted in `x-api-key`; the first goes into `env()`.
    pub api_keys: Vec<String>,
    pub rules: CreemRules,
}

impl Default for CreemOptions {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            rules: CreemRules::default(),
        }
    }
}

/// One request to the moderation endpoint, whatever its outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreemRequest {
    pub received_at: i64,
    pub headers: BTreeMap<String, String>,
    /// The body as sent (lossy UTF-8).
    pub body: String,
    pub prompt: Option<String>,
    pub external_id: Option<String>,
    /// HTTP status answered.
    pub status: u16,
    pub decision: Option<String>,
    pub response: Value,
}

/// Handle on the Creem simulator's state; cheap to clone.
#[derive(Clone)]
pub struct CreemSim {
    inner: Arc<CreemInner>,
}

struct CreemInner {
    options: CreemOptions,
    rules: Mutex<CreemRules>,
    requests: Mutex<Vec<CreemRequest>>,
    faults: Arc<FaultSwitch>,
}

impl CreemSim {
    pub(crate) fn new(options: CreemOptions) -> Self {
        Self {
            inner: Arc::new(CreemInner {
                rules: Mutex::new(options.rules.clone()),
                options,
                requests: Mutex::new(Vec::new()),
                faults: Arc::new(FaultSwitch::default()),
            }),
        }
    }

    pub fn requests(&self) -> Vec<CreemRequest> {
        lock(&self.inner.requests).clone()
    }

    pub fn rules(&self) -> CreemRules {
        lock(&self.inner.rules).clone()
    }

    pub fn set_rules(&self, rules: CreemRules) {
        *lock(&self.inner.rules) = rules;
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
        *lock(&self.inner.rules) = self.inner.options.rules.clone();
        self.inner.faults.clear();
    }
}

pub(crate) fn router(creem: CreemSim) -> Router {
    let faults = Arc::clone(&creem.inner.faults);
    Router::new()
        .route("/v1/moderation/prompt", post(moderate))
        .route("/__control/rules", get(get_rules).put(put_rules))
        .route("/__control/requests", get(list_requests))
        .with_state(creem)
        .merge(faults_router(faults))
}

/// Creem's error envelope: `{trace_id, status, error, message: [..], timestamp}`.
fn error(status: StatusCode, messages: &[&str]) -> (StatusCode, Value) {
    let body = json!({
        "trace_id": uuid_v4(),
        "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": messages,
        "timestamp": now_ms(),
    });
    (status, body)
}

struct Outcome {
    status: StatusCode,
    body: Value,
    prompt: Option<String>,
    external_id: Option<String>,
    decision: Option<String>,
}

impl Outcome {
    fn error(status: StatusCode, messages: &[&str]) -> Self {
        let (status, body) = error(status, messages);
        Self {
            status,
            body,
            prompt: None,
            external_id: None,
            decision: None,
        }
    }
}

async fn moderate(State(creem): State<CreemSim>, headers: HeaderMap, body: Bytes) -> Response {
    let outcome = screen(&creem, &headers, &body).await;
    lock(&creem.inner.requests).push(CreemRequest {
        received_at: now_ms(),
        headers: header_map(&headers),
        body: String::from_utf8_lossy(&body).into_owned(),
        prompt: outcome.prompt,
        external_id: outcome.external_id,
        status: outcome.status.as_u16(),
        decision: outcome.decision,
        response: outcome.body.clone(),
    });
    (outcome.status, Json(outcome.body)).into_response()
}

async fn screen(creem: &CreemSim, headers: &HeaderMap, body: &[u8]) -> Outcome {
    let key = headers
        .get("x-api-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
    match key {
        None => {
            return Outcome::error(
                StatusCode::UNAUTHORIZED,
                &["Missing API key: set the x-api-key header"],
            );
        }
        Some(key) if !creem.inner.options.api_keys.contains(&key) => {
            return Outcome::error(StatusCode::FORBIDDEN, &["Invalid API key"]);
        }
        Some(_) => {}
    }
    if let Some(fault) = creem.inner.faults.apply().await {
        return match fault {
            Injected::Forced(force) => {
                let status =
                    StatusCode::from_u16(force.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let (status, mut body) = error(
                    status,
                    &[force.message.as_deref().unwrap_or("Injected failure")],
                );
                if let Some(code) = force.code_str() {
                    body["error"] = json!(code);
                }
                Outcome {
                    status,
                    body,
                    prompt: None,
                    external_id: None,
                    decision: None,
                }
            }
            Injected::Random => Outcome::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &["Internal server error"],
            ),
        };
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Outcome::error(StatusCode::BAD_REQUEST, &["Body must be a JSON object"]);
    };
    let prompt = match fields.get("prompt") {
        Some(Value::String(p)) if !p.trim().is_empty() => p.clone(),
        Some(Value::String(_)) => {
            return Outcome::error(StatusCode::BAD_REQUEST, &["prompt should not be empty"]);
        }
        _ => {
            return Outcome::error(
                StatusCode::BAD_REQUEST,
                &["prompt must be a string", "prompt should not be empty"],
            );
        }
    };
    let external_id = match fields.get("external_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => {
            return Outcome::error(StatusCode::BAD_REQUEST, &["external_id must be a string"]);
        }
    };
    let decision = creem.rules().decide(&prompt);
    let body = json!({
        "id": format!("modr_{}", hex_id()),
        "object": "moderation_result",
        "prompt": prompt,
        "decision": decision,
        "usage": { "units": 1 },
        "external_id": external_id,
    });
    Outcome {
        status: StatusCode::OK,
        body,
        prompt: Some(prompt),
        external_id,
        decision: Some(decision.to_owned()),
    }
}

async fn get_rules(State(creem): State<CreemSim>) -> Json<CreemRules> {
    Json(creem.rules())
}

async fn put_rules(State(creem): State<CreemSim>, body: Bytes) -> Response {
    match merge(&creem.rules(), &body) {
        Ok(rules) => {
            creem.set_rules(rules.clone());
            Json(rules).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn list_requests(State(creem): State<CreemSim>) -> Json<Vec<CreemRequest>> {
    Json(creem.requests())
}

#[cfg(test)]
mod tests {
    use super::CreemRules;

    #[test]
    fn rules_are_case_insensitive_and_deny_wins() {
        let rules = CreemRules::default();
        assert_eq!(rules.decide("a FORBIDDEN thing [flag]"), "deny");
        assert_eq!(rules.decide("a [FLAG] thing"), "flag");
        assert_eq!(rules.decide("a cat"), "allow");
    }
}

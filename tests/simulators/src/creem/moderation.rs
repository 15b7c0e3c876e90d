//! Creem's moderation API: `POST /v1/moderation/prompt` answering `allow | flag | deny` from
//! configurable word rules.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::CreemSim;
use super::api::{ApiError, authorize};
use crate::clock::now_ms;
use crate::control::{header_map, merge};
use crate::ids::hex_id;
use crate::lock::lock;

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

struct Outcome {
    status: StatusCode,
    body: Value,
    prompt: Option<String>,
    external_id: Option<String>,
    decision: Option<String>,
}

impl From<ApiError> for Outcome {
    fn from(error: ApiError) -> Self {
        Self {
            status: error.status,
            body: error.body,
            prompt: None,
            external_id: None,
            decision: None,
        }
    }
}

pub(crate) async fn moderate(
    State(creem): State<CreemSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = match authorize(&creem, &headers).await {
        Ok(_) => screen(&creem, &body).unwrap_or_else(Outcome::from),
        Err(error) => error.into(),
    };
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

fn screen(creem: &CreemSim, body: &[u8]) -> Result<Outcome, ApiError> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::bad_request(&["Body must be a JSON object"]));
    };
    let prompt = match fields.get("prompt") {
        Some(Value::String(p)) if !p.trim().is_empty() => p.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::bad_request(&["prompt should not be empty"]));
        }
        _ => {
            return Err(ApiError::bad_request(&[
                "prompt must be a string",
                "prompt should not be empty",
            ]));
        }
    };
    let external_id = match fields.get("external_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(ApiError::bad_request(&["external_id must be a string"])),
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
    Ok(Outcome {
        status: StatusCode::OK,
        body,
        prompt: Some(prompt),
        external_id,
        decision: Some(decision.to_owned()),
    })
}

pub(crate) async fn get_rules(State(creem): State<CreemSim>) -> Json<CreemRules> {
    Json(creem.rules())
}

pub(crate) async fn put_rules(State(creem): State<CreemSim>, body: Bytes) -> Response {
    match merge(&creem.rules(), &body) {
        Ok(rules) => {
            creem.set_rules(rules.clone());
            Json(rules).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn list_requests(State(creem): State<CreemSim>) -> Json<Vec<CreemRequest>> {
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

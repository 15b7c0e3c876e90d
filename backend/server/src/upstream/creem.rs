//! Creem's moderation API: `POST /v1/moderation/prompt` screens one prompt and answers
//! `allow | flag | deny`. Moderation fails closed (DESIGN.md decision 5): the caller blocks on
//! `flag`, `deny` and on every error this module returns (non-2xx, time-out, unreadable body,
//! unknown decision, missing key).
//!
//! There are no retries: every screen is billed (`usage.units`), and a caller that gets an error
//! answers `moderation_unavailable` and lets the person try again.

use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{USER_AGENT, UpstreamError};
use crate::platform::{OutboundRequest, Platform};

pub(crate) const SERVICE: &str = "Creem";

/// The whole exchange must finish within this; moderation sits on the path of every generation.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Creem's decision on a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Allow,
    /// Creem's rules ask merchants to treat `flag` like `deny`: it blocks.
    Flag,
    Deny,
}

impl Verdict {
    /// Creem's spelling, for records and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Flag => "flag",
            Self::Deny => "deny",
        }
    }

    /// Whether the prompt may go on to generation: only `allow` lets it.
    pub fn allows(self) -> bool {
        self == Self::Allow
    }

    /// Parses Creem's `decision`; anything else is `None` (and the caller fails closed).
    fn parse(decision: &str) -> Option<Self> {
        let decision = decision.trim();
        [Self::Allow, Self::Flag, Self::Deny]
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(decision))
    }
}

/// The outcome of one screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub verdict: Verdict,
    /// Creem's id of the moderation result (`modr_…`), kept with the generation for audits.
    /// `None` if Creem left it out; the decision alone is what matters.
    pub moderation_id: Option<String>,
}

#[derive(Serialize)]
struct ScreenRequest<'a> {
    prompt: &'a str,
    external_id: &'a str,
}

/// The fields we read; any others are ignored (the endpoint is marked experimental).
#[derive(Deserialize)]
struct ScreenResponse {
    decision: String,
    #[serde(default)]
    id: Option<String>,
}

/// Creem's error envelope: `{trace_id, status, error, message: [..], timestamp}`.
#[derive(Deserialize, Default)]
struct CreemError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    trace_id: Option<String>,
}

impl CreemError {
    fn message(&self) -> String {
        let text = match &self.message {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join("; "),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        match &self.trace_id {
            Some(trace) => format!("{text} (trace {trace})"),
            None => text,
        }
    }
}

/// `POST {CREEM_BASE_URL}{path}` with a JSON body and the API key: the 2xx answer's body, or
/// Creem's error envelope as `Refused` (any non-2xx), or `Transport`. Never retried: Creem bills
/// every screen and has no idempotency key for checkouts.
pub(crate) async fn post_json<P: Platform>(
    platform: &P,
    path: &str,
    body: &impl Serialize,
    timeout: Duration,
) -> Result<Bytes, UpstreamError> {
    let config = &platform.config().creem;
    let key = config
        .api_key
        .as_ref()
        .ok_or(UpstreamError::NotConfigured {
            service: SERVICE,
            what: "CREEM_API_KEY",
        })?;
    let body = serde_json::to_vec(body).map_err(|e| UpstreamError::Transport {
        service: SERVICE,
        detail: format!("cannot encode the request: {e}"),
    })?;
    let response = platform
        .send(OutboundRequest {
            method: http::Method::POST,
            url: format!("{}{path}", config.base_url),
            headers: vec![
                ("x-api-key".into(), key.expose().to_owned()),
                ("content-type".into(), "application/json".into()),
                ("accept".into(), "application/json".into()),
                ("user-agent".into(), USER_AGENT.into()),
            ],
            body: Some(Bytes::from(body)),
            timeout,
            ..Default::default()
        })
        .await
        .map_err(|e| UpstreamError::Transport {
            service: SERVICE,
            detail: e.to_string(),
        })?;
    if !(200..300).contains(&response.status) {
        let parsed: CreemError = serde_json::from_slice(&response.body).unwrap_or_default();
        return Err(UpstreamError::Refused {
            service: SERVICE,
            status: response.status,
            name: parsed.error.clone().unwrap_or_default(),
            message: parsed.message(),
        });
    }
    Ok(response.body)
}

/// Screens `prompt` with Creem. `external_id` is an opaque id of ours (the generation's id, never
/// an email address): Creem shows it next to the result in its dashboard.
pub async fn screen_prompt<P: Platform>(
    platform: &P,
    prompt: &str,
    external_id: &str,
) -> Result<Screening, UpstreamError> {
    let body = post_json(
        platform,
        "/v1/moderation/prompt",
        &ScreenRequest {
            prompt,
            external_id,
        },
        TIMEOUT,
    )
    .await?;
    let answer: ScreenResponse =
        serde_json::from_slice(&body).map_err(|e| UpstreamError::Transport {
            service: SERVICE,
            detail: format!("unreadable answer: {e}"),
        })?;
    let verdict = Verdict::parse(&answer.decision).ok_or_else(|| UpstreamError::Transport {
        service: SERVICE,
        detail: format!("unknown decision {:?}", answer.decision),
    })?;
    Ok(Screening {
        verdict,
        moderation_id: answer.id.filter(|id| !id.is_empty()),
    })
}

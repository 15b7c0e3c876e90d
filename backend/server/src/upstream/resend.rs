//! Resend: `POST /emails` with an Idempotency-Key, so a retry never mails twice. 429, 5xx and
//! `concurrent_idempotent_requests` are retried with the same key; other 4xx are not.

use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{USER_AGENT, UpstreamError};
use crate::platform::{OutboundRequest, Platform};

const SERVICE: &str = "Resend";
const ATTEMPTS: u32 = 3;
/// Upper bound on one wait between attempts, whatever `retry-after` says (a request has a budget).
const MAX_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub name: &'static str,
    pub value: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutgoingEmail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub tags: Vec<Tag>,
}

#[derive(Deserialize)]
struct Sent {
    id: String,
}

#[derive(Deserialize, Default)]
struct ResendError {
    #[serde(default)]
    name: String,
    #[serde(default)]
    message: String,
}

/// Sends `email`; returns Resend's id for it.
pub async fn send<P: Platform>(
    platform: &P,
    email: &OutgoingEmail,
    idempotency_key: &str,
) -> Result<String, UpstreamError> {
    let config = &platform.config().resend;
    let key = config
        .api_key
        .as_ref()
        .ok_or(UpstreamError::NotConfigured {
            service: SERVICE,
            what: "RESEND_API_KEY",
        })?;
    let body = Bytes::from(
        serde_json::to_vec(email).map_err(|e| UpstreamError::Transport {
            service: SERVICE,
            detail: e.to_string(),
        })?,
    );
    let request = OutboundRequest {
        method: http::Method::POST,
        url: format!("{}/emails", config.base_url),
        headers: vec![
            ("authorization".into(), format!("Bearer {}", key.expose())),
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), USER_AGENT.into()),
            ("idempotency-key".into(), idempotency_key.into()),
        ],
        body: Some(body),
        timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = platform.send(request.clone()).await;
        let (retryable, wait, error) = match outcome {
            Ok(response) if (200..300).contains(&response.status) => {
                let sent: Sent = serde_json::from_slice(&response.body).map_err(|e| {
                    UpstreamError::Transport {
                        service: SERVICE,
                        detail: format!("unreadable answer: {e}"),
                    }
                })?;
                return Ok(sent.id);
            }
            Ok(response) => {
                let parsed: ResendError =
                    serde_json::from_slice(&response.body).unwrap_or_default();
                let retryable = response.status == 429
                    || response.status >= 500
                    || parsed.name == "concurrent_idempotent_requests";
                let wait = response
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(
                        Duration::from_millis(250 * u64::from(attempt)),
                        Duration::from_secs,
                    );
                let error = UpstreamError::Refused {
                    service: SERVICE,
                    status: response.status,
                    name: parsed.name,
                    message: parsed.message,
                };
                (retryable, wait, error)
            }
            Err(e) => (
                true,
                Duration::from_millis(250 * u64::from(attempt)),
                UpstreamError::Transport {
                    service: SERVICE,
                    detail: e.to_string(),
                },
            ),
        };
        if !retryable || attempt >= ATTEMPTS {
            return Err(error);
        }
        tracing::warn!(attempt, error = %error, "retrying Resend with the same idempotency key");
        platform.sleep(wait.min(MAX_WAIT)).await;
    }
}

//! kie.ai's jobs API: `POST /api/v1/jobs/createTask` starts a generation, `GET
//! /api/v1/jobs/recordInfo` reports on it, and signed callbacks announce the end.
//!
//! kie mostly answers HTTP 200 and puts the real status in the body's `code` (401, 402, 422, 429,
//! …); only some failures (the account rate limit) are real HTTP statuses. Both are checked, and
//! either spelling of the message (`msg`, `message`) is read.
//!
//! Nothing here retries. `createTask` has no idempotency key, so a retry after a time-out or a 500
//! may start a second (paid) task; `recordInfo` is read by a poller that comes back anyway.
//! [`KieError::is_retryable`] tells callers which failures are worth another try later.

use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{USER_AGENT, UpstreamError};
use crate::crypto;
use crate::platform::{OutboundRequest, OutboundResponse, Platform};

const SERVICE: &str = "kie.ai";

/// Time-out of a `createTask` call (kie only queues the task; it answers quickly).
pub const CREATE_TIMEOUT: Duration = Duration::from_secs(15);
/// Time-out of a `recordInfo` call.
pub const RECORD_TIMEOUT: Duration = Duration::from_secs(10);
/// How far a callback's `X-Webhook-Timestamp` may be from our clock (kie states no window).
pub const CALLBACK_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// Why a kie call failed, in terms a caller can act on. `code` is kie's body `code`, or the HTTP
/// status where the body has none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KieError {
    /// `KIE_API_KEY` is unset; nothing was sent.
    #[error("kie.ai is not configured: KIE_API_KEY is unset")]
    NotConfigured,
    /// 401: the key is missing, wrong or revoked.
    #[error("kie.ai refused our key (401)")]
    Unauthorized,
    /// 402: *our* kie account is out of credits (not the user's balance).
    #[error("kie.ai account has insufficient credits (402)")]
    InsufficientCredits,
    /// 422 (or 400): kie refused the request's content; the message says why.
    #[error("kie.ai refused the request (422): {0}")]
    Validation(String),
    /// 429, as HTTP 429 or as HTTP 200 with body code 429. Not queued: nothing was created.
    #[error("kie.ai rate limit reached (429)")]
    RateLimited,
    /// 455: kie is under maintenance.
    #[error("kie.ai is under maintenance (455)")]
    Maintenance,
    /// 500, or a 5xx from the edge without kie's envelope.
    #[error("kie.ai server error (500)")]
    ServerError,
    /// 501: the generation failed.
    #[error("kie.ai generation failed (501)")]
    GenerationFailed,
    /// 404: no such task (for this key).
    #[error("kie.ai task not found (404)")]
    NotFound,
    /// Another code kie uses (505 feature disabled, …) with its message.
    #[error("kie.ai answered code {code}: {message}")]
    Other { code: i64, message: String },
    /// The request did not complete: DNS, connect, time-out, body.
    #[error("kie.ai unreachable: {0}")]
    Transport(String),
    /// An answer we cannot read: not kie's envelope, missing fields, unknown state.
    #[error("kie.ai answered something unreadable: {0}")]
    Protocol(String),
}

impl KieError {
    /// Whether the same call may succeed later without changing anything: rate limit,
    /// maintenance, server errors and transport failures.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::Maintenance | Self::ServerError | Self::Transport(_)
        )
    }

    /// The error for a kie `code` other than 200, with the message kie gave.
    fn from_code(code: i64, message: String) -> Self {
        match code {
            401 => Self::Unauthorized,
            402 => Self::InsufficientCredits,
            400 | 422 => Self::Validation(message),
            429 => Self::RateLimited,
            455 => Self::Maintenance,
            500 => Self::ServerError,
            501 => Self::GenerationFailed,
            404 => Self::NotFound,
            code => Self::Other { code, message },
        }
    }
}

impl From<KieError> for UpstreamError {
    fn from(e: KieError) -> Self {
        let refused = |status: u16, name: &str, message: String| UpstreamError::Refused {
            service: SERVICE,
            status,
            name: name.to_owned(),
            message,
        };
        match e {
            KieError::NotConfigured => UpstreamError::NotConfigured {
                service: SERVICE,
                what: "KIE_API_KEY",
            },
            KieError::Transport(detail) => UpstreamError::Transport {
                service: SERVICE,
                detail,
            },
            KieError::Protocol(detail) => UpstreamError::Transport {
                service: SERVICE,
                detail: format!("unreadable answer: {detail}"),
            },
            KieError::Unauthorized => refused(401, "unauthorized", String::new()),
            KieError::InsufficientCredits => refused(402, "insufficient_credits", String::new()),
            KieError::Validation(message) => refused(422, "validation", message),
            KieError::RateLimited => refused(429, "rate_limited", String::new()),
            KieError::Maintenance => refused(455, "maintenance", String::new()),
            KieError::ServerError => refused(500, "server_error", String::new()),
            KieError::GenerationFailed => refused(501, "generation_failed", String::new()),
            KieError::NotFound => refused(404, "not_found", String::new()),
            KieError::Other { code, message } => {
                refused(u16::try_from(code).unwrap_or(0), "other", message)
            }
        }
    }
}

impl From<KieError> for crate::error::ApiError {
    /// Every kie failure is ours, not the user's (a 402 is our account's credits): `unavailable`.
    fn from(e: KieError) -> Self {
        UpstreamError::from(e).into()
    }
}

/// A task's state as `recordInfo` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    Waiting,
    Queuing,
    Generating,
    Success,
    Fail,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Queuing => "queuing",
            Self::Generating => "generating",
            Self::Success => "success",
            Self::Fail => "fail",
        }
    }

    /// `success` or `fail`: the task will not change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Success | Self::Fail)
    }

    fn parse(state: &str) -> Option<Self> {
        let state = state.trim();
        [
            Self::Waiting,
            Self::Queuing,
            Self::Generating,
            Self::Success,
            Self::Fail,
        ]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(state))
    }
}

/// What `recordInfo` says about a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub task_id: String,
    pub state: TaskState,
    /// The result images, parsed from the JSON string `resultJson`; empty unless `Success`.
    /// They expire (minutes to days): copy them into our own storage at once.
    pub result_urls: Vec<String>,
    /// kie's `failCode` (e.g. `"422"` for a content-policy refusal, `"501"`); `None` when empty.
    pub fail_code: Option<String>,
    pub fail_msg: Option<String>,
}

/// kie's envelope. `msg` per the OpenAPI example, `message` per the Get Task Details page.
#[derive(Deserialize)]
struct Envelope {
    code: Option<i64>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    data: Value,
}

impl Envelope {
    fn message(&mut self) -> String {
        self.msg
            .take()
            .or_else(|| self.message.take())
            .unwrap_or_default()
    }
}

/// Starts a task for `model` with its model-specific `input`; returns kie's `taskId`. With
/// `callback_url`, kie POSTs the finished record there (see [`verify_callback`]).
pub async fn create_task<P: Platform>(
    platform: &P,
    model: &str,
    input: Value,
    callback_url: Option<&str>,
) -> Result<String, KieError> {
    let mut body = json!({ "model": model, "input": input });
    if let Some(url) = callback_url {
        body["callBackUrl"] = Value::from(url);
    }
    let body = serde_json::to_vec(&body)
        .map_err(|e| KieError::Protocol(format!("cannot encode the request: {e}")))?;
    let url = format!("{}/api/v1/jobs/createTask", platform.config().kie.base_url);
    let data = call(
        platform,
        http::Method::POST,
        url,
        Some(body),
        CREATE_TIMEOUT,
    )
    .await?;
    match data.get("taskId").and_then(Value::as_str) {
        Some(id) if !id.trim().is_empty() => Ok(id.to_owned()),
        _ => Err(KieError::Protocol(format!(
            "createTask succeeded without a taskId: {data}"
        ))),
    }
}

/// Reads a task's state and, once it succeeded, its result URLs.
pub async fn record_info<P: Platform>(platform: &P, task_id: &str) -> Result<TaskRecord, KieError> {
    let mut url = url::Url::parse(&format!(
        "{}/api/v1/jobs/recordInfo",
        platform.config().kie.base_url
    ))
    .map_err(|e| KieError::Protocol(format!("bad KIE_BASE_URL: {e}")))?;
    url.query_pairs_mut().append_pair("taskId", task_id);
    let data = call(
        platform,
        http::Method::GET,
        url.into(),
        None,
        RECORD_TIMEOUT,
    )
    .await?;
    parse_record(task_id, &data)
}

/// Sends one request with kie's headers and returns the envelope's `data` when `code` is 200.
async fn call<P: Platform>(
    platform: &P,
    method: http::Method,
    url: String,
    body: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<Value, KieError> {
    let key = platform
        .config()
        .kie
        .api_key
        .as_ref()
        .ok_or(KieError::NotConfigured)?;
    let mut headers = vec![
        ("authorization".into(), format!("Bearer {}", key.expose())),
        ("accept".into(), "application/json".into()),
        ("user-agent".into(), USER_AGENT.into()),
    ];
    if body.is_some() {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let request = OutboundRequest {
        method,
        url,
        headers,
        body: body.map(Bytes::from),
        timeout,
        ..Default::default()
    };
    let response = platform
        .send(request)
        .await
        .map_err(|e| KieError::Transport(e.to_string()))?;
    interpret(&response)
}

/// Reads an answer: the HTTP status and the body's `code` both have to say 200. Public for the
/// fuzz targets (`tests/fuzz`).
pub fn interpret(response: &OutboundResponse) -> Result<Value, KieError> {
    let http_ok = (200..300).contains(&response.status);
    let envelope = serde_json::from_slice::<Envelope>(&response.body)
        .ok()
        .filter(|e| e.code.is_some());
    let Some(mut envelope) = envelope else {
        // Not kie's envelope: an edge or proxy answered (Cloudflare's 403 "error code: 1010",
        // a 502 page), or something else entirely.
        return Err(match response.status {
            429 => KieError::RateLimited,
            455 => KieError::Maintenance,
            500..=599 => KieError::ServerError,
            status => KieError::Protocol(format!(
                "HTTP {status} without kie's envelope: {}",
                snippet(&response.body)
            )),
        });
    };
    let code = envelope.code.unwrap_or_default();
    if response.status == 429 {
        return Err(KieError::RateLimited);
    }
    match (http_ok, code) {
        (true, 200) => Ok(envelope.data),
        // A failing HTTP status with a body that claims success: believe the status.
        (false, 200) => Err(KieError::from_code(
            i64::from(response.status),
            envelope.message(),
        )),
        (_, code) => Err(KieError::from_code(code, envelope.message())),
    }
}

/// The start of a body, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A string field that kie may also send as a number (`failCode`); empty means absent.
fn text_field(data: &Value, name: &str) -> Option<String> {
    match data.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads `recordInfo`'s `data` for the task `requested`. Public for the fuzz targets (`tests/fuzz`).
pub fn parse_record(requested: &str, data: &Value) -> Result<TaskRecord, KieError> {
    if !data.is_object() {
        return Err(KieError::Protocol(format!(
            "recordInfo data is not an object: {data}"
        )));
    }
    let task_id = match data.get("taskId").and_then(Value::as_str) {
        Some(id) if id == requested => id.to_owned(),
        Some(id) => {
            return Err(KieError::Protocol(format!(
                "asked for task {requested}, got {id}"
            )));
        }
        None => requested.to_owned(),
    };
    let state = data
        .get("state")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let state = TaskState::parse(state)
        .ok_or_else(|| KieError::Protocol(format!("unknown task state {state:?}")))?;
    let result_urls = if state == TaskState::Success {
        result_urls(data.get("resultJson"))?
    } else {
        Vec::new()
    };
    Ok(TaskRecord {
        task_id,
        state,
        result_urls,
        fail_code: text_field(data, "failCode"),
        fail_msg: text_field(data, "failMsg"),
    })
}

/// `resultJson` is a JSON *string* holding `{"resultUrls": [...]}` (accepted as an object too).
fn result_urls(result_json: Option<&Value>) -> Result<Vec<String>, KieError> {
    let parsed = match result_json {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Vec::new()),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .map_err(|e| KieError::Protocol(format!("resultJson is not JSON: {e}")))?,
        Some(other) => other.clone(),
    };
    match parsed.get("resultUrls") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(urls)) => urls
            .iter()
            .map(|u| {
                u.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| KieError::Protocol(format!("result URL {u} is not a string")))
            })
            .collect(),
        Some(other) => Err(KieError::Protocol(format!(
            "resultUrls is not an array: {other}"
        ))),
    }
}

/// Whether a callback is really from kie: `X-Webhook-Signature` must be
/// `base64(HMAC-SHA256(key, taskId + "." + X-Webhook-Timestamp))` (compared in constant time),
/// and the timestamp (Unix seconds) within ±5 minutes of `now_ms`. Even a valid callback only says
/// "look again": confirm with [`record_info`] before granting anything.
pub fn verify_callback(
    hmac_key: &str,
    task_id: &str,
    timestamp_header: &str,
    signature_header: &str,
    now_ms: i64,
) -> bool {
    let timestamp = timestamp_header.trim();
    if task_id.is_empty() || timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let Some(sent_ms) = timestamp
        .parse::<i64>()
        .ok()
        .and_then(|s| s.checked_mul(1000))
    else {
        return false;
    };
    if sent_ms.abs_diff(now_ms) > CALLBACK_TOLERANCE_MS.unsigned_abs() {
        return false;
    }
    let message = format!("{task_id}.{timestamp}");
    crypto::verify_hmac_sha256_base64(hmac_key.as_bytes(), message.as_bytes(), signature_header)
}

/// The task a callback body is about: `data.taskId`, or `data.task_id` as kie's Chinese sample
/// code reads it.
pub fn callback_task_id(body: &Value) -> Option<String> {
    let data = body.get("data")?;
    ["taskId", "task_id"].iter().find_map(|field| {
        data.get(*field)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
    })
}

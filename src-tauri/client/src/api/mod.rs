//! `ApiClient`: reqwest with rustls, a User-Agent (Resend and Cloudflare refuse requests without
//! one), per-request time-outs, and retries with back-off for idempotent requests only.

mod auth;
mod credits;
mod export;
mod generations;
mod retry;
mod sync;
mod uploads;

use std::time::{Duration, Instant};

use atelier_api::{ErrorBody, Health, Limits};
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

pub use auth::Language;
pub use credits::checked_checkout_url;
pub use generations::{IdempotencyKey, ImageBytes, ImageVariant, is_valid_id};
pub use retry::RetryPolicy;
pub use sync::MAX_SYNC_WAIT;
pub use uploads::Progress;

use crate::error::ClientError;
use crate::session::SessionToken;

#[derive(Debug, Clone)]
pub struct ApiClientOptions {
    pub base_url: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ApiClientOptions {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    base: Url,
    http: reqwest::Client,
    retry: RetryPolicy,
    /// The time allowed for a request that answers at once; one that waits on purpose (the
    /// live sync) gets its wait on top.
    request_timeout: Duration,
}

/// The User-Agent of every request: product, version, OS.
pub fn user_agent() -> String {
    format!(
        "Atelier/{} ({})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    )
}

impl ApiClient {
    pub fn new(options: ApiClientOptions) -> Result<Self, ClientError> {
        let mut base = Url::parse(&options.base_url)
            .map_err(|_| ClientError::BadUrl(options.base_url.clone()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(ClientError::BadUrl(options.base_url));
        }
        // `Url::join` replaces the last segment unless the base ends in a slash.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .user_agent(user_agent())
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .build()
            .map_err(|e| ClientError::Protocol(format!("HTTP client: {e}")))?;
        Ok(Self {
            base,
            http,
            retry: options.retry,
            request_timeout: options.request_timeout,
        })
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `GET /healthz`, with the round-trip time of the answering attempt.
    pub async fn health(&self) -> Result<(Health, Duration), ClientError> {
        self.call(Request::get("healthz")).await
    }

    /// `GET /v1/limits`.
    pub async fn limits(&self) -> Result<Limits, ClientError> {
        Ok(self.call(Request::get("v1/limits")).await?.0)
    }

    /// Sends `request`; when it is idempotent, transport failures, 429 and 5xx are retried per the
    /// policy. Answers the decoded body and the round trip of the answering attempt.
    async fn call<T: DeserializeOwned>(
        &self,
        request: Request<'_>,
    ) -> Result<(T, Duration), ClientError> {
        let url = self
            .base
            .join(request.path)
            .map_err(|_| ClientError::BadUrl(request.path.to_owned()))?;
        let attempts = if request.idempotent {
            self.retry.attempts.max(1)
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            let mut builder = self.http.request(request.method.clone(), url.clone());
            if let Some(token) = request.bearer {
                builder = builder.bearer_auth(token.expose());
            }
            if let Some(key) = request.idempotency_key {
                builder = builder.header("Idempotency-Key", key);
            }
            if let Some(language) = request.language {
                builder = builder.header(ACCEPT_LANGUAGE, language);
            }
            if let Some(timeout) = request.timeout {
                builder = builder.timeout(timeout);
            }
            if let Some(body) = &request.body {
                let body = match &request.progress {
                    Some(progress) => uploads::with_progress(body.clone(), progress.clone()),
                    None => body.clone().into(),
                };
                builder = builder
                    .header(CONTENT_TYPE, request.content_type)
                    .body(body);
            }
            let started = Instant::now();
            let outcome = builder.send().await;
            let elapsed = started.elapsed();
            let result = match outcome {
                Ok(response) => decode(response).await.map(|v| (v, elapsed)),
                Err(e) => Err(transport_error(&url, &e)),
            };
            match result {
                Err(ref e) if attempt + 1 < attempts && retry::is_retryable(e) => {
                    let retry_after = match e {
                        ClientError::Api { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    let wait = self.retry.delay(attempt, retry_after);
                    tracing::debug!(%url, attempt, ?wait, error = %e, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// One request to the service, described before it is sent (and perhaps sent again).
struct Request<'a> {
    method: Method,
    path: &'a str,
    body: Option<bytes::Bytes>,
    content_type: &'a str,
    bearer: Option<&'a SessionToken>,
    language: Option<&'a str>,
    idempotency_key: Option<&'a str>,
    /// Instead of the client's own time-out (a request the service holds on purpose).
    timeout: Option<Duration>,
    /// Safe to send twice: the only requests that are retried.
    idempotent: bool,
    /// Told how much of the body has gone, as it goes (an upload's progress bar).
    progress: Option<Progress>,
}

impl<'a> Request<'a> {
    fn new(method: Method, path: &'a str, idempotent: bool) -> Self {
        Self {
            method,
            path,
            body: None,
            content_type: "application/json",
            bearer: None,
            language: None,
            idempotency_key: None,
            timeout: None,
            idempotent,
            progress: None,
        }
    }

    fn get(path: &'a str) -> Self {
        Self::new(Method::GET, path, true)
    }

    /// A POST, retried only when the caller says it is idempotent.
    fn post(path: &'a str, idempotent: bool) -> Self {
        Self::new(Method::POST, path, idempotent)
    }

    fn patch(path: &'a str) -> Self {
        // Setting a field to a value twice leaves it as once.
        Self::new(Method::PATCH, path, true)
    }

    fn json(mut self, body: &impl Serialize) -> Result<Self, ClientError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| ClientError::Protocol(format!("encoding the request: {e}")))?;
        self.body = Some(bytes.into());
        Ok(self)
    }

    /// A body that is not JSON (an image upload).
    fn bytes(mut self, body: bytes::Bytes, content_type: &'a str) -> Self {
        self.body = Some(body);
        self.content_type = content_type;
        self
    }

    fn bearer(mut self, token: &'a SessionToken) -> Self {
        self.bearer = Some(token);
        self
    }

    fn idempotency_key(mut self, key: &'a str) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    fn language(mut self, language: &'a str) -> Self {
        self.language = Some(language);
        self
    }
}

fn transport_error(url: &Url, e: &reqwest::Error) -> ClientError {
    let reason = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection refused or unreachable".to_owned()
    } else {
        e.to_string()
    };
    let mut origin = url.clone();
    origin.set_path("");
    ClientError::Offline {
        url: origin.as_str().trim_end_matches('/').to_owned(),
        reason,
    }
}

/// Turns a response into the value or the service's error envelope. An empty success body
/// (`204`) reads as JSON `null`, which is what `()` expects.
async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    let retry_after = retry::retry_after(response.headers());
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ClientError::Protocol(format!("reading the body: {e}")))?;
    if status.is_success() {
        let json: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        return serde_json::from_slice(json)
            .map_err(|e| ClientError::Protocol(format!("{status}: {e}")));
    }
    Err(error_from(status, retry_after, &bytes))
}

/// The error of a response that is not a success.
async fn decode_error(response: reqwest::Response) -> ClientError {
    let status = response.status();
    let retry_after = retry::retry_after(response.headers());
    match response.bytes().await {
        Ok(bytes) => error_from(status, retry_after, &bytes),
        Err(e) => ClientError::Protocol(format!("reading the body: {e}")),
    }
}

fn error_from(status: StatusCode, retry_after: Option<Duration>, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ClientError::Api {
            body,
            retry_after,
            attempts_left: None,
        },
        Err(_)
            if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::BAD_GATEWAY =>
        {
            ClientError::Api {
                body: ErrorBody::new(
                    atelier_api::ErrorCode::Unavailable,
                    format!("the service answered {status}"),
                ),
                retry_after,
                attempts_left: None,
            }
        }
        Err(_) => ClientError::Protocol(format!("{status} without an error envelope")),
    }
}

//! `ApiClient`: reqwest with rustls, a User-Agent (Resend and Cloudflare refuse requests without
//! one), per-request time-outs, and retries with back-off for idempotent requests only.

mod retry;

use std::time::{Duration, Instant};

use atelier_api::{ErrorBody, Health, Limits};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

pub use retry::RetryPolicy;

use crate::error::ClientError;

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
        })
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `GET /healthz`, with the round-trip time of the answering attempt.
    pub async fn health(&self) -> Result<(Health, Duration), ClientError> {
        self.get_timed("healthz").await
    }

    /// `GET /v1/limits`.
    pub async fn limits(&self) -> Result<Limits, ClientError> {
        Ok(self.get_timed("v1/limits").await?.0)
    }

    /// A GET is idempotent, so transport failures, 429 and 5xx are retried per the policy.
    async fn get_timed<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, Duration), ClientError> {
        let url = self
            .base
            .join(path)
            .map_err(|_| ClientError::BadUrl(path.to_owned()))?;
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let outcome = self.http.request(Method::GET, url.clone()).send().await;
            let elapsed = started.elapsed();
            let retry_after = match &outcome {
                Ok(r) => retry::retry_after(r.headers()),
                Err(_) => None,
            };
            let result = match outcome {
                Ok(response) => decode(response).await.map(|v| (v, elapsed)),
                Err(e) => Err(transport_error(&url, &e)),
            };
            match result {
                Err(ref e) if attempt + 1 < self.retry.attempts && retry::is_retryable(e) => {
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

/// Turns a response into the value or the service's error envelope.
async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ClientError::Protocol(format!("reading the body: {e}")))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Protocol(format!("{status}: {e}")));
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => Err(ClientError::Api(body)),
        Err(_)
            if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::BAD_GATEWAY =>
        {
            Err(ClientError::Api(ErrorBody::new(
                atelier_api::ErrorCode::Unavailable,
                format!("the service answered {status}"),
            )))
        }
        Err(_) => Err(ClientError::Protocol(format!(
            "{status} without an error envelope"
        ))),
    }
}

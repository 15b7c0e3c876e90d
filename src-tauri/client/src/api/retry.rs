//! When and how long to wait before trying an idempotent request again.

use std::time::Duration;

use atelier_api::ErrorCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::ClientError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included; 1 means no retry.
    pub attempts: u32,
    /// Wait before the second attempt; doubles after each further one.
    pub base_delay: Duration,
    /// No single wait is longer, whatever `Retry-After` asks.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        Self {
            attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1`: the server's `Retry-After` when given, else
    /// exponential back-off; capped either way.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self.base_delay.saturating_mul(2u32.saturating_pow(attempt));
        retry_after.unwrap_or(backoff).min(self.max_delay)
    }
}

/// Worth another try: the network, rate limits and the service's transient failures.
pub(super) fn is_retryable(error: &ClientError) -> bool {
    match error {
        ClientError::Offline { .. } => true,
        ClientError::Api { body, .. } => {
            matches!(body.code, ErrorCode::Unavailable | ErrorCode::RateLimited)
        }
        ClientError::Protocol(_)
        | ClientError::BadUrl(_)
        | ClientError::CredentialStore(_)
        | ClientError::Cache(_)
        | ClientError::InvalidSyncData(_)
        | ClientError::ExportTarget(_)
        | ClientError::ExportCancelled
        | ClientError::OriginalsUnavailable { .. }
        | ClientError::SignInNotPending => false,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by our service).
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0, None), Duration::from_millis(250));
        assert_eq!(p.delay(1, None), Duration::from_millis(500));
        assert_eq!(p.delay(10, None), p.max_delay);
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(3600))), p.max_delay);
    }
}

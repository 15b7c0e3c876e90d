//! The error every command returns: the service's `{code, message}` envelope (plus the details a
//! person needs to act: how long to wait, how many tries are left), so the UI switches on `code`
//! and shows words in the user's language whether the failure was local or remote.

use atelier_client::{ClientError, Code};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppError {
    pub code: Code,
    pub message: String,
    /// With `rate_limited`: the service's `Retry-After`, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub retry_after_seconds: Option<u32>,
    /// With `invalid_code`: how many more codes may be tried before the emailed one dies.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub attempts_left: Option<u32>,
    /// With `originals_unavailable`: how many of the chosen originals are neither on this
    /// computer nor reachable.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub missing: Option<u32>,
}

impl AppError {
    pub fn new(code: impl Into<Code>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            retry_after_seconds: None,
            attempts_left: None,
            missing: None,
        }
    }
}

impl From<&ClientError> for AppError {
    fn from(e: &ClientError) -> Self {
        Self {
            code: e.code(),
            message: e.message(),
            retry_after_seconds: e.retry_after_seconds(),
            attempts_left: e.attempts_left(),
            missing: e.missing_originals(),
        }
    }
}

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> Self {
        Self::from(&e)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use atelier_api::{ErrorBody, ErrorCode};

    use super::*;

    #[test]
    fn the_ui_gets_the_code_and_only_the_details_that_apply() {
        let limited = ClientError::Api {
            body: ErrorBody::new(ErrorCode::RateLimited, "slow down"),
            retry_after: Some(Duration::from_secs(42)),
            attempts_left: None,
        };
        assert_eq!(
            serde_json::to_value(AppError::from(limited)).ok(),
            Some(serde_json::json!({
                "code": "rate_limited", "message": "slow down", "retry_after_seconds": 42
            }))
        );
        let store = ClientError::CredentialStore("no Secret Service".into());
        let json = serde_json::to_value(AppError::from(store)).ok();
        assert_eq!(
            json.as_ref().and_then(|j| j.get("code")),
            Some(&serde_json::json!("credential_store_unavailable"))
        );
    }
}

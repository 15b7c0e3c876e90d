//! `ApiError`: what a route returns on failure, rendered as the `{code, message}` envelope.

use atelier_api::{ErrorBody, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::platform::PlatformError;

#[derive(Debug)]
pub struct ApiError {
    pub body: ErrorBody,
    /// Seconds for a `Retry-After` header (rate limits).
    pub retry_after: Option<u64>,
    /// What went wrong, for the error report only: never part of the answer.
    pub internal: Option<InternalDetail>,
}

/// The detail of an internal failure. The response carries it as an extension (extensions are
/// never serialised) so `error_reports` can send it to Sentry, scrubbed, while the caller gets
/// only the generic message.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalDetail {
    pub text: String,
    /// Structured context (`extra` in the Sentry event). Keep personal data out of it; the
    /// scrubber is only the second line.
    pub extra: Option<Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            body: ErrorBody::new(code, message),
            retry_after: None,
            internal: None,
        }
    }

    /// A failure on our side: the caller gets the generic `internal` envelope, the error report
    /// gets `detail`.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, GENERIC_INTERNAL_MESSAGE).with_detail(detail)
    }

    /// Keeps `detail` for the error report (only reported when the answer is a 500).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.internal = Some(InternalDetail {
            text: detail.into(),
            extra: None,
        });
        self
    }

    /// Adds structured context to the error report.
    pub fn with_extra(mut self, extra: Value) -> Self {
        let internal = self.internal.get_or_insert_with(|| InternalDetail {
            text: String::new(),
            extra: None,
        });
        internal.extra = Some(extra);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.body.code
    }
}

impl From<ErrorBody> for ApiError {
    fn from(body: ErrorBody) -> Self {
        Self {
            body,
            retry_after: None,
            internal: None,
        }
    }
}

impl From<PlatformError> for ApiError {
    /// Storage failures are logged with their detail and answered without it.
    fn from(err: PlatformError) -> Self {
        tracing::error!(error = %err, "platform failure");
        match err {
            PlatformError::Http(_) | PlatformError::HttpRefused(_) => {
                Self::new(ErrorCode::Unavailable, "an upstream service is unreachable")
            }
            _ => Self::internal(format!("platform failure: {err}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.body.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body)).into_response();
        if status == StatusCode::INTERNAL_SERVER_ERROR
            && let Some(detail) = self.internal
        {
            response.extensions_mut().insert(detail);
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What the caller reads when something failed on our side.
pub const GENERIC_INTERNAL_MESSAGE: &str = "something went wrong on our side";

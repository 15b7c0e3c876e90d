//! `ApiError`: what a route returns on failure, rendered as the `{code, message}` envelope.

use atelier_api::{ErrorBody, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::platform::PlatformError;

#[derive(Debug)]
pub struct ApiError {
    pub body: ErrorBody,
    /// Seconds for a `Retry-After` header (rate limits).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            body: ErrorBody::new(code, message),
            retry_after: None,
        }
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
        }
    }
}

impl From<PlatformError> for ApiError {
    /// Storage failures are logged with their detail and answered without it.
    fn from(err: PlatformError) -> Self {
        tracing::error!(error = %err, "platform failure");
        match err {
            PlatformError::Http(_) => {
                Self::new(ErrorCode::Unavailable, "an upstream service is unreachable")
            }
            _ => Self::new(ErrorCode::Internal, "something went wrong on our side"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.body.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

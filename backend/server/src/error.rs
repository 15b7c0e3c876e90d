//! `ApiError`: what a route returns on failure, rendered as the `{code, message}` envelope.

use atelier_api::{ErrorBody, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::platform::PlatformError;

#[derive(Debug)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ErrorBody::new(code, message))
    }
}

impl From<ErrorBody> for ApiError {
    fn from(body: ErrorBody) -> Self {
        Self(body)
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
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.0)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

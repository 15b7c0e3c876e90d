//! The error every command returns: the service's `{code, message}` envelope, so the UI switches on
//! `code` (and shows words in the user's language) whether the failure was local or remote.

use atelier_api::ErrorCode;
use atelier_client::ClientError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<&ClientError> for AppError {
    fn from(e: &ClientError) -> Self {
        let body = e.to_body();
        Self {
            code: body.code,
            message: body.message,
        }
    }
}

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> Self {
        Self::from(&e)
    }
}

//! What a call to the service can end in, reduced to the `{code, message}` the UI switches on.

use atelier_api::{ErrorBody, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with its error envelope.
    #[error("{0}")]
    Api(ErrorBody),
    /// The service could not be reached: no route, refused, timed out.
    #[error("cannot reach {url}: {reason}")]
    Offline { url: String, reason: String },
    /// The service answered something that is not its protocol (a proxy page, a truncated body).
    #[error("unexpected answer from the service: {0}")]
    Protocol(String),
    /// The configured address is not a usable URL.
    #[error("{0:?} is not a valid service URL")]
    BadUrl(String),
}

impl ClientError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Api(body) => body.code,
            Self::Offline { .. } => ErrorCode::Offline,
            Self::Protocol(_) | Self::BadUrl(_) => ErrorCode::Internal,
        }
    }

    /// The envelope the desktop hands to the UI.
    pub fn to_body(&self) -> ErrorBody {
        match self {
            Self::Api(body) => body.clone(),
            other => ErrorBody::new(other.code(), other.to_string()),
        }
    }
}

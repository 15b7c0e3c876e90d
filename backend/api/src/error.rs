//! The one error envelope: every failed request answers `{"code": "...", "message": "..."}`.
//! Clients switch on `code`, never on `message`, which is for people and may change.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code. Add a code only when a consumer acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ErrorCode {
    /// No route matches the path (404).
    NotFound,
    /// The route exists but not for this method (405).
    MethodNotAllowed,
    /// The body is not valid JSON or does not have the expected shape (400).
    BadRequest,
    /// The body is larger than [`crate::Limits::max_request_body_bytes`] (413).
    PayloadTooLarge,
    /// The body is not `application/json`, or an upload is not PNG, JPEG or WebP (415).
    UnsupportedMediaType,
    /// An upload's bytes are not a whole image of the type it claims (400).
    InvalidImage,
    /// An upload has more pixels than [`crate::Limits::max_upload_pixels`] (413).
    ImageTooLarge,
    /// The model needs more input images than the request names (400).
    InputImagesRequired,
    /// The request names more input images than the model takes (400).
    TooManyInputImages,
    /// The prompt is empty once trimmed (400).
    PromptEmpty,
    /// The prompt is longer than [`crate::Limits::max_prompt_chars`] (400).
    PromptTooLong,
    /// The number of images asked for is outside the allowed range (400).
    InvalidCount,
    /// The address is not a valid email address (400).
    InvalidEmail,
    /// The code does not match the current challenge; the message says how many tries are left (400).
    InvalidCode,
    /// No live challenge: the code or link expired, was used, or was replaced by a newer one (400).
    CodeExpired,
    /// Five wrong codes: this challenge is dead; ask for a new email (400).
    TooManyAttempts,
    /// No bearer token, or one that is unknown, expired or revoked (401).
    Unauthenticated,
    /// `POST /v1/me/email` names the address the account already has (400).
    EmailUnchanged,
    /// The new address was confirmed but another account took it meanwhile; nothing changed (409).
    EmailInUse,
    /// The display name is too long or contains control characters (400).
    InvalidDisplayName,
    /// A conversation title is empty or too long (400).
    InvalidTitle,
    /// A paging cursor that this service did not hand out (400).
    InvalidCursor,
    /// The model is not one `GET /v1/models` offers (400).
    UnknownModel,
    /// The model does not offer that aspect ratio (400).
    InvalidAspectRatio,
    /// `POST /v1/generations` needs an `Idempotency-Key` header of 1–128 visible characters (400).
    IdempotencyKeyRequired,
    /// A sync cursor from before the oldest change still kept: start again from zero (410).
    ResetRequired,
    /// Moderation refused the prompt (`deny` or `flag`); nothing was charged (400).
    PromptBlocked,
    /// Moderation could not be reached; nothing was charged, try again (503).
    ModerationUnavailable,
    /// The balance does not cover the cost; nothing was charged (402).
    InsufficientCredits,
    /// Too many requests; the response carries `Retry-After` in seconds (429).
    RateLimited,
    /// `POST /v1/credits/checkout` names a pack `GET /v1/credits/packs` does not list (400).
    UnknownPack,
    /// This service sells no credits (no packs configured) (404).
    PurchasesUnavailable,
    /// The payment provider could not open a checkout; nothing was charged (502).
    PaymentProviderUnavailable,
    /// Something failed on our side; the message says nothing internal (500).
    Internal,
    /// A storage or upstream dependency is unreachable (503).
    Unavailable,
    /// The client could not reach the service at all (never sent by the server).
    Offline,
    /// Any code this build does not know yet: newer servers may add codes.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the service answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::NotFound | Self::PurchasesUnavailable => 404,
            Self::MethodNotAllowed => 405,
            Self::BadRequest
            | Self::PromptEmpty
            | Self::PromptTooLong
            | Self::InvalidCount
            | Self::InvalidEmail
            | Self::InvalidCode
            | Self::CodeExpired
            | Self::TooManyAttempts
            | Self::EmailUnchanged
            | Self::InvalidDisplayName
            | Self::InvalidTitle
            | Self::InvalidCursor
            | Self::UnknownModel
            | Self::InvalidAspectRatio
            | Self::IdempotencyKeyRequired
            | Self::PromptBlocked
            | Self::UnknownPack
            | Self::InvalidImage
            | Self::InputImagesRequired
            | Self::TooManyInputImages => 400,
            Self::InsufficientCredits => 402,
            Self::EmailInUse => 409,
            Self::ResetRequired => 410,
            Self::Unauthenticated => 401,
            Self::PayloadTooLarge | Self::ImageTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RateLimited => 429,
            Self::Internal | Self::Unknown => 500,
            Self::PaymentProviderUnavailable => 502,
            Self::Unavailable | Self::Offline | Self::ModerationUnavailable => 503,
        }
    }

    /// The wire spelling of the code, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::BadRequest => "bad_request",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidImage => "invalid_image",
            Self::ImageTooLarge => "image_too_large",
            Self::InputImagesRequired => "input_images_required",
            Self::TooManyInputImages => "too_many_input_images",
            Self::PromptEmpty => "prompt_empty",
            Self::PromptTooLong => "prompt_too_long",
            Self::InvalidCount => "invalid_count",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidCode => "invalid_code",
            Self::CodeExpired => "code_expired",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Unauthenticated => "unauthenticated",
            Self::EmailUnchanged => "email_unchanged",
            Self::EmailInUse => "email_in_use",
            Self::InvalidDisplayName => "invalid_display_name",
            Self::InvalidTitle => "invalid_title",
            Self::InvalidCursor => "invalid_cursor",
            Self::UnknownModel => "unknown_model",
            Self::InvalidAspectRatio => "invalid_aspect_ratio",
            Self::IdempotencyKeyRequired => "idempotency_key_required",
            Self::ResetRequired => "reset_required",
            Self::PromptBlocked => "prompt_blocked",
            Self::ModerationUnavailable => "moderation_unavailable",
            Self::InsufficientCredits => "insufficient_credits",
            Self::RateLimited => "rate_limited",
            Self::UnknownPack => "unknown_pack",
            Self::PurchasesUnavailable => "purchases_unavailable",
            Self::PaymentProviderUnavailable => "payment_provider_unavailable",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::Offline => "offline",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_wire_spelling() {
        for code in [
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::BadRequest,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::InvalidImage,
            ErrorCode::ImageTooLarge,
            ErrorCode::InputImagesRequired,
            ErrorCode::TooManyInputImages,
            ErrorCode::PromptEmpty,
            ErrorCode::PromptTooLong,
            ErrorCode::InvalidCount,
            ErrorCode::InvalidEmail,
            ErrorCode::InvalidCode,
            ErrorCode::CodeExpired,
            ErrorCode::TooManyAttempts,
            ErrorCode::Unauthenticated,
            ErrorCode::EmailUnchanged,
            ErrorCode::EmailInUse,
            ErrorCode::InvalidDisplayName,
            ErrorCode::InvalidTitle,
            ErrorCode::InvalidCursor,
            ErrorCode::UnknownModel,
            ErrorCode::InvalidAspectRatio,
            ErrorCode::IdempotencyKeyRequired,
            ErrorCode::ResetRequired,
            ErrorCode::PromptBlocked,
            ErrorCode::ModerationUnavailable,
            ErrorCode::InsufficientCredits,
            ErrorCode::RateLimited,
            ErrorCode::UnknownPack,
            ErrorCode::PurchasesUnavailable,
            ErrorCode::PaymentProviderUnavailable,
            ErrorCode::Internal,
            ErrorCode::Unavailable,
            ErrorCode::Offline,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn an_unknown_code_from_a_newer_server_still_parses() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"code":"quota_exhausted","message":"later"}"#).unwrap();
        assert_eq!(body.code, ErrorCode::Unknown);
    }
}

//! HTTP clients of the upstream services, over the platform's outbound HTTP port, with the shapes
//! and quirks of `reference/upstream-apis.md`.

pub mod creem;
pub mod creem_checkout;
pub mod kie;
pub mod kie_result;
pub mod resend;

/// Every outbound call names itself: Resend (and Cloudflare in front of kie.ai) refuse requests
/// without a User-Agent (403, error 1010).
pub const USER_AGENT: &str = concat!("atelier-server/", env!("CARGO_PKG_VERSION"));

/// Why an upstream call failed. Logged in full; answered to clients as `unavailable`.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("{service} is not configured: {what} is unset")]
    NotConfigured {
        service: &'static str,
        what: &'static str,
    },
    #[error("{service} unreachable: {detail}")]
    Transport {
        service: &'static str,
        detail: String,
    },
    #[error("{service} answered {status} {name}: {message}")]
    Refused {
        service: &'static str,
        status: u16,
        name: String,
        message: String,
    },
}

impl From<UpstreamError> for crate::error::ApiError {
    fn from(e: UpstreamError) -> Self {
        tracing::error!(error = %e, "upstream failure");
        Self::new(
            atelier_api::ErrorCode::Unavailable,
            "a service we depend on is unavailable; try again shortly",
        )
    }
}

//! Outbound HTTP to the upstreams (kie.ai, Creem, Resend, PostHog): reqwest natively, `fetch` in
//! the Worker. Callers set every header themselves, the User-Agent included.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

use super::PlatformError;

/// One request. Build it with `..Default::default()` for the fields a call does not need.
#[derive(Debug, Clone, Default)]
pub struct OutboundRequest {
    pub method: http::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Bytes>,
    /// The whole exchange must finish within this.
    pub timeout: Duration,
    /// Reads at most this many bytes of the answer: a longer one (by `Content-Length`, or once the
    /// streamed body passes it) fails with `PlatformError::HttpRefused`, the rest never read.
    /// `None`: the whole body, for the configured upstreams.
    pub max_body_bytes: Option<u64>,
    pub destination: Destination,
}

/// Who chose the URL, which decides what it may reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Destination {
    /// An upstream this service is configured with (kie's API, Creem, Resend, PostHog, Sentry).
    #[default]
    Configured,
    /// A URL someone else handed us (kie's result URLs). A redirect is answered as it is (a 3xx
    /// with its `Location`), never followed, so the caller checks each hop
    /// (`super::foreign::check_url`); natively, no connection is made to an address that
    /// `super::foreign::allowed_address` refuses.
    Foreign,
}

#[derive(Debug, Clone)]
pub struct OutboundResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl OutboundResponse {
    /// The first header with this name, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub trait Http {
    /// Sends a request. A non-2xx answer is an `Ok` response; only transport failures are errors.
    fn send(
        &self,
        request: OutboundRequest,
    ) -> impl Future<Output = Result<OutboundResponse, PlatformError>> + Send;
}

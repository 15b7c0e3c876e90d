//! Outbound HTTP to the upstreams (kie.ai, Creem, Resend, PostHog): reqwest natively, `fetch` in
//! the Worker. Callers set every header themselves, the User-Agent included.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

use super::PlatformError;

#[derive(Debug, Clone)]
pub struct OutboundRequest {
    pub method: http::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Bytes>,
    /// The whole exchange must finish within this.
    pub timeout: Duration,
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

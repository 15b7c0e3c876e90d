//! Who is asking: the client IP and user agent, as the runtime reports them.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::platform::Platform;

/// The technical data of a request that rate limits and the sign-in record use.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Longest user agent kept; longer ones are cut (they are for people reading the export).
const MAX_USER_AGENT: usize = 512;

pub(crate) fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl<P: Platform> FromRequestParts<P> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, platform: &P) -> Result<Self, Self::Rejection> {
        let config = platform.config();
        // Tests run every client from one address; in test mode they name the IP they act from.
        let test_ip = config
            .test_mode
            .then(|| header(parts, "x-atelier-test-ip"))
            .flatten();
        let ip = test_ip
            .map(str::to_owned)
            .or_else(|| platform.client_ip(parts));
        let user_agent =
            header(parts, "user-agent").map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
        Ok(Self { ip, user_agent })
    }
}

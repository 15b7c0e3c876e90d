//! Cloudflare's bot block. Resend documents it and one integrator reports it for kie.ai: a request
//! without a `User-Agent` header is refused at the edge with `403` and the text `error code: 1010`,
//! before the service itself sees it.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The edge's answer, or `None` when the request carries a non-empty `User-Agent`.
pub(crate) fn block_without_user_agent(headers: &HeaderMap) -> Option<Response> {
    let present = headers
        .get(header::USER_AGENT)
        .is_some_and(|value| !value.as_bytes().iter().all(u8::is_ascii_whitespace));
    if present {
        None
    } else {
        Some(
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
                "error code: 1010",
            )
                .into_response(),
        )
    }
}

//! The few HTML pages the service serves to a browser (the magic link's, the billing return):
//! one look, and headers that keep them out of frames, caches and Referer headers. Pages put
//! nothing from the request into the HTML; callers pass only their own text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A complete page: `body_html` is trusted markup written by the caller.
pub fn page(status: StatusCode, lang: &str, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<meta name=\"robots\" content=\"noindex\"><title>{title}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem;color:#1d1b3a}}\
.button{{display:inline-block;background:#3a3fb0;color:#fff;padding:.7rem 1.2rem;border-radius:.5rem;text-decoration:none}}\
.muted{{color:#555}}</style></head><body><h1>{title}</h1>{body_html}</body></html>"
    );
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The URL may hold a token or Creem's parameters: keep it out of Referer headers and caches.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    );
    response
}

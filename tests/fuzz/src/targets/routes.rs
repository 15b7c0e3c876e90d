//! `routes`: arbitrary bodies, query strings and path segments through the service's router, as
//! the signed-in account (or anonymously). The first byte picks the route, the second the headers;
//! the rest is the body (or the query, or the path's free segment). Whatever arrives, the answer
//! is never a 500 and every error is the `{code, message}` envelope.

use axum::body::Body;
use axum::http::Request;

use crate::input::Input;
use crate::service::service;

/// What the fuzz bytes fill in.
#[derive(Clone, Copy)]
enum Shape {
    /// A JSON body.
    Body,
    /// The query string after `?`.
    Query,
    /// The last path segment(s).
    Path,
}

/// Every route that reads a body, a query or a free path segment. `{conversation}`, `{image}`
/// and `{generation}` are the account's own.
const ROUTES: &[(&str, &str, Shape)] = &[
    ("POST", "/v1/prompts/check", Shape::Body),
    ("POST", "/v1/auth/start", Shape::Body),
    ("POST", "/v1/auth/verify", Shape::Body),
    ("PATCH", "/v1/me", Shape::Body),
    ("POST", "/v1/credits/checkout", Shape::Body),
    ("POST", "/v1/conversations", Shape::Body),
    ("PATCH", "/v1/conversations/{conversation}", Shape::Body),
    ("POST", "/v1/generations", Shape::Body),
    ("PATCH", "/v1/images/{image}", Shape::Body),
    // Unsigned: always refused (the signed webhook is `creem_webhook`).
    ("POST", "/v1/creem/webhook", Shape::Body),
    // A wrong secret: refused before the body is read.
    (
        "POST",
        "/v1/kie/callback/{generation}/0/not-the-secret",
        Shape::Body,
    ),
    ("GET", "/v1/sync?", Shape::Query),
    ("GET", "/v1/credits/ledger?", Shape::Query),
    ("GET", "/v1/conversations?", Shape::Query),
    (
        "GET",
        "/v1/conversations/{conversation}/generations?",
        Shape::Query,
    ),
    ("GET", "/auth/link?", Shape::Query),
    ("GET", "/v1/images/", Shape::Path),
    ("GET", "/v1/generations/", Shape::Path),
    ("PATCH", "/v1/conversations/", Shape::Path),
    ("POST", "/v1/kie/callback/", Shape::Path),
];

/// Bytes as URL text: unreserved characters and the query's own syntax stay, `%` stays (so the
/// fuzzer can write escapes, valid or not), everything else is percent-encoded.
fn url_text(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'~' | b'=' | b'&' | b'+' | b',' | b'%'
            )
            || (keep_slash && b == b'/');
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let (method, template, shape) = input.pick(ROUTES);
    let flags = input.u8();
    let rest = input.rest();
    let s = service();
    let path = template
        .replace("{conversation}", &s.conversation)
        .replace("{image}", &s.image)
        .replace("{generation}", &s.generation);
    let (uri, body) = match shape {
        Shape::Body => (path, rest.to_vec()),
        Shape::Query => (format!("{path}{}", url_text(rest, false)), Vec::new()),
        Shape::Path => (format!("{path}{}", url_text(rest, true)), Vec::new()),
    };
    let mut request = Request::builder().method(method).uri(uri.as_str());
    if request.uri_ref().is_none() {
        return; // not a URI axum could ever be handed
    }
    request = match flags & 3 {
        0 | 1 => request.header("content-type", "application/json"),
        2 => request.header("content-type", "text/plain"),
        _ => request,
    };
    if flags & 4 == 0 {
        request = request.header("authorization", format!("Bearer {}", s.token));
    } else if flags & 8 != 0 {
        request = request.header("authorization", "Bearer not-a-token");
    }
    if flags & 16 != 0 {
        // A fresh key: each such generation is a new one (until the credits run out).
        request = request.header(
            "idempotency-key",
            format!("fuzz-{:x}", body.len() ^ usize::from(flags)),
        );
    }
    if flags & 32 != 0 {
        request = request.header("accept-language", "zh-CN,zh;q=0.9");
    }
    let Ok(request) = request.body(Body::from(body)) else {
        return;
    };
    let answer = s.send(request);
    if template == "/auth/link?" {
        // A page for a browser: HTML whatever the token, never a 500.
        assert_ne!(answer.status, 500, "GET {uri}");
        assert!(
            answer.content_type.starts_with("text/html"),
            "GET {uri}: {}",
            answer.content_type
        );
        return;
    }
    answer.assert_coded(&format!("{method} {uri}"));
}

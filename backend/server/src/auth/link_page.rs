//! `GET /auth/link?token=…`: the page a magic link opens. It only offers to continue in the app:
//! a GET never consumes the token, because mail scanners open links.

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::mail::Language;
use crate::crypto::is_token_shaped;

#[derive(Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
}

pub async fn link_page(headers: HeaderMap, Query(query): Query<LinkQuery>) -> Response {
    let language = Language::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let token = query.token.filter(|t| is_token_shaped(t));
    let (lang, title, lead, button, fallback, broken) = match language {
        Language::English => (
            "en",
            "Sign in to Atelier",
            "Open Atelier on this computer to finish signing in.",
            "Continue in Atelier",
            "If nothing happens, type the 6-digit code from the same email into Atelier.",
            "This link is incomplete. Type the 6-digit code from the email into Atelier instead.",
        ),
        Language::Chinese => (
            "zh-CN",
            "登录 Atelier",
            "在这台电脑上打开 Atelier 以完成登录。",
            "在 Atelier 中继续",
            "如果没有反应，请在 Atelier 中输入同一封邮件里的 6 位验证码。",
            "此链接不完整。请改为在 Atelier 中输入邮件里的 6 位验证码。",
        ),
    };
    // The token is base64url (checked above), so it needs no escaping inside the attribute.
    let body = match &token {
        Some(token) => format!(
            "<p>{lead}</p><p><a class=\"button\" href=\"atelier://auth?token={token}\">{button}</a></p><p class=\"muted\">{fallback}</p>"
        ),
        None => format!("<p>{broken}</p>"),
    };
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<meta name=\"robots\" content=\"noindex\"><title>{title}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem;color:#1d1b3a}}\
.button{{display:inline-block;background:#3a3fb0;color:#fff;padding:.7rem 1.2rem;border-radius:.5rem;text-decoration:none}}\
.muted{{color:#555}}</style></head><body><h1>{title}</h1>{body}</body></html>"
    );
    let status = if token.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The URL holds a token: keep it out of Referer headers, caches and frames.
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

//! `GET /auth/link?token=…`: the page a magic link opens. It only offers to continue in the app:
//! a GET never consumes the token, because mail scanners open links.

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
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
    let status = if token.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    crate::html_page::page(status, lang, title, &body)
}

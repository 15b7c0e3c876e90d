//! `GET /billing/return`: where Creem sends the browser after a payment. It proves nothing (the
//! webhook grants the credits) and reflects nothing from its query: it only offers the way back
//! to the app, which then refreshes its balance.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use crate::auth::mail::Language;

pub async fn return_page(headers: HeaderMap) -> Response {
    let language = Language::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let (lang, title, lead, button, note) = match language {
        Language::English => (
            "en",
            "Thank you",
            "Your payment is being confirmed. Your credits appear in Atelier as soon as it is.",
            "Return to Atelier",
            "You can close this page.",
        ),
        Language::Chinese => (
            "zh-CN",
            "感谢购买",
            "正在确认你的付款。确认后，积分会立即出现在 Atelier 中。",
            "返回 Atelier",
            "你可以关闭此页面。",
        ),
    };
    let body = format!(
        "<p>{lead}</p><p><a class=\"button\" href=\"atelier://billing/return\">{button}</a></p><p class=\"muted\">{note}</p>"
    );
    crate::html_page::page(StatusCode::OK, lang, title, &body)
}

//! The hosted checkout page a `checkout_url` opens: product, price, customer email, a card input
//! prefilled with the card that succeeds, and Pay / Decline buttons. Plain HTML forms, no script
//! and no external resources, so it works in any browser and under WebDriver (`#card`, `#pay`,
//! `#decline`; the outcome is in `#status` or `#error`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::CreemSim;
use super::checkouts::{CheckoutStatus, CreemCheckout};
use super::payment::{Refused, SUCCESS_CARD};

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f4f5;margin:0}\
main{max-width:420px;margin:48px auto;background:#fff;border-radius:12px;padding:32px;\
box-shadow:0 1px 4px #0002}.mode{color:#b45309;font-size:12px;text-transform:uppercase}\
label{display:block;margin-top:16px;font-size:14px}input{width:100%;box-sizing:border-box;\
padding:10px;font-size:16px;margin-top:4px}button{width:100%;padding:12px;margin-top:16px;\
font-size:16px;border:0;border-radius:8px;cursor:pointer}#pay{background:#111;color:#fff}\
#decline{background:#e4e4e7}#error{color:#b91c1c}";

/// Minimal HTML escaping for text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `$5.00`, `€20.00`, or `12.34 XYZ` for other currencies.
fn format_price(cents: i64, currency: &str) -> String {
    let amount = format!("{}.{:02}", cents / 100, (cents % 100).abs());
    match currency {
        "USD" => format!("${amount}"),
        "EUR" => format!("€{amount}"),
        _ => format!("{amount} {currency}"),
    }
}

fn document(title: &str, content: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main>\
         <p class=\"mode\">Creem simulator · test mode</p>{content}</main></body></html>",
        title = escape(title),
    )
}

/// A page that only reports an outcome, in `#status`.
fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    let content = format!(
        "<h1 id=\"status\">{}</h1><p id=\"message\">{}</p>",
        escape(title),
        escape(message)
    );
    (status, Html(document(title, &content))).into_response()
}

fn checkout_page(checkout: &CreemCheckout, card: &str, error: Option<&str>) -> String {
    let total = format_price(checkout.amount(), &checkout.product.currency);
    let quantity = if checkout.units > 1 {
        format!("{} × ", checkout.units)
    } else {
        String::new()
    };
    let email = match &checkout.customer_email {
        Some(email) => format!("<p>Email <span id=\"email\">{}</span></p>", escape(email)),
        None => "<label for=\"email\">Email</label>\
                 <input id=\"email\" name=\"email\" type=\"email\" value=\"buyer@example.com\">"
            .to_owned(),
    };
    let error = error.map_or(String::new(), |e| {
        format!("<p id=\"error\" role=\"alert\">{}</p>", escape(e))
    });
    let action = escape(&checkout.checkout_url);
    let content = format!(
        "<h1 id=\"product\">{quantity}{name}</h1><p id=\"price\">{total}</p>{error}\
         <form id=\"pay-form\" method=\"post\" action=\"{action}/pay\">{email}\
         <label for=\"card\">Card number</label>\
         <input id=\"card\" name=\"card\" value=\"{card}\" autocomplete=\"off\" inputmode=\"numeric\">\
         <button id=\"pay\" type=\"submit\">Pay {total}</button></form>\
         <form method=\"post\" action=\"{action}/decline\">\
         <button id=\"decline\" type=\"submit\">Decline</button></form>",
        name = escape(&checkout.product.name),
        card = escape(card),
    );
    document(&format!("Checkout · {}", checkout.product.name), &content)
}

/// The page for a checkout that can no longer be paid, or none.
fn closed(checkout: Option<&CreemCheckout>) -> Response {
    match checkout.map(|c| c.status) {
        None => message_page(
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "This checkout link is not valid.",
        ),
        Some(CheckoutStatus::Completed) => message_page(
            StatusCode::CONFLICT,
            "Already completed",
            "This checkout is already completed.",
        ),
        Some(CheckoutStatus::Expired | CheckoutStatus::Pending) => message_page(
            StatusCode::GONE,
            "Checkout expired",
            "This checkout has expired.",
        ),
    }
}

/// One field of an `application/x-www-form-urlencoded` body. Read through a URL's query so the
/// `+` and percent decoding is the standard one, without another dependency.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!(
        "http://form.invalid/?{}",
        String::from_utf8_lossy(body)
    ))
    .ok()?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

pub(crate) async fn show(State(creem): State<CreemSim>, Path(id): Path<String>) -> Response {
    match creem.checkout(&id) {
        Some(checkout) if checkout.status == CheckoutStatus::Pending => {
            Html(checkout_page(&checkout, SUCCESS_CARD, None)).into_response()
        }
        other => closed(other.as_ref()),
    }
}

pub(crate) async fn pay(
    State(creem): State<CreemSim>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let card = form_field(&body, "card").unwrap_or_default();
    let email = form_field(&body, "email");
    match creem.pay_checkout(&id, Some(&card), email.as_deref()) {
        Ok(paid) => match paid.redirect_url {
            Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
            None => message_page(
                StatusCode::OK,
                "Payment complete",
                &format!("Thank you! Your order {} is paid.", paid.order_id),
            ),
        },
        Err(Refused::Card(message)) => match creem.checkout(&id) {
            Some(checkout) => (
                StatusCode::PAYMENT_REQUIRED,
                Html(checkout_page(&checkout, &card, Some(message))),
            )
                .into_response(),
            None => closed(None),
        },
        Err(_) => closed(creem.checkout(&id).as_ref()),
    }
}

pub(crate) async fn decline(State(creem): State<CreemSim>, Path(id): Path<String>) -> Response {
    match creem.decline_checkout(&id) {
        Ok(()) => message_page(
            StatusCode::OK,
            "Payment cancelled",
            "The payment was cancelled. You can close this page.",
        ),
        Err(_) => closed(creem.checkout(&id).as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, form_field, format_price};

    #[test]
    fn helpers() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(format_price(500, "USD"), "$5.00");
        assert_eq!(format_price(2005, "EUR"), "€20.05");
        assert_eq!(
            form_field(b"card=4242+4242%204242&email=a%40b.c", "card").as_deref(),
            Some("4242 4242 4242")
        );
        assert_eq!(
            form_field(b"card=1&email=a%40b.c", "email").as_deref(),
            Some("a@b.c")
        );
    }
}

//! Creem's `__control` routes: settings, the webhook endpoint, events and their deliveries, and
//! the buyer's and merchant's actions (pay, refund, dispute) for tests without a browser.
//! Refusals answer `{"error": "..."}` with 400, 402 (card refused), 404 or 409.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::checkouts::is_http_url;
use super::payment::Refused;
use super::{CreemDelivery, CreemEvent, CreemSettings, CreemSim, WebhookConfig};
use crate::control::{BadRequest, merge, parse};

pub(crate) fn router(creem: CreemSim) -> Router {
    Router::new()
        .route("/__control/settings", get(get_settings).put(put_settings))
        .route("/__control/webhook", get(get_webhook).put(put_webhook))
        .route("/__control/webhook/release", post(release))
        .route("/__control/deliveries", get(deliveries))
        .route("/__control/events", get(events).post(emit))
        .route("/__control/events/{event_id}/redeliver", post(redeliver))
        .route("/__control/checkouts", get(checkouts))
        .route("/__control/checkouts/{checkout_id}/pay", post(pay))
        .route("/__control/orders", get(orders))
        .route("/__control/orders/{order_id}/refund", post(refund))
        .route("/__control/orders/{order_id}/dispute", post(dispute))
        .with_state(creem)
}

/// `{"error": message}` with `status`.
fn refusal(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        refusal(self.status(), &self.to_string())
    }
}

/// A body whose fields are all optional: empty means all defaults.
fn optional_body<T: Default + DeserializeOwned>(body: &[u8]) -> Result<T, BadRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse(body)
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PayBody {
    #[serde(default)]
    card: Option<String>,
    /// Who pays when the checkout was created without a customer.
    #[serde(default)]
    email: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundBody {
    /// Cents; absent = everything not yet refunded.
    #[serde(default)]
    amount: Option<i64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    #[serde(default)]
    reverse: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedeliverBody {
    #[serde(default = "one")]
    times: u32,
    #[serde(default)]
    parallel: bool,
}

impl Default for RedeliverBody {
    fn default() -> Self {
        Self {
            times: one(),
            parallel: false,
        }
    }
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmitBody {
    #[serde(rename = "eventType")]
    event_type: String,
    #[serde(default)]
    object: Value,
}

async fn get_settings(State(creem): State<CreemSim>) -> Json<CreemSettings> {
    Json(creem.settings())
}

async fn put_settings(State(creem): State<CreemSim>, body: Bytes) -> Response {
    match merge(&creem.settings(), &body) {
        Ok(settings) => {
            creem.set_settings(settings.clone());
            Json(settings).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn get_webhook(State(creem): State<CreemSim>) -> Json<WebhookConfig> {
    Json(creem.webhook())
}

/// Any subset of `{url, secret, hold}`; turning hold off sends the held events, oldest first.
async fn put_webhook(State(creem): State<CreemSim>, body: Bytes) -> Response {
    let config: WebhookConfig = match merge(&creem.webhook(), &body) {
        Ok(config) => config,
        Err(e) => return e.into_response(),
    };
    if config.url.as_deref().is_some_and(|url| !is_http_url(url)) {
        return BadRequest("url must be an http(s) URL".into()).into_response();
    }
    if config.secret.is_empty() {
        return BadRequest("secret must not be empty".into()).into_response();
    }
    creem.set_webhook_url(config.url);
    creem.set_webhook_secret(config.secret);
    creem.set_hold(config.hold);
    Json(creem.webhook()).into_response()
}

async fn release(State(creem): State<CreemSim>, body: Bytes) -> Response {
    match optional_body::<ReleaseBody>(&body) {
        Ok(release) => Json(json!({ "released": creem.release(release.reverse) })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn deliveries(State(creem): State<CreemSim>) -> Json<Vec<CreemDelivery>> {
    Json(creem.deliveries())
}

async fn events(State(creem): State<CreemSim>) -> Json<Vec<CreemEvent>> {
    Json(creem.events())
}

async fn emit(State(creem): State<CreemSim>, body: Bytes) -> Response {
    match parse::<EmitBody>(&body) {
        Ok(event) if !event.event_type.trim().is_empty() => {
            let event_id = creem.emit(&event.event_type, event.object);
            Json(json!({ "event_id": event_id })).into_response()
        }
        Ok(_) => BadRequest("eventType must not be empty".into()).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn redeliver(
    State(creem): State<CreemSim>,
    Path(event_id): Path<String>,
    body: Bytes,
) -> Response {
    let redeliver: RedeliverBody = match optional_body(&body) {
        Ok(redeliver) => redeliver,
        Err(e) => return e.into_response(),
    };
    if creem.event(&event_id).is_none() {
        return refusal(StatusCode::NOT_FOUND, "Event not found");
    }
    match creem.redeliver(&event_id, redeliver.times, redeliver.parallel) {
        Ok(()) => Json(json!({ "event_id": event_id, "times": redeliver.times })).into_response(),
        Err(e) => BadRequest(e).into_response(),
    }
}

async fn checkouts(State(creem): State<CreemSim>) -> Response {
    Json(creem.checkouts()).into_response()
}

async fn pay(
    State(creem): State<CreemSim>,
    Path(checkout_id): Path<String>,
    body: Bytes,
) -> Response {
    let pay: PayBody = match optional_body(&body) {
        Ok(pay) => pay,
        Err(e) => return e.into_response(),
    };
    match creem.pay_checkout(&checkout_id, pay.card.as_deref(), pay.email.as_deref()) {
        Ok(paid) => Json(paid).into_response(),
        Err(refused) => refused.into_response(),
    }
}

async fn orders(State(creem): State<CreemSim>) -> Response {
    Json(creem.orders()).into_response()
}

async fn refund(
    State(creem): State<CreemSim>,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Response {
    let refund: RefundBody = match optional_body(&body) {
        Ok(refund) => refund,
        Err(e) => return e.into_response(),
    };
    match creem.refund_order(&order_id, refund.amount) {
        Ok(event_id) => Json(json!({ "event_id": event_id })).into_response(),
        Err(refused) => refused.into_response(),
    }
}

async fn dispute(State(creem): State<CreemSim>, Path(order_id): Path<String>) -> Response {
    match creem.dispute_order(&order_id) {
        Ok(event_id) => Json(json!({ "event_id": event_id })).into_response(),
        Err(refused) => refused.into_response(),
    }
}

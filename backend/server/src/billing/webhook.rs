//! `POST /v1/creem/webhook`: Creem's events. The `creem-signature` (hex HMAC-SHA256 of the raw
//! body, keyed with `CREEM_WEBHOOK_SECRET`) is checked before a byte of the body is parsed; a
//! missing or wrong one is 401 and changes nothing.
//!
//! Creem retries anything but a 200 (after 30 s, 1 min, 5 min, 1 h), so the answer says only
//! "received" or "try again": events we have no use for (unknown types, unknown products, a
//! deleted account) are 200 and store nothing about anyone; a refund that arrives before its
//! order's `checkout.completed` is 503, and its retry finds the order.

use atelier_api::ErrorCode;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::checkout::METADATA_KEY;
use super::orders::{self, Booked, ClawedBack, PaidOrder, Reversal};
use crate::crypto::verify_hmac_sha256_hex;
use crate::error::{ApiError, ApiResult};
use crate::platform::Platform;

/// Creem's envelope: `{id, eventType, created_at, object}`.
#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "eventType")]
    event_type: String,
    #[serde(default)]
    object: Value,
}

fn refused() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, "no valid creem-signature")
}

fn received() -> Json<Value> {
    Json(json!({ "received": true }))
}

pub async fn webhook<P: Platform>(
    State(platform): State<P>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let Some(secret) = &platform.config().creem_webhook_secret else {
        tracing::error!("CREEM_WEBHOOK_SECRET is not set: every Creem webhook is refused");
        return Err(refused());
    };
    let signature = headers
        .get("creem-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !verify_hmac_sha256_hex(secret.expose().as_bytes(), &body, signature) {
        tracing::warn!("a Creem webhook with a missing or bad signature");
        return Err(refused());
    }
    let Ok(event) = serde_json::from_slice::<Envelope>(&body) else {
        // Signed by Creem but not its envelope: retrying will not help, and nothing is owed.
        tracing::error!("a signed Creem webhook is not an event envelope");
        return Ok(received());
    };
    tracing::info!(event = %event.id, kind = %event.event_type, "Creem event");
    match event.event_type.as_str() {
        "checkout.completed" => completed(&platform, &event.object).await?,
        "refund.created" => {
            reversed(&platform, &event.object, "refund_amount", "refund_currency").await?
        }
        "dispute.created" => reversed(&platform, &event.object, "amount", "currency").await?,
        _ => {}
    }
    Ok(received())
}

/// An id given either as a string or as an object with an `id` (Creem expands some fields).
fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Object(fields) => fields
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned),
        _ => None,
    }
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_owned)
}

async fn completed<P: Platform>(platform: &P, object: &Value) -> ApiResult<()> {
    // Ours, echoed back: the request_id we set (or the same value in the metadata).
    let request_id = text(object, "request_id").or_else(|| {
        object
            .get("metadata")
            .and_then(|m| m.get(METADATA_KEY))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let Some(checkout) = orders::live_checkout(platform, request_id.as_deref(), None).await? else {
        tracing::info!("a completed checkout that is not ours or whose account is gone: ignored");
        return Ok(());
    };
    let Some(order) = object.get("order") else {
        tracing::warn!("checkout.completed without an order: ignored");
        return Ok(());
    };
    let paid = order
        .get("status")
        .and_then(Value::as_str)
        .is_none_or(|s| s == "paid");
    let (Some(order_id), Some(product_id), Some(amount_cents), Some(currency)) = (
        id_of(order.get("id")),
        id_of(order.get("product")),
        order.get("amount").and_then(Value::as_i64),
        text(order, "currency"),
    ) else {
        tracing::warn!("checkout.completed with an unreadable order: ignored");
        return Ok(());
    };
    if !paid {
        tracing::warn!(order = %order_id, "checkout.completed for an order that is not paid: ignored");
        return Ok(());
    }
    let order = PaidOrder {
        order_id,
        transaction_id: id_of(order.get("transaction")),
        product_id,
        amount_cents,
        currency,
    };
    match orders::book_purchase(platform, &checkout, &order).await? {
        Booked::Credited => tracing::info!(order = %order.order_id, "purchase credited"),
        Booked::AlreadyBooked => {
            tracing::info!(order = %order.order_id, "a repeated delivery: nothing changed")
        }
        Booked::Mismatch => {}
    }
    Ok(())
}

async fn reversed<P: Platform>(
    platform: &P,
    object: &Value,
    amount_field: &str,
    currency_field: &str,
) -> ApiResult<()> {
    let Some(id) = id_of(Some(object)) else {
        tracing::warn!("a refund or dispute without an id: ignored");
        return Ok(());
    };
    let reversal = Reversal {
        id,
        order_id: id_of(object.get("order")),
        transaction_id: id_of(object.get("transaction")),
        amount_cents: object
            .get(amount_field)
            .and_then(Value::as_i64)
            .unwrap_or(0),
        currency: text(object, currency_field).unwrap_or_default(),
    };
    match orders::claw_back(platform, &reversal).await? {
        ClawedBack::Taken(credits) => {
            tracing::info!(event = %reversal.id, credits, "credits clawed back")
        }
        ClawedBack::Nothing => {}
        ClawedBack::NoPurchase => {
            // Its checkout is ours and live, but the order has not been booked yet: the events
            // came out of order. Creem's retry will find it.
            let checkout = id_of(object.get("checkout"));
            if orders::live_checkout(platform, None, checkout.as_deref())
                .await?
                .is_some()
            {
                return Err(ApiError::new(
                    ErrorCode::Unavailable,
                    "this order is not known yet; retry later",
                ));
            }
            tracing::info!(event = %reversal.id, "a refund or dispute of no purchase we know: ignored");
        }
    }
    Ok(())
}

//! Webhook events: the envelope `{id, eventType, created_at, object}` and the `object` of each
//! event the simulator raises itself, shaped as Creem documents them.

use serde::Serialize;
use serde_json::{Value, json};

use super::checkouts::CreemCheckout;
use super::payment::{CreemCustomer, CreemOrder};
use crate::clock::now_ms;
use crate::ids::hex_id;

/// Where an event is in its delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Waiting for `release` (hold was on when it was raised).
    Held,
    /// Being sent, or waiting for a retry.
    Pending,
    /// An attempt was answered 200.
    Delivered,
    /// Every attempt failed; only a manual redelivery sends it again.
    Failed,
    /// No webhook URL was set when it was due, so it was never sent.
    NoEndpoint,
}

/// One event, with the exact bytes every delivery of it sends.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreemEvent {
    pub id: String,
    pub event_type: String,
    pub created_at: i64,
    /// The raw JSON body (what `creem-signature` signs).
    pub body: String,
    /// `body`, parsed.
    pub payload: Value,
    pub status: EventStatus,
    /// Attempts so far, redeliveries included.
    pub attempts: u32,
}

impl CreemEvent {
    pub(crate) fn new(event_type: &str, object: Value, status: EventStatus) -> Self {
        let id = format!("evt_{}", hex_id());
        let created_at = now_ms();
        let payload = json!({
            "id": id,
            "eventType": event_type,
            "created_at": created_at,
            "object": object,
        });
        Self {
            id,
            event_type: event_type.to_owned(),
            created_at,
            body: payload.to_string(),
            payload,
            status,
            attempts: 0,
        }
    }
}

fn product_entity(checkout: &CreemCheckout) -> Value {
    json!({
        "id": checkout.product.id,
        "name": checkout.product.name,
        "price": checkout.product.price,
        "currency": checkout.product.currency,
        "billing_type": "onetime",
    })
}

/// `checkout.completed`: the checkout with its order, product and customer, and the metadata
/// given at checkout.
pub(crate) fn checkout_completed(
    checkout: &CreemCheckout,
    order: &CreemOrder,
    customer: &CreemCustomer,
) -> Value {
    json!({
        "id": checkout.id,
        "object": "checkout",
        "request_id": checkout.request_id,
        "status": "completed",
        "mode": "test",
        "order": order.entity(),
        "product": product_entity(checkout),
        "customer": {
            "id": customer.id,
            "email": customer.email,
            "name": customer.name,
            "country": "US",
        },
        "custom_fields": checkout.custom_fields,
        "metadata": checkout.metadata,
    })
}

/// `refund.created` for `amount` cents of `order`.
pub(crate) fn refund_created(order: &CreemOrder, amount: i64, customer: &CreemCustomer) -> Value {
    json!({
        "id": format!("ref_{}", hex_id()),
        "object": "refund",
        "status": "succeeded",
        "refund_amount": amount,
        "refund_currency": order.currency,
        "reason": "requested_by_customer",
        "transaction": {
            "id": order.transaction_id,
            "amount": order.amount,
            "amount_paid": order.amount,
            "status": "refunded",
        },
        "checkout": { "id": order.checkout_id },
        "order": { "id": order.id },
        "customer": { "id": customer.id, "email": customer.email },
    })
}

/// `dispute.created`: a chargeback over the whole order.
pub(crate) fn dispute_created(order: &CreemOrder, customer: &CreemCustomer) -> Value {
    json!({
        "id": format!("disp_{}", hex_id()),
        "object": "dispute",
        "amount": order.amount,
        "currency": order.currency,
        "transaction": { "id": order.transaction_id, "status": "chargeback" },
        "checkout": { "id": order.checkout_id },
        "order": { "id": order.id },
        "customer": { "id": customer.id, "email": customer.email },
    })
}

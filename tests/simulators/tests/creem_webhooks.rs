//! Creem webhooks over real HTTP: signed `checkout.completed`, `refund.created` and
//! `dispute.created` bodies, retries on Creem's (shrunk) schedule, duplicates and reordering.

mod common;

use std::time::Duration;

use atelier_simulators::creem::{DEFAULT_WEBHOOK_SECRET, EventStatus, PRODUCT_CREDITS_500};
use atelier_simulators::{CreemSettings, Simulators};
use common::creem::{Receiver, checkout_id, control_post, hmac_hex};
use common::{client, json, start_default};
use serde_json::{Value, json};

/// Simulators whose webhooks go to a fresh receiver answering `status`.
async fn wired(status: u16) -> (Simulators, Receiver) {
    let sims = start_default().await;
    let receiver = Receiver::start(status).await;
    sims.creem().set_webhook_url(Some(receiver.url.clone()));
    (sims, receiver)
}

/// A paid checkout for `email`; returns the order id.
async fn paid_order(sims: &Simulators, email: &str) -> String {
    let id = checkout_id(
        sims,
        &json!({"product_id": PRODUCT_CREDITS_500, "request_id": "topup_1",
                "customer": {"email": email}, "metadata": {"user_id": "u_1", "pack": "large"}}),
    )
    .await;
    sims.creem().pay(&id, None).expect("paid").order_id
}

#[tokio::test]
async fn checkout_completed_arrives_signed_over_the_raw_body() {
    let (sims, receiver) = wired(200).await;
    let order_id = paid_order(&sims, "ada@example.com").await;
    let hit = receiver.wait_for(1).await.remove(0);
    assert_eq!(hit.content_type.as_deref(), Some("application/json"));
    let signature = hit.signature.as_deref().expect("creem-signature");
    assert_eq!(signature, hmac_hex(DEFAULT_WEBHOOK_SECRET, &hit.body));
    assert_eq!(signature, signature.to_lowercase());

    let event = hit.json();
    assert!(
        event["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("evt_"))
    );
    assert_eq!(event["eventType"], "checkout.completed");
    assert!(
        event["created_at"]
            .as_i64()
            .is_some_and(|t| t > 1_600_000_000_000)
    );
    let object = &event["object"];
    let order = sims.creem().orders().pop().expect("order");
    assert_eq!(order.id, order_id);
    assert_eq!(object["object"], "checkout");
    assert_eq!(object["status"], "completed");
    assert_eq!(object["mode"], "test");
    assert_eq!(object["request_id"], "topup_1");
    assert_eq!(
        object["metadata"],
        json!({"user_id": "u_1", "pack": "large"})
    );
    assert_eq!(object["custom_fields"], json!([]));
    assert_eq!(object["order"]["id"], order_id);
    assert_eq!(object["order"]["amount"], 2000);
    assert_eq!(object["order"]["amount_paid"], 2000);
    assert_eq!(object["order"]["tax_amount"], 0);
    assert_eq!(object["order"]["currency"], "USD");
    assert_eq!(object["order"]["status"], "paid");
    assert_eq!(object["order"]["type"], "onetime");
    assert_eq!(
        object["order"]["transaction"],
        order.transaction_id.as_str()
    );
    assert_eq!(object["order"]["product"], PRODUCT_CREDITS_500);
    assert_eq!(object["product"]["name"], "500 credits");
    assert_eq!(object["product"]["billing_type"], "onetime");
    assert_eq!(object["customer"]["email"], "ada@example.com");
    assert_eq!(object["customer"]["country"], "US");
    assert_eq!(object["customer"]["id"], order.customer_id.as_str());
    assert_eq!(object["order"]["customer"], order.customer_id.as_str());

    let deliveries = sims
        .creem()
        .wait_deliveries(1, Duration::from_secs(5))
        .await
        .expect("recorded");
    assert_eq!(deliveries[0].status, Some(200));
    assert_eq!(deliveries[0].attempt, 1);
    assert_eq!(deliveries[0].event_type, "checkout.completed");
    assert_eq!(sims.creem().events()[0].body.as_bytes(), &hit.body[..]);
    assert_eq!(sims.creem().events()[0].status, EventStatus::Delivered);
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_at_the_configured_delays_then_none() {
    let (sims, receiver) = wired(500).await;
    let put = client()
        .put(format!("{}/__control/settings", sims.creem_url()))
        .json(&json!({"retry_delays_ms": [150, 300, 450]}))
        .send()
        .await
        .expect("answers");
    assert_eq!(put.status(), 200);
    let event_id = sims
        .creem()
        .emit("checkout.completed", json!({"id": "ch_x"}));
    let hits = receiver.wait_for(4).await;
    for (pair, delay_ms) in hits.windows(2).zip([150u64, 300, 450]) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(delay_ms - 20)
                && gap < Duration::from_millis(delay_ms + 400),
            "gap {gap:?} for a delay of {delay_ms} ms"
        );
        assert_eq!(
            pair[0].body, pair[1].body,
            "every retry sends the same bytes"
        );
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.hits().len(), 4, "no attempt after the last retry");

    let listed = json(
        client()
            .get(format!("{}/__control/deliveries", sims.creem_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    let attempts: Vec<&Value> = listed.as_array().expect("array").iter().collect();
    assert_eq!(attempts.len(), 4);
    for (i, attempt) in attempts.iter().enumerate() {
        assert_eq!(attempt["attempt"], i + 1);
        assert_eq!(attempt["status"], 500);
        assert_eq!(attempt["event_id"], event_id.as_str());
        assert_eq!(attempt["url"], receiver.url.as_str());
    }
    assert_eq!(
        sims.creem().event(&event_id).expect("event").status,
        EventStatus::Failed
    );
}

#[tokio::test]
async fn only_200_stops_retries_and_connection_errors_are_recorded() {
    let (sims, receiver) = wired(204).await;
    // Long enough that the receiver is switched to 200 before the retry.
    sims.creem().set_settings(CreemSettings {
        retry_delays_ms: vec![300, 300],
    });
    let event_id = sims.creem().emit("refund.created", json!({}));
    receiver.wait_for(1).await;
    receiver.answer(200);
    let deliveries = sims
        .creem()
        .wait_deliveries(2, Duration::from_secs(5))
        .await
        .expect("retried after a 204");
    assert_eq!(deliveries[0].status, Some(204));
    assert_eq!(deliveries[1].status, Some(200));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sims.creem().deliveries().len(), 2);
    assert_eq!(
        sims.creem().event(&event_id).expect("event").status,
        EventStatus::Delivered
    );

    // A port nothing listens on: every attempt fails to connect.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", closed.local_addr().expect("addr"));
    drop(closed);
    sims.creem().set_webhook_url(Some(url));
    sims.creem().emit("dispute.created", json!({}));
    let deliveries = sims
        .creem()
        .wait_deliveries(5, Duration::from_secs(5))
        .await
        .expect("three attempts");
    assert!(
        deliveries[2..]
            .iter()
            .all(|d| d.status.is_none() && d.error.is_some())
    );
}

#[tokio::test]
async fn refunds_and_disputes_reference_the_orders_transaction() {
    let (sims, receiver) = wired(200).await;
    let order_id = paid_order(&sims, "ada@example.com").await;
    let order = sims.creem().orders().pop().expect("order");

    let (status, partial) = control_post(
        &sims,
        &format!("orders/{order_id}/refund"),
        &json!({"amount": 500}),
    )
    .await;
    assert_eq!(status, 200, "{partial}");
    let (status, _) = control_post(
        &sims,
        &format!("orders/{order_id}/refund"),
        &json!({"amount": 1600}),
    )
    .await;
    assert_eq!(status, 400, "more than what is left");
    let rest = sims.creem().refund(&order_id).expect("refunds the rest");
    assert!(sims.creem().refund(&order_id).is_err(), "nothing left");
    let dispute = sims.creem().dispute(&order_id).expect("disputed");
    let (status, _) = control_post(&sims, &format!("orders/{order_id}/dispute"), &json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = control_post(&sims, "orders/ord_missing/refund", &json!({})).await;
    assert_eq!(status, 404);

    let hits = receiver.wait_for(4).await;
    for hit in &hits {
        let signature = hit.signature.as_deref().expect("signed");
        assert_eq!(signature, hmac_hex(DEFAULT_WEBHOOK_SECRET, &hit.body));
    }
    let by_id = |id: &str| -> Value {
        hits.iter()
            .map(|h| h.json())
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("event {id} not received"))
    };
    let first = by_id(partial["event_id"].as_str().expect("event id"));
    assert_eq!(first["eventType"], "refund.created");
    let refund = &first["object"];
    assert!(
        refund["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("ref_"))
    );
    assert_eq!(refund["object"], "refund");
    assert_eq!(refund["status"], "succeeded");
    assert_eq!(refund["refund_amount"], 500);
    assert_eq!(refund["refund_currency"], "USD");
    assert_eq!(refund["reason"], "requested_by_customer");
    assert_eq!(refund["transaction"]["id"], order.transaction_id.as_str());
    assert_eq!(refund["transaction"]["amount"], 2000);
    assert_eq!(refund["transaction"]["amount_paid"], 2000);
    assert_eq!(refund["transaction"]["status"], "refunded");
    assert_eq!(refund["order"]["id"], order_id.as_str());
    assert_eq!(refund["checkout"]["id"], order.checkout_id.as_str());
    assert_eq!(refund["customer"]["id"], order.customer_id.as_str());
    assert_eq!(refund["customer"]["email"], "ada@example.com");
    assert_eq!(by_id(&rest)["object"]["refund_amount"], 1500);

    let dispute = by_id(&dispute);
    assert_eq!(dispute["eventType"], "dispute.created");
    let dispute = &dispute["object"];
    assert!(
        dispute["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("disp_"))
    );
    assert_eq!(dispute["object"], "dispute");
    assert_eq!(dispute["amount"], 2000);
    assert_eq!(dispute["currency"], "USD");
    assert_eq!(dispute["transaction"]["id"], order.transaction_id.as_str());
    assert_eq!(dispute["transaction"]["status"], "chargeback");
    assert_eq!(dispute["order"]["id"], order_id.as_str());
    assert_eq!(dispute["customer"]["email"], "ada@example.com");
}

#[tokio::test]
async fn a_parallel_redelivery_sends_five_identical_signed_bodies() {
    let (sims, receiver) = wired(200).await;
    let (status, emitted) = control_post(
        &sims,
        "events",
        &json!({"eventType": "subscription.paid", "object": {"id": "sub_1"}}),
    )
    .await;
    assert_eq!(status, 200);
    let event_id = emitted["event_id"].as_str().expect("event id").to_owned();
    let original = receiver.wait_for(1).await.remove(0);
    assert_eq!(original.json()["eventType"], "subscription.paid");

    let (status, _) = control_post(
        &sims,
        &format!("events/{event_id}/redeliver"),
        &json!({"times": 5, "parallel": true}),
    )
    .await;
    assert_eq!(status, 200);
    let hits = receiver.wait_for(6).await;
    assert_eq!(hits.len(), 6);
    for hit in &hits {
        assert_eq!(hit.body, original.body);
        assert_eq!(hit.signature, original.signature);
    }
    let deliveries = sims
        .creem()
        .wait_deliveries(6, Duration::from_secs(5))
        .await
        .expect("all recorded");
    assert_eq!(deliveries.iter().filter(|d| d.redelivery).count(), 5);
    let mut attempts: Vec<u32> = deliveries.iter().map(|d| d.attempt).collect();
    attempts.sort_unstable();
    assert_eq!(attempts, vec![1, 2, 3, 4, 5, 6]);
    let (status, _) =
        control_post(&sims, "events/evt_missing/redeliver", &json!({"times": 1})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn held_events_are_released_newest_first() {
    let (sims, receiver) = wired(200).await;
    let put = client()
        .put(format!("{}/__control/webhook", sims.creem_url()))
        .json(&json!({"hold": true}))
        .send()
        .await
        .expect("answers");
    assert_eq!(json(put).await["hold"], true);
    let ids: Vec<String> = (0..3)
        .map(|i| sims.creem().emit("checkout.completed", json!({"n": i})))
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.hits().is_empty(), "held events are not sent");
    assert!(
        sims.creem()
            .events()
            .iter()
            .all(|e| e.status == EventStatus::Held)
    );

    let (status, released) =
        control_post(&sims, "webhook/release", &json!({"reverse": true})).await;
    assert_eq!(status, 200);
    assert_eq!(released["released"], 3);
    let order: Vec<String> = receiver
        .wait_for(3)
        .await
        .iter()
        .map(|h| h.json()["id"].as_str().expect("id").to_owned())
        .collect();
    let reversed: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(order, reversed);
    assert!(!sims.creem().webhook().hold, "release turns hold off");

    sims.creem().emit("checkout.completed", json!({"n": 3}));
    receiver.wait_for(4).await;
    sims.reset();
    assert!(sims.creem().events().is_empty() && sims.creem().deliveries().is_empty());
    assert_eq!(
        sims.creem().webhook().url,
        None,
        "reset restores the start-up endpoint"
    );
    assert_eq!(
        sims.creem().settings().retry_delays_ms,
        vec![30_000, 60_000, 300_000, 3_600_000]
    );
}

//! Creem checkouts over real HTTP: validation in Creem's envelope, the hosted page and its test
//! cards, the signed success redirect, and the control routes that pay without a browser.

mod common;

use std::collections::BTreeMap;

use atelier_simulators::creem::{PRODUCT_CREDITS_100, PRODUCT_CREDITS_500};
use atelier_simulators::{CreemProduct, Simulators};
use common::creem::{
    assert_envelope, checkout_id, control_post, create_checkout, create_checkout_with_key, hmac_hex,
};
use common::{TIMEOUT, client, json, start_default};
use serde_json::{Value, json};

const SUCCESS_URL: &str = "https://atelier.example/billing/return?from=creem";

/// A client that shows redirects instead of following them, as a test of the 303 needs.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .expect("client builds")
}

async fn page(url: &str) -> (u16, String) {
    let response = browser().get(url).send().await.expect("answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

/// Submits a form of the hosted page (`pay` or `decline`) as a browser would.
async fn submit(checkout_url: &str, action: &str, form: &str) -> reqwest::Response {
    browser()
        .post(format!("{checkout_url}/{action}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .expect("answers")
}

async fn read_back(sims: &Simulators, id: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{}/v1/checkouts", sims.creem_url()))
        .query(&[("checkout_id", id)])
        .header("x-api-key", sims.creem().api_key())
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, json(response).await)
}

#[tokio::test]
async fn invalid_checkouts_are_refused_in_creems_envelope() {
    let sims = start_default().await;
    let cases = [
        (json!({}), 400),
        (json!({"product_id": ""}), 400),
        (json!({"product_id": "prod_nope"}), 404),
        (
            json!({"product_id": PRODUCT_CREDITS_100,
                   "customer": {"email": "a@b.co", "id": "cust_1"}}),
            400,
        ),
        (
            json!({"product_id": PRODUCT_CREDITS_100, "success_url": "not a url"}),
            400,
        ),
        (
            json!({"product_id": PRODUCT_CREDITS_100, "success_url": "ftp://x.example/"}),
            400,
        ),
        (json!({"product_id": PRODUCT_CREDITS_100, "units": 0}), 400),
        (
            json!({"product_id": PRODUCT_CREDITS_100, "units": 1.5}),
            400,
        ),
        (json!({"product_id": PRODUCT_CREDITS_100, "price": 1}), 400),
        (
            json!({"product_id": PRODUCT_CREDITS_100, "metadata": "x"}),
            400,
        ),
        (
            json!({"product_id": PRODUCT_CREDITS_100, "customer": {"id": "cust_unknown"}}),
            404,
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = create_checkout(&sims, &body).await;
        assert_eq!(status, expected, "{body} → {answer}");
        assert_envelope(&answer, expected);
    }
    let (_, answer) = create_checkout(&sims, &json!({"product_id": "prod_nope"})).await;
    assert_eq!(answer["message"], json!(["Product not found"]));
    let (_, answer) = create_checkout(&sims, &json!({"product_id": "x", "extra": 1})).await;
    assert_eq!(
        answer["message"],
        json!(["property extra should not exist"])
    );

    let body = json!({"product_id": PRODUCT_CREDITS_100});
    let (status, answer) = create_checkout_with_key(&sims, None, &body).await;
    assert_eq!(status, 401);
    assert_envelope(&answer, 401);
    let (status, answer) = create_checkout_with_key(&sims, Some("creem_test_bad"), &body).await;
    assert_eq!(status, 403);
    assert_envelope(&answer, 403);
    assert!(sims.creem().checkouts().is_empty());
}

#[tokio::test]
async fn a_checkout_is_created_and_read_back() {
    let sims = start_default().await;
    let (status, entity) = create_checkout(
        &sims,
        &json!({
            "product_id": PRODUCT_CREDITS_500, "request_id": "topup_1", "units": 2,
            "customer": {"email": "ada@example.com"}, "success_url": SUCCESS_URL,
            "metadata": {"user_id": "u_1", "pack": "large"},
        }),
    )
    .await;
    assert_eq!(status, 200, "{entity}");
    let id = entity["id"].as_str().expect("id");
    assert!(id.starts_with("ch_"));
    assert_eq!(entity["object"], "checkout");
    assert_eq!(entity["mode"], "test");
    assert_eq!(entity["status"], "pending");
    assert_eq!(entity["product"], PRODUCT_CREDITS_500);
    assert_eq!(entity["units"], 2);
    assert_eq!(entity["request_id"], "topup_1");
    assert_eq!(entity["custom_fields"], json!([]));
    assert_eq!(entity["success_url"], SUCCESS_URL);
    assert_eq!(
        entity["metadata"],
        json!({"user_id": "u_1", "pack": "large"})
    );
    assert_eq!(entity["customer"]["email"], "ada@example.com");
    assert_eq!(
        entity["checkout_url"],
        format!("{}/checkout/{id}", sims.creem_url())
    );

    let (status, read) = read_back(&sims, id).await;
    assert_eq!(status, 200);
    assert_eq!(read, entity);
    let (status, missing) = read_back(&sims, "ch_missing").await;
    assert_eq!(status, 404);
    assert_envelope(&missing, 404);
    assert_eq!(sims.creem().checkouts().len(), 1);
}

#[tokio::test]
async fn the_hosted_page_refuses_the_failing_test_cards() {
    let sims = start_default().await;
    let id = checkout_id(
        &sims,
        &json!({"product_id": PRODUCT_CREDITS_100, "customer": {"email": "ada@example.com"}}),
    )
    .await;
    let url = sims.creem().checkout(&id).expect("stored").checkout_url;
    let (status, html) = page(&url).await;
    assert_eq!(status, 200);
    for needle in [
        "100 credits",
        "$5.00",
        "ada@example.com",
        "id=\"card\"",
        "4242 4242 4242 4242",
        "id=\"pay\"",
        "id=\"decline\"",
    ] {
        assert!(html.contains(needle), "page lacks {needle}: {html}");
    }
    for (card, message) in [
        ("4000 0000 0000 0002", "declined"),
        ("4000000000009995", "insufficient funds"),
        ("4000 0000 0000 0127", "security code"),
        ("4000000000000069", "expired"),
    ] {
        let response = submit(&url, "pay", &format!("card={}", card.replace(' ', "+"))).await;
        assert_eq!(response.status(), 402, "{card}");
        let html = response.text().await.expect("text");
        assert!(
            html.contains("id=\"error\"") && html.contains(message),
            "{card}: {html}"
        );
        assert!(html.contains("id=\"pay\""), "the form is shown again");

        let (status, refused) = control_post(
            &sims,
            &format!("checkouts/{id}/pay"),
            &json!({"card": card}),
        )
        .await;
        assert_eq!(status, 402, "{card}");
        assert!(
            refused["error"]
                .as_str()
                .is_some_and(|e| e.contains(message))
        );
    }
    assert!(sims.creem().pay(&id, Some("4000000000000002")).is_err());
    let (_, read) = read_back(&sims, &id).await;
    assert_eq!(read["status"], "pending");
    assert!(sims.creem().orders().is_empty());
    assert!(sims.creem().events().is_empty());
}

#[tokio::test]
async fn paying_redirects_with_a_signed_query_once() {
    let sims = start_default().await;
    let id = checkout_id(
        &sims,
        &json!({"product_id": PRODUCT_CREDITS_500, "request_id": "topup_7", "units": 2,
                "customer": {"email": "ada@example.com"}, "success_url": SUCCESS_URL}),
    )
    .await;
    let url = sims.creem().checkout(&id).expect("stored").checkout_url;
    let response = submit(&url, "pay", "card=4242+4242+4242+4242").await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().expect("ascii");
    let location = reqwest::Url::parse(location).expect("absolute URL");
    assert!(
        location
            .as_str()
            .starts_with("https://atelier.example/billing/return?")
    );
    let params: BTreeMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(
        params["from"], "creem",
        "the success URL's own query is kept"
    );

    let order = sims.creem().orders().pop().expect("one order");
    assert_eq!(params["checkout_id"], id);
    assert_eq!(params["order_id"], order.id);
    assert_eq!(params["customer_id"], order.customer_id);
    assert_eq!(params["product_id"], PRODUCT_CREDITS_500);
    assert_eq!(params["request_id"], "topup_7");
    assert!(!params.contains_key("subscription_id"));
    let signed = [
        "checkout_id",
        "customer_id",
        "order_id",
        "product_id",
        "request_id",
    ]
    .iter()
    .map(|k| format!("{k}={}", params[*k]))
    .collect::<Vec<_>>()
    .join("&");
    assert_eq!(
        params["signature"],
        hmac_hex(sims.creem().api_key(), signed.as_bytes())
    );
    assert_ne!(
        params["signature"],
        hmac_hex("whsec_sim_atelier", signed.as_bytes())
    );

    assert_eq!(order.amount, 4000, "price × units");
    assert_eq!(order.currency, "USD");
    assert!(order.id.starts_with("ord_") && order.transaction_id.starts_with("tran_"));
    let (_, read) = read_back(&sims, &id).await;
    assert_eq!(read["status"], "completed");
    assert_eq!(read["order"]["id"], order.id.as_str());
    assert_eq!(read["order"]["status"], "paid");
    assert_eq!(read["order"]["type"], "onetime");

    let again = submit(&url, "pay", "card=4242424242424242").await;
    assert_eq!(again.status(), 409);
    assert!(
        again
            .text()
            .await
            .expect("text")
            .contains("already completed")
    );
    let (status, _) = control_post(&sims, &format!("checkouts/{id}/pay"), &json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(sims.creem().orders().len(), 1);
    assert_eq!(sims.creem().events().len(), 1);
    assert_eq!(sims.creem().events()[0].event_type, "checkout.completed");
}

#[tokio::test]
async fn declining_expires_the_checkout_without_an_event() {
    let sims = start_default().await;
    let id = checkout_id(&sims, &json!({"product_id": PRODUCT_CREDITS_100})).await;
    let url = sims.creem().checkout(&id).expect("stored").checkout_url;
    let response = submit(&url, "decline", "").await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.expect("text").contains("cancelled"));
    let (_, read) = read_back(&sims, &id).await;
    assert_eq!(read["status"], "expired");
    assert!(sims.creem().pay(&id, None).is_err());
    let (status, _) = page(&url).await;
    assert_eq!(status, 410);
    assert!(sims.creem().events().is_empty());
}

#[tokio::test]
async fn without_a_success_url_the_page_says_payment_complete() {
    let sims = start_default().await;
    let id = checkout_id(&sims, &json!({"product_id": PRODUCT_CREDITS_100})).await;
    let url = sims.creem().checkout(&id).expect("stored").checkout_url;
    let response = submit(&url, "pay", "email=bob%40example.com&card=4242424242424242").await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .expect("text")
            .contains("Payment complete")
    );
    let checkout = sims.creem().checkout(&id).expect("stored");
    assert_eq!(checkout.customer_email.as_deref(), Some("bob@example.com"));

    let other = checkout_id(
        &sims,
        &json!({"product_id": PRODUCT_CREDITS_100, "customer": {"email": "bob@example.com"}}),
    )
    .await;
    let (status, paid) = control_post(&sims, &format!("checkouts/{other}/pay"), &json!({})).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["redirect_url"], Value::Null);
    assert_eq!(
        paid["customer_id"],
        checkout.customer_id.as_deref().expect("customer"),
        "the same email is the same customer"
    );
    assert!(
        paid["order_id"]
            .as_str()
            .is_some_and(|o| o.starts_with("ord_"))
    );
    assert!(
        paid["transaction_id"]
            .as_str()
            .is_some_and(|t| t.starts_with("tran_"))
    );
}

#[tokio::test]
async fn products_are_replaced_over_http_and_reset_restores_them() {
    let sims = start_default().await;
    let url = format!("{}/__control/products", sims.creem_url());
    let listed = json(client().get(&url).send().await.expect("answers")).await;
    assert_eq!(listed[0]["id"], PRODUCT_CREDITS_100);
    assert_eq!(listed[1]["price"], 2000);

    let put = client()
        .put(&url)
        .json(&json!([{"id": "prod_big", "name": "Big", "price": 9900, "currency": "EUR"}]))
        .send()
        .await
        .expect("answers");
    assert_eq!(put.status(), 200);
    let (status, _) = create_checkout(&sims, &json!({"product_id": PRODUCT_CREDITS_100})).await;
    assert_eq!(status, 404);
    let id = checkout_id(&sims, &json!({"product_id": "prod_big"})).await;
    let (_, html) = page(&sims.creem().checkout(&id).expect("stored").checkout_url).await;
    assert!(html.contains("Big") && html.contains("€99.00"), "{html}");

    let bad = client()
        .put(&url)
        .json(&json!([{"id": "p", "name": "x", "price": 50, "currency": "USD"}]))
        .send()
        .await
        .expect("answers");
    assert_eq!(bad.status(), 400);

    sims.reset();
    assert_eq!(
        sims.creem().products(),
        vec![
            CreemProduct::new(PRODUCT_CREDITS_100, "100 credits", 500, "USD"),
            CreemProduct::new(PRODUCT_CREDITS_500, "500 credits", 2000, "USD"),
        ]
    );
    assert!(sims.creem().checkouts().is_empty());
}

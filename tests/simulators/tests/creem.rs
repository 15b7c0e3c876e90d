//! Creem moderation simulator: auth, envelope, rules, recording, faults.

mod common;

use atelier_simulators::creem::DEFAULT_API_KEY;
use atelier_simulators::{Faults, ForcedError, Simulators};
use common::{client, json, start_default};
use serde_json::{Value, json};

async fn moderate(sims: &Simulators, key: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = client()
        .post(format!("{}/v1/moderation/prompt", sims.creem_url()))
        .json(&body);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.expect("answers");
    let status = response.status().as_u16();
    (status, json(response).await)
}

fn assert_envelope(body: &Value, status: u16) {
    assert_eq!(body["status"], status, "{body}");
    assert!(body["trace_id"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(body["message"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(body["timestamp"].as_i64().is_some());
}

#[tokio::test]
async fn refuses_missing_and_wrong_keys_and_bad_bodies() {
    let sims = start_default().await;
    let (status, body) = moderate(&sims, None, json!({"prompt": "cat"})).await;
    assert_eq!(status, 401);
    assert_envelope(&body, 401);

    let (status, body) = moderate(&sims, Some("creem_test_wrong"), json!({"prompt": "cat"})).await;
    assert_eq!(status, 403);
    assert_envelope(&body, 403);

    for bad in [
        json!({}),
        json!({"prompt": 5}),
        json!({"prompt": ""}),
        json!(["cat"]),
        json!({"prompt": "x", "external_id": 3}),
    ] {
        let (status, body) = moderate(&sims, Some(DEFAULT_API_KEY), bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert_envelope(&body, 400);
    }
    let raw = client()
        .post(format!("{}/v1/moderation/prompt", sims.creem_url()))
        .header("x-api-key", DEFAULT_API_KEY)
        .body("prompt=cat")
        .send()
        .await
        .expect("answers");
    assert_eq!(raw.status(), 400);
}

#[tokio::test]
async fn decides_by_default_rules() {
    let sims = start_default().await;
    for (prompt, decision) in [
        ("a cat on a sofa", "allow"),
        ("something FORBIDDEN", "deny"),
        ("please [deny] this", "deny"),
        ("maybe [Flag] this", "flag"),
        ("forbidden and [flag]", "deny"),
    ] {
        let (status, body) = moderate(
            &sims,
            Some(DEFAULT_API_KEY),
            json!({"prompt": prompt, "external_id": "gen_1"}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["decision"], decision, "{prompt}");
        assert_eq!(body["object"], "moderation_result");
        assert_eq!(body["prompt"], prompt);
        assert_eq!(body["usage"]["units"], 1);
        assert_eq!(body["external_id"], "gen_1");
        assert!(
            body["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("modr_"))
        );
    }
    let requests = sims.creem().requests();
    assert_eq!(requests.len(), 5);
    assert_eq!(requests[1].decision.as_deref(), Some("deny"));
    assert_eq!(requests[0].external_id.as_deref(), Some("gen_1"));
    assert_eq!(
        requests[0].headers.get("x-api-key").map(String::as_str),
        Some(DEFAULT_API_KEY)
    );
}

#[tokio::test]
async fn rules_change_over_http_and_requests_are_listed() {
    let sims = start_default().await;
    let put = client()
        .put(format!("{}/__control/rules", sims.creem_url()))
        .json(&json!({"deny": ["Dragon"], "flag": ["knight"]}))
        .send()
        .await
        .expect("answers");
    assert_eq!(put.status(), 200);
    let (_, body) = moderate(
        &sims,
        Some(DEFAULT_API_KEY),
        json!({"prompt": "a red dragon"}),
    )
    .await;
    assert_eq!(body["decision"], "deny");
    let (_, body) = moderate(&sims, Some(DEFAULT_API_KEY), json!({"prompt": "a KNIGHT"})).await;
    assert_eq!(body["decision"], "flag");
    let (_, body) = moderate(
        &sims,
        Some(DEFAULT_API_KEY),
        json!({"prompt": "forbidden fruit"}),
    )
    .await;
    assert_eq!(body["decision"], "allow", "default rules were replaced");

    let listed = client()
        .get(format!("{}/__control/requests", sims.creem_url()))
        .send()
        .await
        .expect("answers");
    let listed = json(listed).await;
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["prompt"], "a red dragon");
    assert_eq!(listed[0]["status"], 200);

    let bad = client()
        .put(format!("{}/__control/rules", sims.creem_url()))
        .json(&json!({"allow": ["x"]}))
        .send()
        .await
        .expect("answers");
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_forced_500_uses_the_error_envelope_of_creem_and_is_recorded() {
    let sims = start_default().await;
    sims.creem()
        .set_faults(Faults {
            force: Some(ForcedError::status(500)),
            ..Faults::default()
        })
        .expect("valid faults");
    let (status, body) = moderate(&sims, Some(DEFAULT_API_KEY), json!({"prompt": "cat"})).await;
    assert_eq!(status, 500);
    assert_envelope(&body, 500);
    assert!(body.get("decision").is_none());
    assert_eq!(sims.creem().requests()[0].status, 500);
}

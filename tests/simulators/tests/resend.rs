//! Resend simulator: auth, validation, idempotency, rate limit, mailbox.

mod common;

use std::time::Duration;

use atelier_simulators::resend::DEFAULT_API_KEY;
use atelier_simulators::{Faults, ForcedError, SimulatorOptions, Simulators};
use common::{client, client_without_user_agent, json, start};
use serde_json::{Value, json};

/// Resend without its rate limit, for tests that are not about the limit.
async fn unlimited() -> Simulators {
    let mut options = SimulatorOptions::default();
    options.resend.rate_limit_per_second = 0;
    start(options).await
}

fn email() -> Value {
    json!({
        "from": "Atelier <login@mail.atelier.test>",
        "to": ["ada@example.com"],
        "subject": "Your sign-in code",
        "html": "<p>Code: 123456</p>",
        "text": "Code: 123456",
        "headers": {"X-Entity-Ref-ID": "ref-1"},
        "tags": [{"name": "category", "value": "otp"}]
    })
}

async fn send(sims: &Simulators, body: &Value, idempotency_key: Option<&str>) -> reqwest::Response {
    let mut request = client()
        .post(format!("{}/emails", sims.resend_url()))
        .header("Authorization", format!("Bearer {DEFAULT_API_KEY}"))
        .json(body);
    if let Some(key) = idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("answers")
}

async fn expect_error(response: reqwest::Response, status: u16, name: &str) -> Value {
    assert_eq!(response.status(), status);
    let body = json(response).await;
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["name"], name, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    body
}

#[tokio::test]
async fn refuses_missing_user_agent_and_bad_keys() {
    let sims = unlimited().await;
    let url = format!("{}/emails", sims.resend_url());
    let blocked = client_without_user_agent()
        .post(&url)
        .header("Authorization", format!("Bearer {DEFAULT_API_KEY}"))
        .json(&email())
        .send()
        .await
        .expect("answers");
    assert_eq!(blocked.status(), 403);
    assert_eq!(blocked.text().await.expect("text"), "error code: 1010");

    let missing = client()
        .post(&url)
        .json(&email())
        .send()
        .await
        .expect("answers");
    expect_error(missing, 401, "missing_api_key").await;
    let wrong = client()
        .post(&url)
        .header("Authorization", "Bearer re_wrong")
        .json(&email())
        .send()
        .await
        .expect("answers");
    expect_error(wrong, 403, "invalid_api_key").await;
    assert!(sims.resend().emails().is_empty());
}

#[tokio::test]
async fn validates_fields_per_the_error_table() {
    let sims = unlimited().await;
    let with = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut body = email();
        if let Some(fields) = body.as_object_mut() {
            edit(fields);
        }
        body
    };
    let many: Vec<String> = (0..51).map(|i| format!("u{i}@example.com")).collect();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with(&|f| {
                f.remove("from");
            }),
            422,
            "missing_required_field",
        ),
        (
            with(&|f| {
                f.insert("from".into(), json!("not an address"));
            }),
            403,
            "invalid_from_address",
        ),
        (
            with(&|f| {
                f.insert("from".into(), json!("Name <broken@>"));
            }),
            403,
            "invalid_from_address",
        ),
        (
            with(&|f| {
                f.remove("to");
            }),
            422,
            "missing_required_field",
        ),
        (
            with(&|f| {
                f.insert("to".into(), json!([]));
            }),
            422,
            "missing_required_field",
        ),
        (
            with(&|f| {
                f.insert("to".into(), json!(["nobody"]));
            }),
            422,
            "invalid_parameter",
        ),
        (
            with(&|f| {
                f.insert("to".into(), json!(many));
            }),
            422,
            "invalid_parameter",
        ),
        (
            with(&|f| {
                f.insert("to".into(), json!(42));
            }),
            422,
            "invalid_parameter",
        ),
        (
            with(&|f| {
                f.remove("subject");
            }),
            422,
            "missing_required_field",
        ),
        (
            with(&|f| {
                f.remove("html");
                f.remove("text");
            }),
            422,
            "missing_required_field",
        ),
        (
            with(&|f| {
                f.insert("tags".into(), json!([{"name": "has space", "value": "x"}]));
            }),
            422,
            "invalid_parameter",
        ),
        (
            with(&|f| {
                f.insert("attachments".into(), json!([{"filename": "a.txt"}]));
            }),
            422,
            "invalid_attachment",
        ),
    ];
    for (body, status, name) in cases {
        expect_error(send(&sims, &body, None).await, status, name).await;
    }
    let raw = client()
        .post(format!("{}/emails", sims.resend_url()))
        .header("Authorization", format!("Bearer {DEFAULT_API_KEY}"))
        .body("{oops")
        .send()
        .await
        .expect("answers");
    expect_error(raw, 400, "validation_error").await;
    assert!(
        sims.resend().emails().is_empty(),
        "nothing invalid was recorded"
    );

    // A bare string `to`, a text-only body and 50 recipients are all fine.
    let fifty: Vec<String> = (0..50).map(|i| format!("u{i}@example.com")).collect();
    for body in [
        with(&|f| {
            f.insert("to".into(), json!("Ada <ada@example.com>"));
            f.remove("html");
        }),
        with(&|f| {
            f.insert("to".into(), json!(fifty));
        }),
    ] {
        assert_eq!(send(&sims, &body, None).await.status(), 200, "{body}");
    }
}

#[tokio::test]
async fn accepted_mail_is_in_the_mailbox() {
    let sims = unlimited().await;
    let response = send(&sims, &email(), Some("login/abc")).await;
    assert_eq!(response.status(), 200);
    let id = json(response).await["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 36, "uuid-like id {id}");
    let mut other = email();
    other["to"] = json!("bob@example.com");
    assert_eq!(send(&sims, &other, None).await.status(), 200);

    let all = json(
        client()
            .get(format!("{}/emails", sims.resend_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    let all = all.as_array().expect("array").clone();
    assert_eq!(all.len(), 2);
    let first = &all[0];
    assert_eq!(first["id"], id.as_str());
    assert_eq!(first["from"], "Atelier <login@mail.atelier.test>");
    assert_eq!(first["to"], json!(["ada@example.com"]));
    assert_eq!(first["subject"], "Your sign-in code");
    assert_eq!(first["text"], "Code: 123456");
    assert_eq!(first["html"], "<p>Code: 123456</p>");
    assert_eq!(first["headers"]["X-Entity-Ref-ID"], "ref-1");
    assert_eq!(first["tags"][0]["value"], "otp");
    assert_eq!(first["idempotency_key"], "login/abc");
    assert!(
        first["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(
        all[1]["to"],
        json!(["bob@example.com"]),
        "newest last, string `to` became an array"
    );

    let to_bob = client()
        .get(format!("{}/emails", sims.resend_url()))
        .query(&[("to", "BOB@example.com")])
        .send()
        .await
        .expect("answers");
    assert_eq!(json(to_bob).await.as_array().map(Vec::len), Some(1));

    let one = client()
        .get(format!("{}/emails/{id}", sims.resend_url()))
        .send()
        .await
        .expect("answers");
    assert_eq!(json(one).await["subject"], "Your sign-in code");
    let none = client()
        .get(format!("{}/emails/nope", sims.resend_url()))
        .send()
        .await
        .expect("answers");
    expect_error(none, 404, "not_found").await;

    assert_eq!(sims.resend().emails_to("ada@example.com").len(), 1);
    assert_eq!(
        sims.resend()
            .last_email_to("bob@example.com")
            .map(|e| e.subject),
        Some("Your sign-in code".into())
    );
}

#[tokio::test]
async fn idempotency_keys_replay_conflict_and_refuse_long_keys() {
    let sims = unlimited().await;
    let first = json(send(&sims, &email(), Some("magic-link/1")).await).await;
    let again = send(&sims, &email(), Some("magic-link/1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        json(again).await,
        first,
        "same key and body → the original response"
    );
    assert_eq!(sims.resend().emails().len(), 1, "nothing sent twice");

    let mut changed = email();
    changed["subject"] = json!("Something else");
    expect_error(
        send(&sims, &changed, Some("magic-link/1")).await,
        409,
        "invalid_idempotent_request",
    )
    .await;

    let long = "k".repeat(257);
    expect_error(
        send(&sims, &email(), Some(&long)).await,
        400,
        "invalid_idempotency_key",
    )
    .await;
    let longest = "k".repeat(256);
    assert_eq!(send(&sims, &email(), Some(&longest)).await.status(), 200);

    // A failed attempt is not remembered: the same key can be retried.
    sims.resend()
        .set_faults(Faults {
            force: Some(ForcedError::status(500).times(1)),
            ..Faults::default()
        })
        .expect("valid faults");
    expect_error(
        send(&sims, &email(), Some("retry/1")).await,
        500,
        "internal_server_error",
    )
    .await;
    assert_eq!(send(&sims, &email(), Some("retry/1")).await.status(), 200);
    assert_eq!(sims.resend().emails().len(), 3);
}

#[tokio::test]
async fn a_key_still_in_flight_is_a_concurrent_conflict() {
    let sims = unlimited().await;
    sims.resend()
        .set_faults(Faults {
            latency_ms: 1500,
            ..Faults::default()
        })
        .expect("valid faults");
    let url = sims.resend_url();
    let first = tokio::spawn(async move {
        client()
            .post(format!("{url}/emails"))
            .header("Authorization", format!("Bearer {DEFAULT_API_KEY}"))
            .header("Idempotency-Key", "slow/1")
            .json(&email())
            .send()
            .await
            .expect("answers")
            .status()
    });
    // Let the first request claim the key; its 1.5 s latency keeps it in flight meanwhile.
    tokio::time::sleep(Duration::from_millis(400)).await;
    expect_error(
        send(&sims, &email(), Some("slow/1")).await,
        409,
        "concurrent_idempotent_requests",
    )
    .await;
    assert_eq!(first.await.expect("task").as_u16(), 200);
    assert_eq!(sims.resend().emails().len(), 1);
}

#[tokio::test]
async fn default_rate_limit_is_two_per_second_with_headers() {
    let sims = start(SimulatorOptions::default()).await;
    let a = send(&sims, &email(), None).await;
    assert_eq!(a.status(), 200);
    assert_eq!(
        a.headers()
            .get("ratelimit-limit")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    assert_eq!(
        a.headers()
            .get("ratelimit-remaining")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert!(a.headers().get("ratelimit-reset").is_some());
    assert_eq!(send(&sims, &email(), None).await.status(), 200);
    let limited = send(&sims, &email(), None).await;
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("retry-after seconds");
    assert!((1..=1).contains(&retry_after));
    assert_eq!(
        limited
            .headers()
            .get("ratelimit-remaining")
            .and_then(|v| v.to_str().ok()),
        Some("0")
    );
    expect_error(limited, 429, "rate_limit_exceeded").await;
    assert_eq!(sims.resend().emails().len(), 2);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        send(&sims, &email(), None).await.status(),
        200,
        "the window reopened"
    );

    // Switching the limit off over HTTP removes it and its headers.
    let put = client()
        .put(format!("{}/__control/settings", sims.resend_url()))
        .json(&json!({"rate_limit_per_second": 0}))
        .send()
        .await
        .expect("answers");
    assert_eq!(put.status(), 200);
    for _ in 0..5 {
        let response = send(&sims, &email(), None).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn forced_429_carries_retry_after() {
    let sims = unlimited().await;
    sims.resend()
        .set_faults(Faults {
            force: Some(ForcedError::status(429).retry_after(7)),
            ..Faults::default()
        })
        .expect("valid faults");
    let response = send(&sims, &email(), None).await;
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("7")
    );
    expect_error(response, 429, "rate_limit_exceeded").await;
}

#[tokio::test]
async fn batch_sends_all_or_nothing() {
    let sims = unlimited().await;
    let url = format!("{}/emails/batch", sims.resend_url());
    let post = |body: Value| {
        client()
            .post(&url)
            .header("Authorization", format!("Bearer {DEFAULT_API_KEY}"))
            .json(&body)
            .send()
    };
    let ok = post(json!([email(), email()])).await.expect("answers");
    assert_eq!(ok.status(), 200);
    assert_eq!(json(ok).await["data"].as_array().map(Vec::len), Some(2));
    let mut bad = email();
    bad["to"] = json!("nobody");
    let refused = post(json!([email(), bad])).await.expect("answers");
    expect_error(refused, 422, "invalid_parameter").await;
    assert_eq!(sims.resend().emails().len(), 2);
}

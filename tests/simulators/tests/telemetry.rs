//! PostHog and Sentry simulators: capture shapes, keys, raw recording, envelopes.

mod common;

use atelier_simulators::Simulators;
use atelier_simulators::posthog::DEFAULT_API_KEY as POSTHOG_KEY;
use atelier_simulators::sentry::DEFAULT_PUBLIC_KEY;
use common::{client, json, start_default};
use serde_json::{Value, json};

async fn capture(sims: &Simulators, path: &str, body: &Value) -> (u16, Value) {
    let response = client()
        .post(format!("{}{path}", sims.posthog_url()))
        .json(body)
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, json(response).await)
}

#[tokio::test]
async fn posthog_records_single_and_batch_events() {
    let sims = start_default().await;
    let single = json!({
        "api_key": POSTHOG_KEY, "event": "image_generated", "distinct_id": "u_1",
        "properties": {"model": "nano-banana", "$process_person_profile": false},
        "timestamp": "2026-01-01T10:00:00Z", "uuid": "0190-aaaa"
    });
    assert_eq!(
        capture(&sims, "/i/v0/e/", &single).await,
        (200, json!({"status": 1}))
    );
    let legacy =
        json!({"api_key": POSTHOG_KEY, "event": "opened", "properties": {"distinct_id": "u_2"}});
    assert_eq!(capture(&sims, "/capture/", &legacy).await.0, 200);
    let batch = json!({
        "api_key": POSTHOG_KEY, "historical_migration": false,
        "batch": [
            {"event": "e1", "properties": {"distinct_id": "u_3"}, "timestamp": "2026-01-01T10:00:01Z"},
            {"event": "e2", "distinct_id": "u_4"}
        ]
    });
    assert_eq!(
        capture(&sims, "/batch/", &batch).await,
        (200, json!({"status": 1}))
    );

    let events = sims.posthog().events();
    assert_eq!(events.len(), 4);
    assert_eq!(events[0].event, "image_generated");
    assert_eq!(events[0].distinct_id, "u_1");
    assert_eq!(events[0].timestamp, "2026-01-01T10:00:00Z");
    assert_eq!(events[0].properties["model"], "nano-banana");
    assert_eq!(events[0].path, "/i/v0/e/");
    assert_eq!(events[0].api_key, POSTHOG_KEY);
    assert_eq!(events[1].distinct_id, "u_2");
    assert_eq!(events[1].path, "/capture/");
    assert_eq!(events[3].event, "e2");
    assert_eq!(events[3].path, "/batch/");

    let listed = json(
        client()
            .get(format!("{}/events", sims.posthog_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(4));
    assert_eq!(listed[2]["distinct_id"], "u_3");
}

#[tokio::test]
async fn posthog_refuses_missing_keys_and_bad_json_but_records_every_request() {
    let sims = start_default().await;
    let (status, body) = capture(
        &sims,
        "/i/v0/e/",
        &json!({"event": "x", "distinct_id": "u"}),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["type"], "authentication_error");
    let (status, _) = capture(
        &sims,
        "/i/v0/e/",
        &json!({"api_key": "phc_wrong", "event": "x", "distinct_id": "u"}),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = capture(&sims, "/batch/", &json!({"api_key": POSTHOG_KEY})).await;
    assert_eq!(status, 400, "batch needs `batch`");
    let (status, _) = capture(
        &sims,
        "/i/v0/e/",
        &json!({"api_key": POSTHOG_KEY, "event": "x"}),
    )
    .await;
    assert_eq!(status, 400, "an event needs a distinct_id");

    let broken = client()
        .post(format!("{}/i/v0/e/", sims.posthog_url()))
        .header("Content-Type", "application/json")
        .header("X-Test-Marker", "marker-123")
        .body("{\"api_key\": ")
        .send()
        .await
        .expect("answers");
    assert_eq!(broken.status(), 400);
    let gzip = client()
        .post(format!("{}/batch/", sims.posthog_url()))
        .header("Content-Encoding", "gzip")
        .body(vec![0x1f, 0x8b, 0x08])
        .send()
        .await
        .expect("answers");
    assert_eq!(gzip.status(), 400, "compressed bodies are refused");
    assert!(sims.posthog().events().is_empty());

    let raw = json(
        client()
            .get(format!("{}/__control/requests", sims.posthog_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    let raw = raw.as_array().expect("array");
    assert_eq!(raw.len(), 6, "refused requests are recorded too");
    assert_eq!(raw[4]["headers"]["x-test-marker"], "marker-123");
    assert_eq!(raw[4]["body"], "{\"api_key\": ");
    assert_eq!(raw[4]["status"], 400);
    assert!(raw[0]["headers"]["user-agent"].is_string());
}

fn envelope(event_id: &str, message: &str) -> String {
    let header = json!({"event_id": event_id, "sent_at": "2026-01-01T10:00:00Z"});
    let event = json!({"event_id": event_id, "message": message, "level": "error"}).to_string();
    let item = json!({"type": "event", "length": event.len()});
    format!("{header}\n{item}\n{event}\n")
}

#[tokio::test]
async fn sentry_takes_envelopes_at_the_dsn_derived_url() {
    let sims = start_default().await;
    let dsn = sims.sentry_dsn();
    let port = sims.local_addr().port();
    assert_eq!(
        dsn,
        format!("http://{DEFAULT_PUBLIC_KEY}@127.0.0.1:{port}/sentry/1")
    );

    // Build the URL the way the Rust SDK does: {scheme}://{host}:{port}{path}api/{project}/envelope/
    let rest = dsn.strip_prefix("http://").expect("http DSN");
    let (key, location) = rest.split_once('@').expect("key@host");
    let (host_port, path_and_project) = location.split_once('/').expect("path");
    let (path, project) = path_and_project.rsplit_once('/').expect("project id");
    let url = format!("http://{host_port}/{path}/api/{project}/envelope/");

    let event_id = "fc6d8c0c43fc4630ad850ee518f1b9d0";
    let response = client()
        .post(&url)
        .header(
            "X-Sentry-Auth",
            format!("Sentry sentry_key={key}, sentry_version=7, sentry_client=sentry.rust/0.46"),
        )
        .header("Content-Type", "application/x-sentry-envelope")
        .body(envelope(event_id, "boom in /home/REDACTED"))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["id"], event_id);

    let by_query = client()
        .post(format!("{url}?sentry_key={key}&sentry_version=7"))
        .body(envelope("00000000000000000000000000000001", "second"))
        .send()
        .await
        .expect("answers");
    assert_eq!(by_query.status(), 200);

    let envelopes = sims.sentry().envelopes();
    assert_eq!(envelopes.len(), 2);
    assert!(envelopes[0].raw.contains("boom in /home/REDACTED"));
    assert_eq!(envelopes[0].items.len(), 1);
    assert_eq!(
        sims.sentry().events()[0]["message"],
        "boom in /home/REDACTED"
    );

    let listed = json(
        client()
            .get(format!("{}/sentry/envelopes", sims.base_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert!(
        listed[1]["raw"]
            .as_str()
            .is_some_and(|r| r.contains("second"))
    );
}

#[tokio::test]
async fn sentry_refuses_missing_or_wrong_keys() {
    let sims = start_default().await;
    let url = format!("{}/sentry/api/1/envelope/", sims.base_url());
    let none = client()
        .post(&url)
        .body(envelope("a", "x"))
        .send()
        .await
        .expect("answers");
    assert_eq!(none.status(), 401);
    let wrong = client()
        .post(&url)
        .header("X-Sentry-Auth", "Sentry sentry_key=nope, sentry_version=7")
        .body(envelope("a", "x"))
        .send()
        .await
        .expect("answers");
    assert_eq!(wrong.status(), 401);
    assert!(sims.sentry().envelopes().is_empty());
}

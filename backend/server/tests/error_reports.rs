//! Error reports from the service's router against the Sentry simulator: a 500 is reported once,
//! scrubbed, with the route template; other answers are not; background failures are reported
//! when they are internal; nothing is sent without a DSN.
#![cfg(feature = "native")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use atelier_api::ErrorCode;
use atelier_server::config::Config;
use atelier_server::error::ApiError;
use atelier_server::error_reports::{self, Origin, Report};
use atelier_server::native::{Clock, NativePlatform};
use atelier_simulators::{SimulatorOptions, Simulators};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

/// A report is sent on a spawned task: the test waits for it, at most this long.
const WAIT: Duration = Duration::from_secs(20);

async fn platform(sims: &Simulators, dsn: Option<&str>) -> (TempDir, NativePlatform) {
    let env = sims.env();
    let dsn = dsn.map(str::to_owned);
    let config = Config::from_lookup(|name| match name {
        "SENTRY_DSN" => dsn.clone(),
        "ATELIER_TEST_MODE" => Some("1".into()),
        _ => env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let platform = NativePlatform::open(dir.path(), config, Clock::default())
        .await
        .unwrap();
    (dir, platform)
}

async fn call(platform: &NativePlatform, method: &str, path: &str, body: Option<Value>) -> u16 {
    let mut request = Request::builder().method(method).uri(path);
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let response = atelier_server::router(platform.clone())
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    response.status().as_u16()
}

async fn envelope_containing(sims: &Simulators, needle: &str) -> atelier_simulators::Envelope {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = sims
            .sentry()
            .envelopes()
            .into_iter()
            .find(|e| e.raw.contains(needle))
        {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no report with {needle}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_500_is_reported_once_scrubbed_and_other_answers_never() {
    let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
        .await
        .unwrap();
    let (_dir, platform) = platform(&sims, Some(&sims.sentry_dsn())).await;

    // Not ours to report: an unknown route, a malformed body, a missing session.
    assert_eq!(call(&platform, "GET", "/v1/nothing-here", None).await, 404);
    assert_eq!(
        call(&platform, "POST", "/__test/fail", Some(json!({}))).await,
        400
    );
    assert_eq!(call(&platform, "GET", "/v1/credits", None).await, 401);
    assert_eq!(
        call(
            &platform,
            "POST",
            "/__test/fail",
            Some(json!({ "marker": "unit-500" }))
        )
        .await,
        500
    );

    let envelope = envelope_containing(&sims, "unit-500").await;
    assert_eq!(
        sims.sentry().envelopes().len(),
        1,
        "only the 500 is reported"
    );
    let auth = &envelope.headers["x-sentry-auth"];
    assert!(auth.contains("sentry_key=sentrysimkey") && auth.contains("sentry_version=7"));
    assert_eq!(
        envelope.headers["content-type"],
        "application/x-sentry-envelope"
    );
    assert!(envelope.headers["user-agent"].starts_with("atelier-server/"));
    let events = envelope.events();
    assert_eq!(events.len(), 1);
    let event = events[0];
    assert_eq!(event["server_name"], "atelier-server");
    assert_eq!(event["tags"]["route"], "/__test/fail");
    assert_eq!(event["tags"]["method"], "POST");
    assert_eq!(event["tags"]["runtime"], "native");
    assert!(event.get("user").is_none() && event.get("request").is_none());
    for secret in [
        "fail.reporter@example.com",
        "203.0.113.77",
        "/home/margarethe",
        "lighthouse",
    ] {
        assert!(
            !envelope.raw.contains(secret),
            "{secret} in {}",
            envelope.raw
        );
    }
    // Scrubbed, not lost: the placeholders show where each was.
    for placeholder in ["[email]", "[ip]", "[prompt]", "~/.config"] {
        assert!(envelope.raw.contains(placeholder), "{placeholder} missing");
    }
}

fn background(detail: &str) -> ApiError {
    ApiError::internal(detail)
}

#[tokio::test]
async fn background_failures_are_reported_when_internal() {
    let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
        .await
        .unwrap();
    let (_dir, platform) = platform(&sims, Some(&sims.sentry_dsn())).await;

    // Awaited, so the simulator has it (or not) when the call returns.
    let unavailable = ApiError::new(ErrorCode::Unavailable, "kie is down");
    error_reports::report_background_failure(&platform, &unavailable).await;
    assert!(
        sims.sentry().envelopes().is_empty(),
        "503s are not reported"
    );

    let failed = background("tick failed for 198.51.100.4");
    error_reports::report_background_failure(&platform, &failed).await;
    let envelopes = sims.sentry().envelopes();
    assert_eq!(envelopes.len(), 1);
    let event = envelopes[0].events()[0].clone();
    assert_eq!(event["tags"]["source"], "background");
    assert_eq!(
        event["exception"]["values"][0]["value"],
        "tick failed for [ip]"
    );
}

#[tokio::test]
async fn without_a_usable_dsn_nothing_is_sent() {
    let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
        .await
        .unwrap();
    let report = Report {
        code: "internal",
        detail: None,
        origin: Origin::Background,
    };
    // No key: a DSN that does not parse turns reports off instead of failing.
    let keyless = sims.sentry_dsn().replace("sentrysimkey@", "");
    for dsn in [None, Some(""), Some("   "), Some(keyless.as_str())] {
        let (_dir, platform) = platform(&sims, dsn).await;
        error_reports::send(&platform, report.clone()).await;
        assert_eq!(
            call(
                &platform,
                "POST",
                "/__test/fail",
                Some(json!({ "marker": "off" }))
            )
            .await,
            500
        );
    }
    // The direct sends have finished; a sent report would be here.
    assert!(sims.sentry().envelopes().is_empty());
}

#[tokio::test]
async fn the_answer_to_a_500_is_the_generic_envelope() {
    let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
        .await
        .unwrap();
    let (_dir, platform) = platform(&sims, None).await;
    let response = atelier_server::router(platform)
        .oneshot(
            Request::post("/__test/fail")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"marker":"generic"}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body,
        json!({ "code": "internal", "message": "something went wrong on our side" })
    );
}

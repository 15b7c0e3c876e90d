//! The kie.ai jobs client against the kie simulator: the task lifecycle to real PNGs, failures in
//! both of kie's forms (HTTP 200 with a body code, real HTTP statuses), and signed callbacks.
#![cfg(feature = "native")]

use std::future::Future;
use std::time::{Duration, Instant};

use atelier_api::ErrorCode;
use atelier_server::config::Config;
use atelier_server::error::ApiError;
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::platform::{Http, OutboundRequest, Platform};
use atelier_server::upstream::UpstreamError;
use atelier_server::upstream::kie::{
    self, KieError, TaskRecord, TaskState, callback_task_id, verify_callback,
};
use atelier_simulators::{
    Faults, ForcedError, KieSettings, SimulatorOptions, Simulators, kie_signature,
};
use serde_json::{Value, json};
use tempfile::TempDir;

/// No test may run longer than this, whatever the simulators do.
const TEST_LIMIT: Duration = Duration::from_secs(60);
const MODEL: &str = "google/nano-banana";

async fn bounded<F: Future>(test: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("the test finished in time")
}

struct Harness {
    sims: Simulators,
    platform: NativePlatform,
    _dir: TempDir,
}

/// The configuration the simulators' `env()` gives, with `overrides` applied (`None` unsets).
fn config(sims: &Simulators, overrides: &[(&str, Option<String>)]) -> Config {
    let env = sims.env();
    Config::from_lookup(|name| match overrides.iter().find(|(k, _)| *k == name) {
        Some((_, value)) => value.clone(),
        None => env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
    })
    .expect("config parses")
}

async fn open(config: Config) -> (TempDir, NativePlatform) {
    let dir = tempfile::tempdir().expect("tempdir");
    let platform = NativePlatform::open(dir.path(), config, Clock::default())
        .await
        .expect("platform opens");
    (dir, platform)
}

/// Fresh simulators (kie steps of `step_ms`) plus a native platform pointed at them.
async fn harness_with(step_ms: u64, overrides: &[(&str, Option<String>)]) -> Harness {
    let mut options = SimulatorOptions::unlimited();
    options.kie.settings.step_ms = step_ms;
    let sims = atelier_simulators::spawn(options)
        .await
        .expect("simulators start");
    let (dir, platform) = open(config(&sims, overrides)).await;
    Harness {
        sims,
        platform,
        _dir: dir,
    }
}

async fn harness() -> Harness {
    harness_with(50, &[]).await
}

fn input(prompt: &str) -> Value {
    json!({ "prompt": prompt, "output_format": "png", "image_size": "1:1" })
}

/// Forces `error` on the next kie API request only.
fn force_once(sims: &Simulators, error: ForcedError) {
    sims.kie()
        .set_faults(Faults {
            force: Some(error.times(1)),
            ..Faults::default()
        })
        .expect("faults set");
}

/// Polls every 20 ms until the task is terminal; returns every record seen, in order.
async fn poll_to_end(platform: &NativePlatform, task_id: &str) -> Vec<TaskRecord> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let record = kie::record_info(platform, task_id)
            .await
            .expect("recordInfo answers");
        assert_eq!(record.task_id, task_id);
        let done = record.state.is_terminal();
        seen.push(record);
        if done {
            return seen;
        }
        assert!(Instant::now() < deadline, "task {task_id} never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_task_walks_its_states_to_success_and_its_results_are_pngs() {
    bounded(async {
        let h = harness_with(400, &[]).await;
        let task_id = kie::create_task(&h.platform, MODEL, input("a red fox"), None)
            .await
            .expect("task created");
        assert!(task_id.starts_with("task_"), "{task_id}");

        let request = h
            .sims
            .kie()
            .task(&task_id)
            .expect("the simulator has it")
            .request;
        assert_eq!(
            request,
            json!({ "model": MODEL, "input": input("a red fox") }),
            "no callBackUrl when none is given"
        );

        let seen = poll_to_end(&h.platform, &task_id).await;
        let mut states: Vec<TaskState> = seen.iter().map(|r| r.state).collect();
        states.dedup();
        assert_eq!(
            states,
            [
                TaskState::Waiting,
                TaskState::Queuing,
                TaskState::Generating,
                TaskState::Success
            ]
        );
        for record in &seen[..seen.len() - 1] {
            assert!(record.result_urls.is_empty() && record.fail_code.is_none());
        }
        let done = seen.last().expect("a last record");
        assert_eq!(done.fail_code, None);
        assert_eq!(done.fail_msg, None);
        assert_eq!(done.result_urls.len(), 1);

        let expected = h.sims.kie().task(&task_id).expect("task");
        for url in &done.result_urls {
            let image = h
                .platform
                .send(OutboundRequest {
                    method: http::Method::GET,
                    url: url.clone(),
                    headers: vec![("user-agent".into(), "atelier-tests".into())],
                    body: None,
                    timeout: Duration::from_secs(20),
                    ..Default::default()
                })
                .await
                .expect("the result downloads");
            assert_eq!(image.status, 200, "{url}");
            assert_eq!(image.header("content-type"), Some("image/png"));
            let bytes = &image.body;
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
            let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
            assert_eq!(&bytes[12..16], b"IHDR");
            assert_eq!((be(16), be(20)), (expected.width, expected.height));
        }
    })
    .await;
}

#[tokio::test]
async fn several_images_come_back_as_several_urls_and_the_callback_url_is_sent() {
    bounded(async {
        let h = harness().await;
        let mut with_count = input("two foxes");
        with_count["max_images"] = json!(2);
        let task_id = kie::create_task(
            &h.platform,
            "bytedance/seedream-v4-text-to-image",
            with_count,
            Some("http://127.0.0.1:9/kie/callback/secret"),
        )
        .await
        .expect("task created");
        let task = h.sims.kie().task(&task_id).expect("task");
        assert_eq!(
            task.callback_url.as_deref(),
            Some("http://127.0.0.1:9/kie/callback/secret")
        );
        let done = poll_to_end(&h.platform, &task_id).await;
        let done = done.last().expect("a record");
        assert_eq!(done.state, TaskState::Success);
        assert_eq!(done.result_urls.len(), 2);
        assert_ne!(done.result_urls[0], done.result_urls[1]);
    })
    .await;
}

#[tokio::test]
async fn failing_prompts_end_in_fail_with_their_code() {
    bounded(async {
        let h = harness().await;
        for (prompt, code) in [("[fail] a fox", "501"), ("something prohibited", "422")] {
            let task_id = kie::create_task(&h.platform, MODEL, input(prompt), None)
                .await
                .expect("task created");
            let seen = poll_to_end(&h.platform, &task_id).await;
            let done = seen.last().expect("a record");
            assert_eq!(done.state, TaskState::Fail, "{prompt}");
            assert_eq!(done.fail_code.as_deref(), Some(code), "{prompt}");
            assert!(done.fail_msg.as_deref().is_some_and(|m| !m.is_empty()));
            assert!(done.result_urls.is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn an_unknown_model_is_a_validation_error() {
    bounded(async {
        let h = harness().await;
        let err = kie::create_task(&h.platform, "acme/imaginator-9000", input("a fox"), None)
            .await
            .expect_err("refused");
        match &err {
            KieError::Validation(message) => {
                assert!(message.contains("acme/imaginator-9000"), "{message}");
            }
            other => panic!("expected Validation, got {other:?}"),
        }
        assert!(!err.is_retryable());
        assert!(h.sims.kie().tasks().is_empty());
    })
    .await;
}

#[tokio::test]
async fn running_out_of_kie_credits_is_insufficient_credits() {
    bounded(async {
        let h = harness().await;
        h.sims.kie().set_settings(KieSettings {
            credits: 0.0,
            ..h.sims.kie().settings()
        });
        let err = kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect_err("no credits");
        assert_eq!(err, KieError::InsufficientCredits);
        assert!(!err.is_retryable());

        h.sims.kie().set_settings(KieSettings {
            credits: 10.0,
            ..h.sims.kie().settings()
        });
        force_once(&h.sims, ForcedError::status(200).code(402));
        let err = kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect_err("forced 402");
        assert_eq!(err, KieError::InsufficientCredits);
        kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect("the fault was for one request only");
    })
    .await;
}

#[tokio::test]
async fn rate_limits_are_recognised_in_both_forms() {
    bounded(async {
        let h = harness().await;
        // kie's quirk: HTTP 200, body code 429.
        force_once(&h.sims, ForcedError::status(200).code(429));
        let err = kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect_err("rate limited");
        assert_eq!(err, KieError::RateLimited);
        assert!(err.is_retryable());

        // A real HTTP 429, injected on recordInfo.
        let task_id = kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect("created");
        force_once(&h.sims, ForcedError::status(429).code(429));
        let err = kie::record_info(&h.platform, &task_id)
            .await
            .expect_err("rate limited");
        assert_eq!(err, KieError::RateLimited);

        // The account limit itself: a real HTTP 429 from the 10-second window.
        h.sims.kie().set_settings(KieSettings {
            create_limit_per_10s: 1,
            ..h.sims.kie().settings()
        });
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            outcomes.push(kie::create_task(&h.platform, MODEL, input("a fox"), None).await);
        }
        assert!(outcomes[0].is_ok(), "{:?}", outcomes[0]);
        assert_eq!(outcomes[1], Err(KieError::RateLimited));
    })
    .await;
}

#[tokio::test]
async fn maintenance_server_errors_and_generation_failures_map_to_their_variants() {
    bounded(async {
        let h = harness().await;
        let cases = [
            (
                ForcedError::status(200).code(455),
                KieError::Maintenance,
                true,
            ),
            (ForcedError::status(455), KieError::Maintenance, true),
            (
                ForcedError::status(200).code(500),
                KieError::ServerError,
                true,
            ),
            (ForcedError::status(500), KieError::ServerError, true),
            (
                ForcedError::status(200).code(501),
                KieError::GenerationFailed,
                false,
            ),
            (
                ForcedError::status(200).code(401),
                KieError::Unauthorized,
                false,
            ),
            (
                ForcedError::status(200).code(404),
                KieError::NotFound,
                false,
            ),
        ];
        for (force, expected, retryable) in cases {
            let label = format!("{force:?}");
            force_once(&h.sims, force);
            let err = kie::create_task(&h.platform, MODEL, input("a fox"), None)
                .await
                .expect_err("forced");
            assert_eq!(err, expected, "{label}");
            assert_eq!(err.is_retryable(), retryable, "{label}");
        }

        // A forced message comes through (`msg`), and codes without a variant keep theirs.
        force_once(
            &h.sims,
            ForcedError {
                message: Some("feature off".into()),
                ..ForcedError::status(200).code(505)
            },
        );
        let err = kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect_err("forced");
        assert_eq!(
            err,
            KieError::Other {
                code: 505,
                message: "feature off".into()
            }
        );

        // Random failures are kie's generic server error.
        h.sims
            .kie()
            .set_faults(Faults {
                error_rate: 1.0,
                ..Faults::default()
            })
            .expect("faults set");
        let err = kie::record_info(&h.platform, "task_whatever")
            .await
            .expect_err("random 500");
        assert_eq!(err, KieError::ServerError);
    })
    .await;
}

#[tokio::test]
async fn a_bad_key_is_unauthorized_and_a_missing_one_sends_nothing() {
    bounded(async {
        let h = harness_with(50, &[("KIE_API_KEY", Some("not-the-key".into()))]).await;
        let err = kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect_err("bad key");
        assert_eq!(err, KieError::Unauthorized);
        let err = kie::record_info(&h.platform, "task_x")
            .await
            .expect_err("bad key");
        assert_eq!(err, KieError::Unauthorized);
        assert!(h.sims.kie().tasks().is_empty());

        let h = harness_with(50, &[("KIE_API_KEY", None)]).await;
        let err = kie::create_task(&h.platform, MODEL, input("a fox"), None)
            .await
            .expect_err("no key");
        assert_eq!(err, KieError::NotConfigured);
        assert!(h.sims.kie().tasks().is_empty());
        assert!(matches!(
            UpstreamError::from(err),
            UpstreamError::NotConfigured {
                what: "KIE_API_KEY",
                ..
            }
        ));
    })
    .await;
}

#[tokio::test]
async fn an_unknown_task_is_not_found_even_with_odd_characters() {
    bounded(async {
        let h = harness().await;
        let err = kie::record_info(&h.platform, "task_does_not_exist")
            .await
            .expect_err("unknown");
        assert_eq!(err, KieError::NotFound);
        // The id is query-encoded: `&` and spaces cannot smuggle parameters.
        let err = kie::record_info(&h.platform, "task_x&taskId=y z")
            .await
            .expect_err("unknown");
        assert_eq!(err, KieError::NotFound);
    })
    .await;
}

#[tokio::test]
async fn unreachable_and_non_kie_answers_are_transport_and_protocol_errors() {
    bounded(async {
        let h = harness().await;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let (_d1, closed) = open(config(
            &h.sims,
            &[("KIE_BASE_URL", Some(format!("http://127.0.0.1:{port}")))],
        ))
        .await;
        let err = kie::create_task(&closed, MODEL, input("a fox"), None)
            .await
            .expect_err("unreachable");
        assert!(matches!(err, KieError::Transport(_)), "{err:?}");
        assert!(err.is_retryable());

        // The simulators' root has no kie API: a plain 404 without kie's envelope.
        let (_d2, wrong) = open(config(
            &h.sims,
            &[(
                "KIE_BASE_URL",
                Some(format!("{}/nowhere", h.sims.base_url())),
            )],
        ))
        .await;
        let err = kie::record_info(&wrong, "task_x")
            .await
            .expect_err("not kie");
        assert!(matches!(err, KieError::Protocol(_)), "{err:?}");
        assert!(!err.is_retryable());
    })
    .await;
}

/// Serves `body` with `status` for every request, on a free loopback port.
async fn stub(status: u16, body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::from_u16(status).expect("status"),
            body,
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A platform whose kie is a stub answering `status` and `body` to everything.
async fn stubbed(h: &Harness, status: u16, body: &'static str) -> (TempDir, NativePlatform) {
    let base = stub(status, body).await;
    open(config(&h.sims, &[("KIE_BASE_URL", Some(base))])).await
}

#[tokio::test]
async fn answers_the_simulator_never_gives_are_read_by_status_and_code() {
    bounded(async {
        let h = harness().await;
        let create = |p: NativePlatform| async move {
            kie::create_task(&p, MODEL, input("a fox"), None).await
        };
        let cases: [(u16, &'static str, KieError); 6] = [
            // The other spelling of the message.
            (
                200,
                r#"{"code":422,"message":"bad size","data":null}"#,
                KieError::Validation("bad size".into()),
            ),
            (
                400,
                r#"{"code":400,"msg":"taskId is required"}"#,
                KieError::Validation("taskId is required".into()),
            ),
            // A failing status with a body that claims success: the status wins.
            (
                500,
                r#"{"code":200,"msg":"success"}"#,
                KieError::ServerError,
            ),
            // An edge's error page, no envelope.
            (502, "<html>Bad gateway</html>", KieError::ServerError),
            (429, "", KieError::RateLimited),
            (
                200,
                r#"{"code":505,"msg":"Feature disabled"}"#,
                KieError::Other {
                    code: 505,
                    message: "Feature disabled".into(),
                },
            ),
        ];
        for (status, body, expected) in cases {
            let (_dir, p) = stubbed(&h, status, body).await;
            assert_eq!(create(p).await, Err(expected), "{status} {body}");
        }
        let protocol: [(u16, &'static str); 4] = [
            // Cloudflare's block of a request without a User-Agent.
            (403, "error code: 1010"),
            (200, r#"{"msg":"no code at all"}"#),
            (200, "not json"),
            (200, r#"{"code":200,"msg":"success","data":{}}"#),
        ];
        for (status, body) in protocol {
            let (_dir, p) = stubbed(&h, status, body).await;
            let err = create(p).await.expect_err("unreadable");
            assert!(
                matches!(err, KieError::Protocol(_)),
                "{status} {body}: {err:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn records_are_parsed_defensively() {
    bounded(async {
        let h = harness().await;
        let (_d, p) = stubbed(
            &h,
            200,
            r#"{"code":200,"message":"success","data":{"taskId":"t1","state":"SUCCESS",
                "resultJson":"{\"resultUrls\":[\"https://x/1.png\",\"https://x/2.png\"]}",
                "failCode":"","failMsg":"","somethingNew":{"a":1}}}"#,
        )
        .await;
        let record = kie::record_info(&p, "t1").await.expect("record");
        assert_eq!(record.state, TaskState::Success);
        assert_eq!(record.result_urls, ["https://x/1.png", "https://x/2.png"]);
        assert_eq!((record.fail_code, record.fail_msg), (None, None));

        // failCode as a number; a result on a non-success state is ignored.
        let (_d, p) = stubbed(
            &h,
            200,
            r#"{"code":200,"msg":"success","data":{"taskId":"t1","state":"fail",
                "resultJson":"{\"resultUrls\":[\"https://x/1.png\"]}","failCode":422,"failMsg":"nope"}}"#,
        )
        .await;
        let record = kie::record_info(&p, "t1").await.expect("record");
        assert_eq!(record.state, TaskState::Fail);
        assert!(record.result_urls.is_empty());
        assert_eq!(record.fail_code.as_deref(), Some("422"));
        assert_eq!(record.fail_msg.as_deref(), Some("nope"));

        let unreadable: [&'static str; 4] = [
            r#"{"code":200,"msg":"success","data":{"taskId":"t1","state":"exploded"}}"#,
            r#"{"code":200,"msg":"success","data":{"taskId":"t2","state":"waiting"}}"#,
            r#"{"code":200,"msg":"success","data":{"taskId":"t1","state":"success","resultJson":"{not json"}}"#,
            r#"{"code":200,"msg":"success","data":null}"#,
        ];
        for body in unreadable {
            let (_d, p) = stubbed(&h, 200, body).await;
            let err = kie::record_info(&p, "t1").await.expect_err("unreadable");
            assert!(matches!(err, KieError::Protocol(_)), "{body}: {err:?}");
        }
    })
    .await;
}

#[test]
fn base64_hmac_matches_rfc_4231() {
    use atelier_server::crypto::{hmac_sha256_base64, verify_hmac_sha256_base64};
    // RFC 4231 test case 2: 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843.
    let expected = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";
    let message = b"what do ya want for nothing?";
    assert_eq!(hmac_sha256_base64(b"Jefe", message), expected);
    assert!(verify_hmac_sha256_base64(b"Jefe", message, expected));
    assert!(!verify_hmac_sha256_base64(b"Jeff", message, expected));
    assert!(!verify_hmac_sha256_base64(b"Jefe", b"what?", expected));
    assert!(!verify_hmac_sha256_base64(
        b"Jefe",
        message,
        &expected[..20]
    ));
}

#[test]
fn retryable_errors_are_the_transient_ones() {
    let retryable = [
        KieError::RateLimited,
        KieError::Maintenance,
        KieError::ServerError,
        KieError::Transport("x".into()),
    ];
    let final_ = [
        KieError::NotConfigured,
        KieError::Unauthorized,
        KieError::InsufficientCredits,
        KieError::Validation("x".into()),
        KieError::GenerationFailed,
        KieError::NotFound,
        KieError::Other {
            code: 505,
            message: String::new(),
        },
        KieError::Protocol("x".into()),
    ];
    assert!(retryable.iter().all(KieError::is_retryable));
    assert!(!final_.iter().any(KieError::is_retryable));
}

#[test]
fn errors_answer_clients_as_unavailable() {
    for err in [
        KieError::InsufficientCredits,
        KieError::RateLimited,
        KieError::Validation("x".into()),
        KieError::Transport("x".into()),
    ] {
        assert_eq!(ApiError::from(err).code(), ErrorCode::Unavailable);
    }
}

/// Receives kie's callbacks: (headers, body) of each POST, on a free loopback port.
async fn callback_receiver() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(axum::http::HeaderMap, Value)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/kie/callback",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let tx = tx.clone();
                async move {
                    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let _ = tx.send((headers, body));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/kie/callback"), rx)
}

#[tokio::test]
async fn the_simulators_signed_callback_verifies_and_names_its_task() {
    bounded(async {
        let h = harness().await;
        let (url, mut received) = callback_receiver().await;
        let task_id = kie::create_task(&h.platform, MODEL, input("a fox"), Some(&url))
            .await
            .expect("created");
        let (headers, body) = tokio::time::timeout(Duration::from_secs(20), received.recv())
            .await
            .expect("the callback arrives")
            .expect("the receiver is alive");
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .expect("header present")
                .to_owned()
        };
        let timestamp = header("x-webhook-timestamp");
        let signature = header("x-webhook-signature");
        let named = callback_task_id(&body).expect("the body names the task");
        assert_eq!(named, task_id);

        let key = h
            .platform
            .config()
            .kie_webhook_hmac_key
            .clone()
            .expect("the simulators sign callbacks");
        let now = h.platform.now_ms();
        assert!(verify_callback(
            key.expose(),
            &named,
            &timestamp,
            &signature,
            now
        ));
        assert!(!verify_callback(
            "another-key",
            &named,
            &timestamp,
            &signature,
            now
        ));
        assert!(!verify_callback(
            key.expose(),
            "task_other",
            &timestamp,
            &signature,
            now
        ));

        // Confirm with recordInfo, as the real handler must.
        let record = kie::record_info(&h.platform, &named).await.expect("record");
        assert_eq!(record.state, TaskState::Success);
        assert!(!record.result_urls.is_empty());
    })
    .await;
}

#[test]
fn callback_signatures_reject_tampering_and_stale_or_future_timestamps() {
    let key = "kie-sim-hmac";
    let task = "task_abc123";
    let now_ms: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    let now_s = u64::try_from(now_ms / 1000).expect("positive");
    let sign = |ts: u64| kie_signature(key, task, ts);
    let check = |ts: &str, sig: &str| verify_callback(key, task, ts, sig, now_ms);

    assert!(check(&now_s.to_string(), &sign(now_s)));
    // Within the window either way.
    assert!(check(&(now_s - 299).to_string(), &sign(now_s - 299)));
    assert!(check(&(now_s + 299).to_string(), &sign(now_s + 299)));
    // Padding may be dropped; whitespace around headers is tolerated.
    assert!(check(&now_s.to_string(), sign(now_s).trim_end_matches('=')));
    assert!(check(&format!(" {now_s} "), &format!(" {} ", sign(now_s))));

    // Stale or from the future: a replay or a wrong clock.
    assert!(!check(&(now_s - 301).to_string(), &sign(now_s - 301)));
    assert!(!check(&(now_s + 301).to_string(), &sign(now_s + 301)));
    // A timestamp in milliseconds is not seconds.
    let ms = u64::try_from(now_ms).expect("positive");
    assert!(!check(&ms.to_string(), &sign(ms)));

    // Tampering: the signature of another timestamp, task or key; a flipped character.
    assert!(!check(&now_s.to_string(), &sign(now_s - 1)));
    assert!(!check(
        &now_s.to_string(),
        &kie_signature(key, "task_other", now_s)
    ));
    assert!(!check(
        &now_s.to_string(),
        &kie_signature("other-key", task, now_s)
    ));
    let good = sign(now_s);
    let mut flipped = good.clone().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    assert!(!check(&now_s.to_string(), &flipped));

    // Garbage and absence.
    assert!(!check("", &good));
    assert!(!check("soon", &good));
    assert!(!check("-1", &good));
    assert!(!check(&now_s.to_string(), ""));
    assert!(!check(&now_s.to_string(), "!!not base64!!"));
    assert!(!verify_callback(
        "",
        task,
        &now_s.to_string(),
        &kie_signature("", task, now_s),
        now_ms
    ));
    assert!(!verify_callback(
        key,
        "",
        &now_s.to_string(),
        &kie_signature(key, "", now_s),
        now_ms
    ));
}

#[test]
fn callback_task_id_reads_both_spellings() {
    let camel =
        json!({"code": 200, "msg": "success", "data": {"taskId": "task_1", "state": "success"}});
    assert_eq!(callback_task_id(&camel).as_deref(), Some("task_1"));
    let snake = json!({"code": 200, "data": {"task_id": "task_2", "info": {"result_urls": []}}});
    assert_eq!(callback_task_id(&snake).as_deref(), Some("task_2"));
    let both = json!({"data": {"taskId": "task_3", "task_id": "task_4"}});
    assert_eq!(callback_task_id(&both).as_deref(), Some("task_3"));
    let empty_camel = json!({"data": {"taskId": "", "task_id": "task_5"}});
    assert_eq!(callback_task_id(&empty_camel).as_deref(), Some("task_5"));

    for body in [
        json!({"taskId": "task_top_level"}),
        json!({"data": null}),
        json!({"data": {"taskId": 42}}),
        json!({"data": {"state": "success"}}),
        json!("task_1"),
    ] {
        assert_eq!(callback_task_id(&body), None, "{body}");
    }
}

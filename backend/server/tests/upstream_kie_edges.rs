//! The kie.ai jobs client's edges: answers the simulator never gives, defensive parsing, the
//! mapping of errors, and kie's signed callbacks.
#![cfg(feature = "native")]

mod kie_support;

use std::time::Duration;

use atelier_api::ErrorCode;
use atelier_server::error::ApiError;
use atelier_server::native::NativePlatform;
use atelier_server::platform::Platform;
use atelier_server::upstream::kie::{self, KieError, TaskState, callback_task_id, verify_callback};
use atelier_simulators::kie_signature;
use kie_support::*;
use serde_json::{Value, json};

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

//! The kie.ai jobs client against the kie simulator: the task lifecycle to real PNGs, and
//! failures in both of kie's forms (HTTP 200 with a body code, real HTTP statuses).
#![cfg(feature = "native")]

mod kie_support;

use std::time::Duration;

use atelier_server::platform::{Http, OutboundRequest};
use atelier_server::upstream::UpstreamError;
use atelier_server::upstream::kie::{self, KieError, TaskState};
use atelier_simulators::{Faults, ForcedError, KieSettings};
use kie_support::*;
use serde_json::json;

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

//! The Creem moderation client against the Creem simulator (and two tiny stand-ins for answers the
//! simulator never gives): decisions, the request it sends, and every way it must fail closed.
#![cfg(feature = "native")]

use std::future::Future;
use std::time::{Duration, Instant};

use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::upstream::UpstreamError;
use atelier_server::upstream::creem::{self, Screening, TIMEOUT, Verdict};
use atelier_simulators::{Faults, ForcedError, SimulatorOptions, Simulators};
use tempfile::TempDir;

/// No test may run longer than this, whatever the simulators do.
const TEST_LIMIT: Duration = Duration::from_secs(60);

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

/// Fresh simulators plus a native platform pointed at them.
async fn harness(overrides: &[(&str, Option<String>)]) -> Harness {
    let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
        .await
        .expect("simulators start");
    let (dir, platform) = open(config(&sims, overrides)).await;
    Harness {
        sims,
        platform,
        _dir: dir,
    }
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
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn decisions_follow_the_simulator_rules_and_the_request_is_well_formed() {
    bounded(async {
        let h = harness(&[]).await;
        let cases = [
            ("a watercolour fox", Verdict::Allow),
            ("a [flag] fox", Verdict::Flag),
            ("a Forbidden fox", Verdict::Deny),
            ("[deny] and [flag]", Verdict::Deny),
        ];
        for (i, (prompt, expected)) in cases.iter().enumerate() {
            let external_id = format!("gen_{i}");
            let Screening {
                verdict,
                moderation_id,
            } = creem::screen_prompt(&h.platform, prompt, &external_id)
                .await
                .expect("screened");
            assert_eq!(verdict, *expected, "prompt {prompt:?}");
            assert_eq!(verdict.allows(), *expected == Verdict::Allow);
            let id = moderation_id.expect("Creem's id is kept");
            assert!(id.starts_with("modr_"), "id {id}");
        }

        let requests = h.sims.creem().requests();
        assert_eq!(
            requests.len(),
            cases.len(),
            "one request per screen, no retries"
        );
        let first = &requests[0];
        assert_eq!(first.status, 200);
        assert_eq!(first.prompt.as_deref(), Some("a watercolour fox"));
        assert_eq!(first.external_id.as_deref(), Some("gen_0"));
        assert_eq!(
            first.headers.get("x-api-key").map(String::as_str),
            Some(h.sims.creem().api_key())
        );
        assert_eq!(
            first.headers.get("content-type").map(String::as_str),
            Some("application/json")
        );
        let agent = first.headers.get("user-agent").expect("a User-Agent");
        assert!(agent.starts_with("atelier-server/"), "user-agent {agent}");
        let body: serde_json::Value = serde_json::from_str(&first.body).expect("JSON body");
        assert_eq!(
            body,
            serde_json::json!({"prompt": "a watercolour fox", "external_id": "gen_0"})
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_error_is_an_error_and_is_not_retried() {
    bounded(async {
        let h = harness(&[]).await;
        h.sims
            .creem()
            .set_faults(Faults {
                force: Some(ForcedError::status(500)),
                ..Faults::default()
            })
            .expect("faults set");
        let err = creem::screen_prompt(&h.platform, "a fox", "gen_1")
            .await
            .expect_err("a 500 blocks");
        assert!(
            matches!(err, UpstreamError::Refused { status: 500, .. }),
            "{err:?}"
        );
        assert_eq!(
            h.sims.creem().requests().len(),
            1,
            "screens are billed: no retry"
        );

        // A random failure renders as Creem's generic 500 too.
        h.sims
            .creem()
            .set_faults(Faults {
                error_rate: 1.0,
                ..Faults::default()
            })
            .expect("faults set");
        let err = creem::screen_prompt(&h.platform, "a fox", "gen_2")
            .await
            .expect_err("a random 500 blocks");
        assert!(matches!(err, UpstreamError::Refused { status: 500, .. }));
    })
    .await;
}

#[tokio::test]
async fn an_answer_slower_than_the_time_out_is_an_error() {
    bounded(async {
        let h = harness(&[]).await;
        let latency = TIMEOUT + Duration::from_millis(1500);
        h.sims
            .creem()
            .set_faults(Faults {
                latency_ms: u64::try_from(latency.as_millis()).expect("fits"),
                ..Faults::default()
            })
            .expect("faults set");
        let started = Instant::now();
        let err = creem::screen_prompt(&h.platform, "a fox", "gen_1")
            .await
            .expect_err("a time-out blocks");
        let waited = started.elapsed();
        assert!(matches!(err, UpstreamError::Transport { .. }), "{err:?}");
        assert!(
            waited >= TIMEOUT - Duration::from_millis(100) && waited < latency,
            "gave up after {waited:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_missing_key_fails_without_a_request_and_a_wrong_key_is_refused() {
    bounded(async {
        let h = harness(&[("CREEM_API_KEY", None)]).await;
        let err = creem::screen_prompt(&h.platform, "a fox", "gen_1")
            .await
            .expect_err("no key, no screen");
        assert!(
            matches!(
                err,
                UpstreamError::NotConfigured {
                    what: "CREEM_API_KEY",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(h.sims.creem().requests().is_empty());

        let h = harness(&[("CREEM_API_KEY", Some("creem_test_wrong".into()))]).await;
        let err = creem::screen_prompt(&h.platform, "a fox", "gen_1")
            .await
            .expect_err("a wrong key blocks");
        match err {
            UpstreamError::Refused {
                status, message, ..
            } => {
                assert_eq!(status, 403);
                assert!(message.contains("Invalid API key"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn a_200_without_a_decision_is_an_error() {
    bounded(async {
        // The simulator's forced error with HTTP 200: Creem's error envelope, no `decision`.
        let h = harness(&[]).await;
        h.sims
            .creem()
            .set_faults(Faults {
                force: Some(ForcedError::status(200).times(1)),
                ..Faults::default()
            })
            .expect("faults set");
        let err = creem::screen_prompt(&h.platform, "a fox", "gen_1")
            .await
            .expect_err("no decision blocks");
        assert!(matches!(err, UpstreamError::Transport { .. }), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn unknown_decisions_and_garbage_fail_closed_but_unknown_fields_are_ignored() {
    bounded(async {
        let h = harness(&[]).await;
        let with_base = |base: String| open(config(&h.sims, &[("CREEM_BASE_URL", Some(base))]));

        let (_d1, review) =
            with_base(stub(200, r#"{"id":"modr_1","decision":"review"}"#).await).await;
        let err = creem::screen_prompt(&review, "a fox", "gen_1")
            .await
            .expect_err("an unknown decision blocks");
        assert!(format!("{err}").contains("review"), "{err}");

        let (_d5, shouting) =
            with_base(stub(200, r#"{"id":"modr_3","decision":" FLAG "}"#).await).await;
        let screening = creem::screen_prompt(&shouting, "a fox", "gen_1")
            .await
            .expect("case and spaces do not matter");
        assert_eq!(screening.verdict, Verdict::Flag);
        assert!(!screening.verdict.allows());

        let (_d6, anonymous) = with_base(stub(200, r#"{"decision":"deny"}"#).await).await;
        let screening = creem::screen_prompt(&anonymous, "a fox", "gen_1")
            .await
            .expect("an id is not required");
        assert_eq!(
            screening,
            Screening {
                verdict: Verdict::Deny,
                moderation_id: None
            }
        );

        let (_d2, garbage) = with_base(stub(200, "<html>hello</html>").await).await;
        assert!(
            creem::screen_prompt(&garbage, "a fox", "gen_1")
                .await
                .is_err()
        );

        let (_d3, richer) = with_base(
            stub(
                200,
                r#"{"id":"modr_2","object":"moderation_result","decision":"allow",
                    "categories":{"violence":0.01},"usage":{"units":1},"new_field":[1,2]}"#,
            )
            .await,
        )
        .await;
        let screening = creem::screen_prompt(&richer, "a fox", "gen_1")
            .await
            .expect("unknown fields are ignored");
        assert_eq!(screening.verdict, Verdict::Allow);
        assert_eq!(screening.moderation_id.as_deref(), Some("modr_2"));

        // A closed port: transport error.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let (_d4, closed) = with_base(format!("http://127.0.0.1:{port}")).await;
        let err = creem::screen_prompt(&closed, "a fox", "gen_1")
            .await
            .expect_err("unreachable blocks");
        assert!(matches!(err, UpstreamError::Transport { .. }), "{err:?}");
    })
    .await;
}

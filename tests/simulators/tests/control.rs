//! Cross-service control: faults over HTTP, reset, env, binding rules, and the binary.

mod common;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atelier_simulators::{Faults, ForcedError, SimulatorOptions, spawn};
use common::{client, json, start, start_default};
use serde_json::{Value, json};

async fn kie_create(base: &str) -> reqwest::Response {
    client()
        .post(format!("{base}/kie/api/v1/jobs/createTask"))
        .header("Authorization", "Bearer kie-sim-key")
        .json(&json!({"model": "google/nano-banana", "input": {"prompt": "cat"}}))
        .send()
        .await
        .expect("answers")
}

async fn put_faults(base: &str, svc: &str, faults: Value) -> reqwest::Response {
    client()
        .put(format!("{base}/{svc}/__control/faults"))
        .json(&faults)
        .send()
        .await
        .expect("answers")
}

#[tokio::test]
async fn kie_forced_codes_in_both_http_shapes() {
    let sims = start_default().await;
    let base = sims.base_url();
    for (faults, http, code) in [
        (json!({"force": {"status": 200, "code": 402}}), 200, 402),
        (json!({"force": {"status": 200, "code": 429}}), 200, 429),
        (json!({"force": {"status": 429, "code": 429}}), 429, 429),
        (json!({"force": {"status": 429}}), 429, 429),
        (json!({"force": {"status": 200, "code": 455}}), 200, 455),
        (json!({"force": {"status": 200, "code": 501}}), 200, 501),
        (json!({"error_rate": 1.0}), 200, 500),
    ] {
        assert_eq!(put_faults(&base, "kie", faults.clone()).await.status(), 200);
        let response = kie_create(&base).await;
        assert_eq!(response.status(), http, "{faults}");
        let body = json(response).await;
        assert_eq!(body["code"], code, "{faults}");
        assert!(body["msg"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(sims.kie().tasks().is_empty());

    let current = json(
        client()
            .get(format!("{base}/kie/__control/faults"))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(current["error_rate"], 1.0);
    assert_eq!(put_faults(&base, "kie", json!({})).await.status(), 200);
    assert_eq!(json(kie_create(&base).await).await["code"], 200);
}

#[tokio::test]
async fn forced_errors_can_be_limited_to_a_number_of_requests() {
    let sims = start_default().await;
    let base = sims.base_url();
    put_faults(
        &base,
        "kie",
        json!({"force": {"status": 200, "code": 500, "times": 2}}),
    )
    .await;
    assert_eq!(json(kie_create(&base).await).await["code"], 500);
    assert_eq!(json(kie_create(&base).await).await["code"], 500);
    assert_eq!(json(kie_create(&base).await).await["code"], 200);
    assert!(sims.kie().faults().force.is_none());
}

#[tokio::test]
async fn bad_fault_settings_are_refused() {
    let sims = start_default().await;
    let base = sims.base_url();
    for svc in ["kie", "creem", "resend", "posthog", "sentry"] {
        for bad in [
            json!({"error_rate": 1.5}),
            json!({"force": {"status": 42}}),
            json!({"latency": 5}),
            json!({"force": {"status": 500, "times": 0}}),
        ] {
            assert_eq!(
                put_faults(&base, svc, bad.clone()).await.status(),
                400,
                "{svc} {bad}"
            );
        }
        let get = client()
            .get(format!("{base}/{svc}/__control/faults"))
            .send()
            .await
            .expect("answers");
        assert_eq!(
            json(get).await,
            json!({"error_rate": 0.0, "latency_ms": 0, "force": null})
        );
    }
    assert!(
        sims.creem()
            .set_faults(Faults {
                error_rate: -0.1,
                ..Faults::default()
            })
            .is_err()
    );
}

#[tokio::test]
async fn latency_delays_answers() {
    let sims = start_default().await;
    let base = sims.base_url();
    put_faults(&base, "creem", json!({"latency_ms": 300})).await;
    let started = Instant::now();
    let response = client()
        .post(format!("{base}/creem/v1/moderation/prompt"))
        .header("x-api-key", "creem_test_sim")
        .json(&json!({"prompt": "cat"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Timeouts in a client meet the latency as they would a slow upstream.
    let impatient = reqwest::Client::builder()
        .user_agent("t")
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let result = impatient
        .post(format!("{base}/creem/v1/moderation/prompt"))
        .header("x-api-key", "creem_test_sim")
        .json(&json!({"prompt": "cat"}))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
}

#[tokio::test]
async fn posthog_and_sentry_faults_use_their_shapes() {
    let sims = start_default().await;
    let base = sims.base_url();
    put_faults(&base, "posthog", json!({"force": {"status": 503}})).await;
    let response = client()
        .post(format!("{base}/posthog/i/v0/e/"))
        .json(&json!({"api_key": "phc_sim_key", "event": "x", "distinct_id": "u"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 503);
    assert!(json(response).await["detail"].is_string());
    assert!(sims.posthog().events().is_empty());
    assert_eq!(sims.posthog().requests().len(), 1);

    sims.sentry()
        .set_faults(Faults {
            force: Some(ForcedError::status(429).retry_after(30)),
            ..Faults::default()
        })
        .expect("valid");
    let response = client()
        .post(format!(
            "{base}/sentry/api/1/envelope/?sentry_key=sentrysimkey"
        ))
        .body("{}\n")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 429);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("30")
    );
    assert!(response.headers().get("x-sentry-rate-limits").is_some());
}

#[tokio::test]
async fn reset_clears_state_and_faults() {
    let sims = start_default().await;
    let base = sims.base_url();
    kie_create(&base).await;
    let mut rules = sims.creem().rules();
    rules.deny.push("cat".into());
    sims.creem().set_rules(rules);
    put_faults(&base, "resend", json!({"error_rate": 1.0})).await;
    assert_eq!(sims.kie().tasks().len(), 1);

    let reset = client()
        .post(format!("{base}/__control/reset"))
        .send()
        .await
        .expect("answers");
    assert_eq!(reset.status(), 200);
    assert!(sims.kie().tasks().is_empty());
    assert_eq!(sims.resend().faults(), Faults::default());
    assert!(!sims.creem().rules().deny.contains(&"cat".to_owned()));
}

#[tokio::test]
async fn env_points_at_this_instance() {
    let sims = start_default().await;
    let env: std::collections::HashMap<String, String> = sims.env().into_iter().collect();
    let base = sims.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(env["KIE_BASE_URL"], format!("{base}/kie"));
    assert_eq!(env["KIE_API_KEY"], "kie-sim-key");
    assert_eq!(env["KIE_WEBHOOK_HMAC_KEY"], "kie-sim-hmac");
    assert_eq!(env["CREEM_BASE_URL"], format!("{base}/creem"));
    assert_eq!(env["CREEM_API_KEY"], "creem_test_sim");
    assert_eq!(env["CREEM_WEBHOOK_SECRET"], "whsec_sim_atelier");
    assert_eq!(
        env["ATELIER_CREDIT_PACKS"],
        atelier_simulators::default_credit_packs_json()
    );
    assert_eq!(env["RESEND_BASE_URL"], format!("{base}/resend"));
    assert_eq!(env["RESEND_API_KEY"], "re_sim_key");
    assert_eq!(env["POSTHOG_HOST"], format!("{base}/posthog"));
    assert_eq!(env["POSTHOG_KEY"], "phc_sim_key");
    assert_eq!(env["SENTRY_DSN"], sims.sentry_dsn());
    assert_eq!(env["ATELIER_ALLOW_LOCAL_RESULTS"], "1");
    assert_eq!(env.len(), 13);
}

#[tokio::test]
async fn refuses_non_loopback_addresses_and_honours_public_url() {
    let options = SimulatorOptions {
        listen: Some(SocketAddr::from(([0, 0, 0, 0], 0))),
        ..SimulatorOptions::default()
    };
    let refused = spawn(options).await.err().expect("refused");
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);

    let mut options = SimulatorOptions {
        public_url: Some("http://sims.localhost:9999/".into()),
        ..SimulatorOptions::default()
    };
    options.kie.settings.step_ms = 0;
    let sims = start(options).await;
    assert_eq!(sims.kie_url(), "http://sims.localhost:9999/kie");
    assert_eq!(
        sims.sentry_dsn(),
        "http://sentrysimkey@sims.localhost:9999/sentry/1"
    );
    let reply = json(kie_create(&sims.base_url()).await).await;
    let id = reply["data"]["taskId"]
        .as_str()
        .expect("task id")
        .to_owned();
    let task = sims.kie().task(&id).expect("task");
    assert_eq!(
        task.result_urls,
        [format!("http://sims.localhost:9999/kie/files/{id}/0.png")]
    );

    let bad = SimulatorOptions {
        public_url: Some("sims.localhost".into()),
        ..SimulatorOptions::default()
    };
    assert!(spawn(bad).await.is_err());
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sims = start_default().await;
    let base = sims.base_url();
    assert!(client().get(&base).send().await.is_ok());
    sims.shutdown().await;
    assert!(client().get(&base).send().await.is_err());
}

/// Kills the child if the test fails before it exits by itself.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[tokio::test]
async fn binary_prints_one_json_line_and_stops_on_sigterm() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_atelier-simulators"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--creem-webhook-url",
                "http://127.0.0.1:9/webhooks/creem",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(20), line)
        .await
        .expect("prints in time")
        .expect("join")
        .expect("reads");
    let announced: Value = serde_json::from_str(&line).expect("one JSON line");
    let base = announced["base_url"].as_str().expect("base_url").to_owned();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(
        announced["env"]["RESEND_BASE_URL"],
        format!("{base}/resend")
    );
    assert_eq!(announced["env"].as_object().map(|e| e.len()), Some(13));
    let webhook = client()
        .get(format!("{base}/creem/__control/webhook"))
        .send()
        .await
        .expect("serving");
    assert_eq!(
        json(webhook).await["url"],
        "http://127.0.0.1:9/webhooks/creem"
    );

    let mailbox = client()
        .get(format!("{base}/resend/emails"))
        .send()
        .await
        .expect("serving");
    assert_eq!(json(mailbox).await, json!([]));

    let pid = child.0.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.0.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "clean exit: {exit:?}");
}

#[test]
fn binary_refuses_non_loopback_and_bad_args() {
    for args in [&["--listen", "0.0.0.0:0"][..], &["--frobnicate"][..]] {
        let output = Command::new(env!("CARGO_BIN_EXE_atelier-simulators"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

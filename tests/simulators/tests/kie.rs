//! kie.ai simulator: auth quirks, task lifecycle, images, expiry, callbacks, limits.

mod common;

use std::time::{Duration, Instant};

use atelier_simulators::kie::DEFAULT_HMAC_KEY;
use atelier_simulators::{SimulatorOptions, kie_signature};
use base64::Engine as _;
use common::kie::{
    bearer, create, create_ok, decode_png, download, receiver, record, result_urls, wait_terminal,
};
use common::{client, client_without_user_agent, eventually, json, start, start_default};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

#[tokio::test]
async fn refuses_missing_user_agent_and_bad_auth_with_kie_quirks() {
    let sims = start_default().await;
    let url = format!("{}/api/v1/jobs/createTask", sims.kie_url());
    let body = json!({"model": "google/nano-banana", "input": {"prompt": "cat"}});

    let blocked = client_without_user_agent()
        .post(&url)
        .header("Authorization", bearer())
        .json(&body)
        .send()
        .await
        .expect("answers");
    assert_eq!(blocked.status(), 403);
    assert_eq!(blocked.text().await.expect("text"), "error code: 1010");

    for auth in [
        None,
        Some("Bearer wrong-key"),
        Some("Basic a2llLXNpbS1rZXk="),
    ] {
        let mut request = client().post(&url).json(&body);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.expect("answers");
        // kie's quirk: HTTP 200, the real status in the body.
        assert_eq!(response.status(), 200);
        let reply = json(response).await;
        assert_eq!(reply["code"], 401);
        assert_eq!(reply["msg"], "You do not have access permissions");
        assert!(reply["data"].is_null());
    }
    assert!(sims.kie().tasks().is_empty());
}

#[tokio::test]
async fn validates_create_requests_with_code_422() {
    let sims = start_default().await;
    for body in [
        json!({"model": "no/such-model", "input": {"prompt": "cat"}}),
        json!({"model": "google/nano-banana", "input": {}}),
        json!({"model": "google/nano-banana", "input": {"prompt": "  "}}),
        json!({"model": "google/nano-banana"}),
        json!({"input": {"prompt": "cat"}}),
        json!({"model": "bytedance/seedream-v4-text-to-image", "input": {"prompt": "cat", "max_images": 7}}),
        json!({"model": "google/nano-banana", "input": {"prompt": "cat", "image_size": "100:1"}}),
    ] {
        let reply = create(&sims, body.clone()).await;
        assert_eq!(reply["code"], 422, "{body} → {reply}");
    }
    let raw = client()
        .post(format!("{}/api/v1/jobs/createTask", sims.kie_url()))
        .header("Authorization", bearer())
        .body("{not json")
        .send()
        .await
        .expect("answers");
    assert_eq!(json(raw).await["code"], 422);
    assert!(sims.kie().tasks().is_empty());
}

#[tokio::test]
async fn record_info_walks_the_states_and_returns_string_fields() {
    let mut options = SimulatorOptions::default();
    // Long enough steps that a poll every 25 ms sees each state even on a loaded machine.
    options.kie.settings.step_ms = 300;
    let sims = start(options).await;
    let request = json!({
        "model": "bytedance/seedream-v4-text-to-image",
        "input": {"prompt": "a lighthouse at dusk", "max_images": 3, "image_size": "landscape_16_9"}
    });
    let task_id = create_ok(&sims, request.clone()).await;

    let mut states: Vec<String> = Vec::new();
    let started = Instant::now();
    let last = loop {
        let reply = record(&sims, &task_id).await;
        assert_eq!(reply["code"], 200);
        let state = reply["data"]["state"].as_str().expect("state").to_owned();
        if states.last() != Some(&state) {
            states.push(state.clone());
        }
        if state == "success" || state == "fail" {
            break reply["data"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never finished: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(states, ["waiting", "queuing", "generating", "success"]);

    assert_eq!(last["taskId"], task_id.as_str());
    assert_eq!(last["model"], "bytedance/seedream-v4-text-to-image");
    let param: Value = serde_json::from_str(last["param"].as_str().expect("param is a string"))
        .expect("param parses");
    assert_eq!(param, request);
    let urls = result_urls(&last);
    assert_eq!(urls.len(), 3);
    assert_eq!(urls[0], format!("{}/files/{task_id}/0.png", sims.kie_url()));
    assert_eq!(last["failCode"], "");
    assert_eq!(last["failMsg"], "");
    let create_time = last["createTime"].as_i64().expect("createTime");
    let complete_time = last["completeTime"].as_i64().expect("completeTime");
    assert_eq!(complete_time - create_time, 900);
    assert_eq!(last["costTime"], 900);
    assert_eq!(last["updateTime"], complete_time);

    // Unknown ids and missing ids answer in the body, as kie does.
    assert_eq!(record(&sims, "task_nope").await["code"], 404);
    let missing = client()
        .get(format!("{}/api/v1/jobs/recordInfo", sims.kie_url()))
        .header("Authorization", bearer())
        .send()
        .await
        .expect("answers");
    assert_eq!(json(missing).await["code"], 400);
}

#[tokio::test]
async fn tasks_are_private_to_the_key_that_made_them() {
    let mut options = SimulatorOptions::default();
    options.kie.api_keys.push("second-account".into());
    let sims = start(options).await;
    let task_id = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "cat"}}),
    )
    .await;
    let other = client()
        .get(format!(
            "{}/api/v1/jobs/recordInfo?taskId={task_id}",
            sims.kie_url()
        ))
        .header("Authorization", "Bearer second-account")
        .send()
        .await
        .expect("answers");
    assert_eq!(json(other).await["code"], 404);
}

#[tokio::test]
async fn magic_prompts_fail_with_kie_fail_codes() {
    let sims = start_default().await;
    let prohibited = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "something Prohibited here"}}),
    )
    .await;
    let fail = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "x [fail] y"}}),
    )
    .await;

    let data = wait_terminal(&sims, &prohibited).await["data"].clone();
    assert_eq!(data["state"], "fail");
    assert_eq!(data["failCode"], "422");
    assert_eq!(
        data["failMsg"],
        "Invalid prompt: prompt contains prohibited content"
    );
    assert_eq!(data["resultJson"], "");

    let data = wait_terminal(&sims, &fail).await["data"].clone();
    assert_eq!(data["state"], "fail");
    assert_eq!(data["failCode"], "501");

    // A failed task has no files.
    let url = format!("{}/files/{prohibited}/0.png", sims.kie_url());
    assert_eq!(download(&url).await.status(), 404);
}

#[tokio::test]
async fn results_are_real_pngs_shaped_by_aspect_and_prompt() {
    let sims = start_default().await;
    let wide = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "red fox in snow", "image_size": "16:9", "n": 2}}),
    )
    .await;
    let tall = create_ok(
        &sims,
        json!({"model": "nano-banana-pro", "input": {"prompt": "blue whale", "aspect_ratio": "9:16"}}),
    )
    .await;
    let again = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "red fox in snow", "image_size": "16:9"}}),
    )
    .await;

    // Before success there is nothing to download.
    let early = download(&format!("{}/files/{wide}/0.png", sims.kie_url())).await;
    assert_eq!(early.status(), 404);

    let wide_urls = result_urls(&wait_terminal(&sims, &wide).await["data"]);
    let tall_urls = result_urls(&wait_terminal(&sims, &tall).await["data"]);
    let again_urls = result_urls(&wait_terminal(&sims, &again).await["data"]);
    assert_eq!(wide_urls.len(), 2);

    let fetch = |url: String| async move {
        let response = download(&url).await;
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/png")
        );
        response.bytes().await.expect("bytes").to_vec()
    };
    let fox0 = fetch(wide_urls[0].clone()).await;
    let fox1 = fetch(wide_urls[1].clone()).await;
    let whale = fetch(tall_urls[0].clone()).await;
    let fox_again = fetch(again_urls[0].clone()).await;

    assert_eq!(decode_png(&fox0), (1024, 576));
    assert_eq!(decode_png(&fox1), (1024, 576));
    assert_eq!(decode_png(&whale), (576, 1024));
    assert_ne!(fox0, fox1, "variants of one prompt differ");
    assert_ne!(fox0[..], whale[..], "different prompts differ");
    assert_eq!(fox0, fox_again, "same prompt and index give the same bytes");

    let past_end = download(&format!("{}/files/{wide}/2.png", sims.kie_url())).await;
    assert_eq!(past_end.status(), 404);
}

#[tokio::test]
async fn result_urls_expire_after_the_configured_ttl() {
    let sims = start_default().await;
    let settings = client()
        .put(format!("{}/__control/settings", sims.kie_url()))
        .json(&json!({"result_ttl_ms": 400}))
        .send()
        .await
        .expect("settings answer");
    assert_eq!(settings.status(), 200);
    assert_eq!(json(settings).await["result_ttl_ms"], 400);

    let task_id = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "cat"}}),
    )
    .await;
    let data = wait_terminal(&sims, &task_id).await["data"].clone();
    let url = result_urls(&data).remove(0);
    assert_eq!(download(&url).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(download(&url).await.status(), 404);
    // recordInfo still describes the task; only the file is gone.
    assert_eq!(record(&sims, &task_id).await["data"]["state"], "success");
}

#[tokio::test]
async fn result_files_can_be_what_a_hostile_host_would_serve() {
    let sims = start_default().await;
    let task_id = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "cat"}}),
    )
    .await;
    let data = wait_terminal(&sims, &task_id).await["data"].clone();
    let url = result_urls(&data).remove(0);
    let serve = |file: Value| {
        let settings = format!("{}/__control/settings", sims.kie_url());
        async move {
            let answer = client()
                .put(settings)
                .json(&json!({ "result_file": file }))
                .send()
                .await
                .expect("settings answer");
            assert_eq!(answer.status(), 200);
        }
    };

    serve(json!({"kind": "redirect", "location": "https://10.0.0.1/x.png"})).await;
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("atelier-simulator-tests/1")
        .build()
        .expect("client builds");
    let redirect = no_follow.get(&url).send().await.expect("answers");
    assert_eq!(redirect.status(), 302);
    assert_eq!(redirect.headers()["location"], "https://10.0.0.1/x.png");

    serve(json!({"kind": "oversized", "bytes": 3_000_000})).await;
    let oversized = download(&url).await;
    assert_eq!(oversized.status(), 200);
    assert!(oversized.content_length().is_none(), "a Content-Length");
    let bytes = oversized.bytes().await.expect("body");
    assert_eq!(bytes.len(), 3_000_000);
    assert!(bytes.starts_with(b"\x89PNG"));

    serve(json!({"kind": "bomb", "width": 3000, "height": 2000})).await;
    let bomb = download(&url).await.bytes().await.expect("body");
    // 6 MB of pixels in about 38 KB.
    assert!(bomb.len() < 50_000, "{} bytes", bomb.len());
    let header = png::Decoder::new(std::io::Cursor::new(&bomb[..]))
        .read_info()
        .expect("a PNG header")
        .info()
        .clone();
    assert_eq!((header.width, header.height), (3000, 2000));

    serve(json!({"kind": "image"})).await;
    let (width, _) = decode_png(&download(&url).await.bytes().await.expect("body"));
    assert!(width > 0);
}

fn verify(key: &str, task_id: &str, timestamp: &str, signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(format!("{task_id}.{timestamp}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    expected == signature
}

#[tokio::test]
async fn signed_callbacks_reach_the_receiver_once() {
    let sims = start_default().await;
    let (url, received) = receiver().await;
    let ok = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "callBackUrl": url, "input": {"prompt": "cat"}}),
    )
    .await;
    let failed = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "callBackUrl": url, "input": {"prompt": "prohibited"}}),
    )
    .await;

    let got = eventually(Duration::from_secs(10), || async {
        let got = received.lock().expect("not poisoned").clone();
        (got.len() >= 2).then_some(got)
    })
    .await
    .expect("two callbacks arrive");
    // Give a duplicate the chance to show up before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        received.lock().expect("not poisoned").len(),
        2,
        "each task calls back once"
    );

    for (headers, body) in &got {
        let task_id = body["data"]["taskId"].as_str().expect("taskId");
        let timestamp = headers
            .get("x-webhook-timestamp")
            .and_then(|v| v.to_str().ok())
            .expect("timestamp header");
        let signature = headers
            .get("x-webhook-signature")
            .and_then(|v| v.to_str().ok())
            .expect("signature header");
        let seconds: u64 = timestamp.parse().expect("unix seconds");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        assert!(now.abs_diff(seconds) < 60);
        assert!(
            verify(DEFAULT_HMAC_KEY, task_id, timestamp, signature),
            "signature verifies"
        );
        assert!(!verify("another-key", task_id, timestamp, signature));
        assert_eq!(kie_signature(DEFAULT_HMAC_KEY, task_id, seconds), signature);
        assert!(body["data"]["param"].is_string());
        assert!(body["data"]["resultJson"].is_string());
    }
    let by_id = |id: &str| {
        got.iter()
            .find(|(_, b)| b["data"]["taskId"] == id)
            .map(|(_, b)| b.clone())
            .expect("callback for task")
    };
    let success = by_id(&ok);
    assert_eq!(success["code"], 200);
    assert_eq!(success["data"]["state"], "success");
    assert_eq!(result_urls(&success["data"]).len(), 1);
    let fail = by_id(&failed);
    assert_eq!(fail["code"], 501);
    assert_eq!(fail["data"]["state"], "fail");
    assert_eq!(fail["data"]["failCode"], "422");

    let task = sims.kie().task(&ok).expect("task recorded");
    assert_eq!(task.callback_status, "delivered");
    assert_eq!(task.callback.and_then(|c| c.status), Some(200));
}

#[tokio::test]
async fn callbacks_can_be_switched_off_and_go_unsigned_without_a_key() {
    let mut options = SimulatorOptions::default();
    options.kie.settings.step_ms = 30;
    options.kie.hmac_key = None;
    let sims = start(options).await;
    assert!(!sims.env().iter().any(|(k, _)| k == "KIE_WEBHOOK_HMAC_KEY"));
    let (url, received) = receiver().await;

    let mut settings = sims.kie().settings();
    settings.callbacks = false;
    sims.kie().set_settings(settings);
    let quiet = create_ok(
        &sims,
        json!({"model": "google/nano-banana", "callBackUrl": url, "input": {"prompt": "a"}}),
    )
    .await;
    wait_terminal(&sims, &quiet).await;
    let skipped = eventually(Duration::from_secs(5), || async {
        let task = sims.kie().task(&quiet)?;
        (task.callback_status == "skipped").then_some(())
    })
    .await;
    assert!(skipped.is_some());

    let mut settings = sims.kie().settings();
    settings.callbacks = true;
    sims.kie().set_settings(settings);
    create_ok(
        &sims,
        json!({"model": "google/nano-banana", "callBackUrl": url, "input": {"prompt": "b"}}),
    )
    .await;
    let got = eventually(Duration::from_secs(10), || async {
        let got = received.lock().expect("not poisoned").clone();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("callback arrives");
    assert_eq!(
        got.len(),
        1,
        "the task finished while callbacks were off never calls back"
    );
    assert!(got[0].0.get("x-webhook-signature").is_none());
    assert!(got[0].0.get("x-webhook-timestamp").is_some());
}

#[tokio::test]
async fn create_limit_is_twenty_per_ten_seconds_and_not_queued() {
    let sims = start_default().await;
    let body = json!({"model": "google/nano-banana", "input": {"prompt": "cat"}});
    for _ in 0..20 {
        create_ok(&sims, body.clone()).await;
    }
    let response = client()
        .post(format!("{}/api/v1/jobs/createTask", sims.kie_url()))
        .header("Authorization", bearer())
        .json(&body)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 429);
    assert_eq!(json(response).await["code"], 429);
    assert_eq!(
        sims.kie().tasks().len(),
        20,
        "the refused request was not queued"
    );
}

#[tokio::test]
async fn credits_fall_per_image_and_run_out_with_402() {
    let sims = start_default().await;
    let credit = || async {
        let response = client()
            .get(format!("{}/api/v1/chat/credit", sims.kie_url()))
            .header("Authorization", bearer())
            .send()
            .await
            .expect("answers");
        json(response).await
    };
    let before = credit().await;
    assert_eq!(before["code"], 200);
    let before = before["data"].as_f64().expect("number");
    create_ok(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "cat", "num_images": 4}}),
    )
    .await;
    assert_eq!(credit().await["data"].as_f64(), Some(before - 4.0));

    let mut settings = sims.kie().settings();
    settings.credits = 0.5;
    sims.kie().set_settings(settings);
    let reply = create(
        &sims,
        json!({"model": "google/nano-banana", "input": {"prompt": "cat"}}),
    )
    .await;
    assert_eq!(reply["code"], 402);
}

//! kie.ai simulator, models with input images: each model's fields, downloads when the task runs,
//! outputs derived from the input bytes, and tasks that fail on an unusable input.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use atelier_simulators::kie::{INPUT_FAIL_CODE, MAX_INPUT_BYTES};
use atelier_simulators::{FetchedInput, KieState, SimulatorOptions};
use axum::http::header;
use common::inputs::*;
use common::kie::{create, create_ok, download, receiver, wait_terminal};
use common::{client, eventually, json, start};
use image::ImageFormat;
use serde_json::{Value, json};

#[tokio::test]
async fn each_image_model_checks_its_documented_fields() {
    let mut options = SimulatorOptions::unlimited();
    // Validation only: the accepted tasks need not run.
    options.kie.settings.step_ms = 60_000;
    let sims = start(options).await;
    let host = host().await;
    let (a, b) = (host.url("a.png"), host.url("b.png"));
    let eleven = vec![a.clone(); 11];
    let nine = vec![a.clone(); 9];
    let long = "x".repeat(5001);

    let good = [
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "make the block blue", "image_urls": [a, b]}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": [a], "image_size": "16:9", "output_format": "jpeg"}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": [a], "image_size": "auto", "output_format": "png"}}),
        json!({"model": "bytedance/seedream-v4-edit", "input": {"prompt": "p", "image_urls": [a], "image_size": "landscape_4_3", "image_resolution": "2K", "max_images": 6, "seed": 7}}),
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "image_input": [a, b], "aspect_ratio": "3:4", "resolution": "4K", "output_format": "jpg"}}),
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "image_input": []}}),
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "aspect_ratio": "1:1", "resolution": "1K", "output_format": "png"}}),
        json!({"model": "topaz/image-upscale", "input": {"image_url": a, "upscale_factor": "1"}}),
        json!({"model": "recraft/remove-background", "input": {"image": a}}),
    ];
    for body in good {
        let reply = create(&sims, body.clone()).await;
        assert_eq!(reply["code"], 200, "{body} → {reply}");
    }

    let bad = [
        // nano-banana-edit: 1–10 URLs, a prompt of at most 5000 characters, png or jpeg.
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p"}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": []}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": eleven}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": a}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": ["/relative.png"]}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": [{"url": a}]}}),
        json!({"model": "google/nano-banana-edit", "input": {"image_urls": [a]}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": long, "image_urls": [a]}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": [a], "output_format": "jpg"}}),
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": [a], "image_size": "100:1"}}),
        // The field name is the model's: nano-banana-pro's is not nano-banana-edit's.
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_input": [a]}}),
        // seedream-v4-edit: 1–10 URLs, a prompt, 1K/2K/4K, 1–6 images.
        json!({"model": "bytedance/seedream-v4-edit", "input": {"prompt": "p", "image_urls": []}}),
        json!({"model": "bytedance/seedream-v4-edit", "input": {"image_urls": [a]}}),
        json!({"model": "bytedance/seedream-v4-edit", "input": {"prompt": long, "image_urls": [a]}}),
        json!({"model": "bytedance/seedream-v4-edit", "input": {"prompt": "p", "image_urls": [a], "image_resolution": "8K"}}),
        json!({"model": "bytedance/seedream-v4-edit", "input": {"prompt": "p", "image_urls": [a], "max_images": 0}}),
        json!({"model": "bytedance/seedream-v4-edit", "input": {"prompt": "p", "image_urls": [a], "max_images": 7}}),
        // nano-banana-pro: at most 8 references, a prompt, 1K/2K/4K.
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "image_input": nine}}),
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "image_input": a}}),
        json!({"model": "nano-banana-pro", "input": {"image_input": [a]}}),
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "resolution": "1k"}}),
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "output_format": "webp"}}),
        // topaz: one URL in image_url, the factor a string of 1, 2 or 4.
        json!({"model": "topaz/image-upscale", "input": {"image_url": a, "upscale_factor": 2}}),
        json!({"model": "topaz/image-upscale", "input": {"image_url": a, "upscale_factor": "3"}}),
        json!({"model": "topaz/image-upscale", "input": {"image_url": a}}),
        json!({"model": "topaz/image-upscale", "input": {"image_url": [a], "upscale_factor": "2"}}),
        json!({"model": "topaz/image-upscale", "input": {"image_urls": [a], "upscale_factor": "2"}}),
        json!({"model": "topaz/image-upscale", "input": {"image": a, "upscale_factor": "2"}}),
        // recraft: the field is literally `image`.
        json!({"model": "recraft/remove-background", "input": {"image_url": a}}),
        json!({"model": "recraft/remove-background", "input": {"image": [a]}}),
        json!({"model": "recraft/remove-background", "input": {"image": "not a url"}}),
        json!({"model": "recraft/remove-background", "input": {}}),
    ];
    let before = sims.kie().tasks().len();
    for body in bad {
        let reply = create(&sims, body.clone()).await;
        assert_eq!(reply["code"], 422, "{body} → {reply}");
        assert!(
            reply["msg"].as_str().is_some_and(|m| !m.is_empty()),
            "{reply}"
        );
        assert!(reply["data"].is_null());
    }
    assert_eq!(
        sims.kie().tasks().len(),
        before,
        "no refused request made a task"
    );
}

#[tokio::test]
async fn inputs_are_downloaded_when_the_task_runs_and_recorded() {
    let mut options = SimulatorOptions::unlimited();
    // Long enough steps that the download (at `generating`, 600 ms in) is clearly after createTask.
    options.kie.settings.step_ms = 300;
    let sims = start(options).await;
    let host = host().await;
    let (a, c) = (host.url("a.png"), host.url("c.jpg"));
    let request = json!({"model": "google/nano-banana-edit", "input": {"prompt": "warmer", "image_urls": [a, c]}});
    let task_id = create_ok(&sims, request.clone()).await;

    assert_eq!(
        host.hits("a.png"),
        0,
        "createTask answers before any download"
    );
    let task = sims.kie().task(&task_id).expect("task");
    assert_eq!(task.model, "google/nano-banana-edit");
    assert_eq!(task.input_urls, [a.clone(), c.clone()]);
    assert!(task.inputs.is_empty());
    assert_eq!(task.request["input"], request["input"]);

    let outputs = output(&sims, &task_id).await;
    assert_eq!(outputs.len(), 1);
    assert_eq!((host.hits("a.png"), host.hits("c.jpg")), (1, 1));
    let task = sims.kie().task(&task_id).expect("task");
    assert_eq!(task.state, KieState::Success);
    let expected = |name: &str, url: &str| FetchedInput {
        url: url.to_owned(),
        status: Some(200),
        bytes: host.body(name).len() as u64,
        sha256: Some(sha256_hex(host.body(name))),
        content_type: Some(
            if name.ends_with(".png") {
                "image/png"
            } else {
                "image/jpeg"
            }
            .to_owned(),
        ),
        error: None,
    };
    assert_eq!(task.inputs, [expected("a.png", &a), expected("c.jpg", &c)]);
    // The output keeps the input's 4:3 aspect (no image_size) at the usual size.
    assert_eq!((task.width, task.height), (1024, 768));
    let image = decoded(&outputs[0]);
    assert_eq!((image.width(), image.height()), (1024, 768));

    // The control route shows the same, and a test can fetch the URL again itself.
    let listed: Value = json(
        client()
            .get(format!("{}/__control/tasks", sims.kie_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    let listed = listed
        .as_array()
        .and_then(|tasks| tasks.iter().find(|t| t["task_id"] == task_id.as_str()))
        .expect("task listed")
        .clone();
    assert_eq!(listed["input_urls"][1], c.as_str());
    assert_eq!(
        listed["inputs"][0]["sha256"],
        sha256_hex(host.body("a.png")).as_str()
    );
    assert_eq!(listed["inputs"][0]["status"], 200);
    let again = client().get(&a).send().await.expect("answers");
    assert_eq!(
        sha256_hex(&again.bytes().await.expect("body")),
        task.inputs[0].sha256.clone().expect("hashed")
    );
}

#[tokio::test]
async fn upscales_are_exactly_the_factor_times_the_input() {
    let sims = sims().await;
    let host = host().await;
    for (name, factor, (w, h)) in [
        ("a.png", 2, (40, 30)),
        ("a.png", 4, (40, 30)),
        ("c.jpg", 2, (24, 36)),
        ("d.webp", 4, (20, 20)),
        ("a.png", 1, (40, 30)),
    ] {
        let task_id = create_ok(
            &sims,
            json!({"model": "topaz/image-upscale", "input": {"image_url": host.url(name), "upscale_factor": factor.to_string()}}),
        )
        .await;
        let outputs = output(&sims, &task_id).await;
        assert_eq!(outputs.len(), 1);
        let image = decoded(&outputs[0]);
        assert_eq!(
            (image.width(), image.height()),
            (w * factor, h * factor),
            "{name} ×{factor}"
        );
        let task = sims.kie().task(&task_id).expect("task");
        assert_eq!(task.prompt, "");
        assert_eq!((task.width, task.height), (w * factor, h * factor));
        assert_eq!(
            task.inputs[0].sha256.as_deref(),
            Some(sha256_hex(host.body(name)).as_str())
        );
    }
    // A PNG input upscaled ×1 has the input's very pixels.
    let task_id = create_ok(
        &sims,
        json!({"model": "topaz/image-upscale", "input": {"image_url": host.url("a.png"), "upscale_factor": "1"}}),
    )
    .await;
    let same = decoded(&output(&sims, &task_id).await[0]).to_rgb8();
    let input = image::load_from_memory(host.body("a.png"))
        .expect("decodes")
        .to_rgb8();
    assert_eq!(same, input);
}

#[tokio::test]
async fn background_removal_gives_alpha_with_transparent_pixels() {
    let sims = sims().await;
    let host = host().await;
    let task_id = create_ok(
        &sims,
        json!({"model": "recraft/remove-background", "input": {"image": host.url("a.png")}}),
    )
    .await;
    let outputs = output(&sims, &task_id).await;
    let image = decoded(&outputs[0]);
    assert!(image.color().has_alpha(), "{:?}", image.color());
    assert_eq!((image.width(), image.height()), (40, 30));
    let rgba = image.to_rgba8();
    assert!(rgba.pixels().any(|p| p.0[3] == 0), "a transparent pixel");
    // The subject (the red block) stays opaque.
    assert_eq!(rgba.get_pixel(20, 15).0, [200, 30, 30, 255]);
}

#[tokio::test]
async fn edits_depend_on_the_first_input_and_the_requested_size() {
    let sims = sims().await;
    let host = host().await;
    let (a, b) = (host.url("a.png"), host.url("b.png"));
    let edit = |first: &str, second: &str| json!({"model": "google/nano-banana-edit", "input": {"prompt": "same prompt", "image_urls": [first, second], "image_size": "16:9"}});
    let from_a = create_ok(&sims, edit(&a, &b)).await;
    let from_a_again = create_ok(&sims, edit(&a, &b)).await;
    let from_b = create_ok(&sims, edit(&b, &a)).await;
    let seedream = create_ok(
        &sims,
        json!({"model": "bytedance/seedream-v4-edit", "input": {"prompt": "p", "image_urls": [a], "image_size": "portrait_16_9", "max_images": 2}}),
    )
    .await;
    let pro = create_ok(
        &sims,
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "image_input": [b], "aspect_ratio": "1:1"}}),
    )
    .await;
    let pro_text = create_ok(
        &sims,
        json!({"model": "nano-banana-pro", "input": {"prompt": "p", "image_input": [], "aspect_ratio": "16:9"}}),
    )
    .await;

    let a_out = output(&sims, &from_a).await.remove(0);
    let a_again = output(&sims, &from_a_again).await.remove(0);
    let b_out = output(&sims, &from_b).await.remove(0);
    assert_eq!(
        a_out, a_again,
        "the same input and prompt give the same bytes"
    );
    assert_ne!(a_out, b_out, "another first input gives another result");
    let image = decoded(&a_out);
    assert_eq!((image.width(), image.height()), (1024, 576));

    let variants = output(&sims, &seedream).await;
    assert_eq!(variants.len(), 2);
    assert_ne!(variants[0], variants[1]);
    let image = decoded(&variants[1]);
    assert_eq!((image.width(), image.height()), (576, 1024));

    let image = decoded(&output(&sims, &pro).await[0]);
    assert_eq!((image.width(), image.height()), (1024, 1024));
    assert_eq!(
        host.hits("b.png"),
        4,
        "every input of every task is fetched once"
    );

    // With no references nano-banana-pro stays text-to-image: nothing is downloaded.
    let image = decoded(&output(&sims, &pro_text).await[0]);
    assert_eq!((image.width(), image.height()), (1024, 576));
    let task = sims.kie().task(&pro_text).expect("task");
    assert!(task.input_urls.is_empty() && task.inputs.is_empty());
}

#[tokio::test]
async fn an_unreachable_or_missing_input_fails_the_task() {
    let sims = sims().await;
    let host = host().await;
    let (callback, received) = receiver().await;
    let closed = closed_url().await;
    let unreachable = create_ok(
        &sims,
        json!({"model": "topaz/image-upscale", "callBackUrl": callback, "input": {"image_url": closed, "upscale_factor": "2"}}),
    )
    .await;
    // One good input does not save a task whose other input is gone.
    let missing = create_ok(
        &sims,
        json!({"model": "google/nano-banana-edit", "input": {"prompt": "p", "image_urls": [host.url("a.png"), host.url("gone.png")]}}),
    )
    .await;

    let data = wait_terminal(&sims, &unreachable).await["data"].clone();
    assert_eq!(data["state"], "fail");
    assert_eq!(data["failCode"], INPUT_FAIL_CODE);
    assert!(
        data["failMsg"]
            .as_str()
            .is_some_and(|m| m.contains(&closed)),
        "{data}"
    );
    assert_eq!(data["resultJson"], "");
    let task = sims.kie().task(&unreachable).expect("task");
    assert_eq!(task.inputs.len(), 1);
    assert_eq!(task.inputs[0].status, None);
    assert_eq!(task.inputs[0].sha256, None);
    assert!(task.inputs[0].error.is_some());

    // The failure callback goes out like any failed task's.
    let got = eventually(Duration::from_secs(10), || async {
        let got = received.lock().expect("not poisoned").clone();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("callback arrives");
    assert_eq!(got[0].1["code"], 501);
    assert_eq!(got[0].1["data"]["state"], "fail");
    assert_eq!(got[0].1["data"]["failCode"], INPUT_FAIL_CODE);

    let data = wait_terminal(&sims, &missing).await["data"].clone();
    assert_eq!(data["state"], "fail");
    assert_eq!(data["failCode"], INPUT_FAIL_CODE);
    assert!(
        data["failMsg"].as_str().is_some_and(|m| m.contains("404")),
        "{data}"
    );
    let task = sims.kie().task(&missing).expect("task");
    assert_eq!(task.inputs.len(), 2, "every input is fetched");
    assert_eq!(task.inputs[0].error, None);
    assert_eq!(task.inputs[1].status, Some(404));
    // A failed task has no files.
    let file = download(&format!("{}/files/{missing}/0.png", sims.kie_url())).await;
    assert_eq!(file.status(), 404);
}

#[tokio::test]
async fn an_input_that_is_not_an_image_fails_the_task() {
    let sims = sims().await;
    let host = host().await;
    let task_id = create_ok(
        &sims,
        json!({"model": "recraft/remove-background", "input": {"image": host.url("page.png")}}),
    )
    .await;
    let data = wait_terminal(&sims, &task_id).await["data"].clone();
    assert_eq!(data["state"], "fail");
    assert_eq!(data["failCode"], INPUT_FAIL_CODE);
    assert!(
        data["failMsg"]
            .as_str()
            .is_some_and(|m| m.contains("not a PNG, JPEG or WebP image")),
        "{data}"
    );
    let task = sims.kie().task(&task_id).expect("task");
    assert_eq!(task.inputs[0].status, Some(200));
    assert_eq!(task.inputs[0].content_type.as_deref(), Some("text/html"));
    assert_eq!(
        task.inputs[0].sha256.as_deref(),
        Some(sha256_hex(host.body("page.png")).as_str())
    );
    assert_eq!(host.hits("page.png"), 1);

    // A picture over kie's 10 MB limit fails too; only the limit and a byte are read.
    let mut huge = picture(8, 8, 0, ImageFormat::Png);
    huge.resize(MAX_INPUT_BYTES as usize + 4096, 0);
    let big = Host::start(Files::from([(
        "huge.png".to_owned(),
        (200, "image/png", huge),
    )]))
    .await;
    let task_id = create_ok(
        &sims,
        json!({"model": "topaz/image-upscale", "input": {"image_url": big.url("huge.png"), "upscale_factor": "2"}}),
    )
    .await;
    let data = wait_terminal(&sims, &task_id).await["data"].clone();
    assert_eq!(data["state"], "fail");
    assert_eq!(data["failCode"], INPUT_FAIL_CODE);
    let task = sims.kie().task(&task_id).expect("task");
    assert_eq!(task.inputs[0].bytes, MAX_INPUT_BYTES + 1);
    assert_eq!(task.inputs[0].sha256, None);
}

#[tokio::test]
async fn a_task_with_inputs_stays_generating_until_they_are_processed() {
    // Steps of 0 ms: a text-to-image task is done at once, but one with an input waits for it.
    let mut options = SimulatorOptions::unlimited();
    options.kie.settings.step_ms = 0;
    let sims = start(options).await;
    let slow = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&slow);
    let png = picture(16, 16, 0, ImageFormat::Png);
    let app = axum::Router::new().route(
        "/slow.png",
        axum::routing::get(move || {
            let counter = Arc::clone(&counter);
            let png = png.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(400)).await;
                ([(header::CONTENT_TYPE, "image/png")], png)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let task_id = create_ok(
        &sims,
        json!({"model": "recraft/remove-background", "input": {"image": format!("http://{addr}/slow.png")}}),
    )
    .await;
    let seen = eventually(Duration::from_secs(5), || async {
        (slow.load(Ordering::SeqCst) > 0).then_some(())
    })
    .await;
    assert!(seen.is_some(), "the input is requested");
    assert_eq!(
        sims.kie().task(&task_id).expect("task").state,
        KieState::Generating
    );
    let data = wait_terminal(&sims, &task_id).await["data"].clone();
    assert_eq!(data["state"], "success");
    let cost = data["costTime"].as_i64().expect("costTime");
    assert!(cost >= 300, "costTime {cost} covers the download");
}

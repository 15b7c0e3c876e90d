//! Helpers for the kie tests: createTask and recordInfo with the default key, waiting for a task
//! to finish, result URLs, and a callback receiver on loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use atelier_simulators::Simulators;
use atelier_simulators::kie::DEFAULT_API_KEY;
use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::Value;

use super::{client, eventually, json};

/// `Authorization` for the default key.
pub fn bearer() -> String {
    format!("Bearer {DEFAULT_API_KEY}")
}

/// `POST /api/v1/jobs/createTask`; kie answers HTTP 200 with the status in the body.
pub async fn create(sims: &Simulators, body: Value) -> Value {
    let response = client()
        .post(format!("{}/api/v1/jobs/createTask", sims.kie_url()))
        .header("Authorization", bearer())
        .json(&body)
        .send()
        .await
        .expect("createTask answers");
    assert_eq!(response.status(), 200);
    json(response).await
}

/// createTask that must succeed: the new task id.
pub async fn create_ok(sims: &Simulators, body: Value) -> String {
    let reply = create(sims, body).await;
    assert_eq!(reply["code"], 200, "createTask failed: {reply}");
    assert_eq!(reply["msg"], "success");
    let id = reply["data"]["taskId"].as_str().expect("taskId").to_owned();
    assert!(id.starts_with("task_") && id.len() > 10, "task id {id}");
    id
}

/// `GET /api/v1/jobs/recordInfo?taskId=`.
pub async fn record(sims: &Simulators, task_id: &str) -> Value {
    let response = client()
        .get(format!("{}/api/v1/jobs/recordInfo", sims.kie_url()))
        .query(&[("taskId", task_id)])
        .header("Authorization", bearer())
        .send()
        .await
        .expect("recordInfo answers");
    assert_eq!(response.status(), 200);
    json(response).await
}

/// recordInfo once the task is `success` or `fail`.
pub async fn wait_terminal(sims: &Simulators, task_id: &str) -> Value {
    eventually(Duration::from_secs(10), || async {
        let reply = record(sims, task_id).await;
        let state = reply["data"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (state == "success" || state == "fail").then_some(reply)
    })
    .await
    .expect("task finishes")
}

/// `resultUrls` from the JSON string `resultJson`.
pub fn result_urls(data: &Value) -> Vec<String> {
    let result: Value =
        serde_json::from_str(data["resultJson"].as_str().expect("resultJson is a string"))
            .expect("resultJson parses");
    result["resultUrls"]
        .as_array()
        .expect("resultUrls array")
        .iter()
        .map(|u| u.as_str().expect("url string").to_owned())
        .collect()
}

pub async fn download(url: &str) -> reqwest::Response {
    client().get(url).send().await.expect("file host answers")
}

/// Width and height of a PNG, decoded in full.
pub fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("valid PNG data");
    (info.width, info.height)
}

/// Callbacks received: headers and JSON body.
pub type Received = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

/// A callback receiver on loopback that records what it gets.
pub async fn receiver() -> (String, Received) {
    let received: Received = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/kie/callback",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let sink = Arc::clone(&sink);
            async move {
                let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                sink.lock().expect("not poisoned").push((headers, value));
                "ok"
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
    (format!("http://{addr}/kie/callback"), received)
}

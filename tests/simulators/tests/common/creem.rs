//! Helpers for the Creem checkout and webhook tests: API calls, an HMAC written independently of
//! the simulator's, and a webhook receiver that records raw bodies and answers a chosen status.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atelier_simulators::Simulators;
use atelier_simulators::creem::DEFAULT_API_KEY;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::{client, eventually, json};

/// Lower-case hex HMAC-SHA256.
pub fn hmac_hex(key: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(message);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `POST /v1/checkouts` with the default key.
pub async fn create_checkout(sims: &Simulators, body: &Value) -> (u16, Value) {
    create_checkout_with_key(sims, Some(DEFAULT_API_KEY), body).await
}

pub async fn create_checkout_with_key(
    sims: &Simulators,
    key: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = client()
        .post(format!("{}/v1/checkouts", sims.creem_url()))
        .json(body);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.expect("answers");
    let status = response.status().as_u16();
    (status, json(response).await)
}

/// A checkout that must be created; returns its id.
pub async fn checkout_id(sims: &Simulators, body: &Value) -> String {
    let (status, entity) = create_checkout(sims, body).await;
    assert_eq!(status, 200, "{entity}");
    entity["id"].as_str().expect("checkout id").to_owned()
}

/// `POST` to a control route; returns status and JSON body.
pub async fn control_post(sims: &Simulators, path: &str, body: &Value) -> (u16, Value) {
    let response = client()
        .post(format!("{}/__control/{path}", sims.creem_url()))
        .json(body)
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, json(response).await)
}

/// Creem's error envelope with this status.
pub fn assert_envelope(body: &Value, status: u16) {
    assert_eq!(body["status"], status, "{body}");
    assert!(body["trace_id"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(body["message"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(body["timestamp"].as_i64().is_some());
}

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Hit {
    pub signature: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
    pub at: Instant,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// A webhook receiver on loopback answering `status` (changeable) to every POST.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    status: Arc<AtomicU16>,
}

type ReceiverState = (Arc<Mutex<Vec<Hit>>>, Arc<AtomicU16>);

async fn record(
    State((hits, status)): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    hits.lock().expect("not poisoned").push(Hit {
        signature: header("creem-signature"),
        content_type: header("content-type"),
        body,
        at: Instant::now(),
    });
    StatusCode::from_u16(status.load(Ordering::SeqCst)).expect("valid status")
}

impl Receiver {
    pub async fn start(status: u16) -> Self {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(status));
        let app = axum::Router::new()
            .route("/webhooks/creem", axum::routing::post(record))
            .with_state((Arc::clone(&hits), Arc::clone(&status)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/webhooks/creem"),
            hits,
            status,
        }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("not poisoned").clone()
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Waits up to 5 s for at least `n` hits.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        eventually(Duration::from_secs(5), || async {
            let hits = self.hits();
            (hits.len() >= n).then_some(hits)
        })
        .await
        .unwrap_or_else(|| panic!("expected {n} webhook hits, got {}", self.hits().len()))
    }
}

//! The API client against the real native server, a dead port, and a flaky server.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test helper is a failing test with its location

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use atelier_api::{ErrorCode, Runtime};
use atelier_client::api::RetryPolicy;
use atelier_client::{ApiClient, ApiClientOptions};
use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn native_server(dir: &std::path::Path) -> String {
    let config = Config::from_lookup(|_| None).unwrap();
    let platform = NativePlatform::open(dir, config, Clock::default())
        .await
        .unwrap();
    serve(atelier_server::router(platform)).await
}

fn fast(url: &str, attempts: u32) -> ApiClient {
    let mut options = ApiClientOptions::new(url);
    options.connect_timeout = Duration::from_millis(500);
    options.request_timeout = Duration::from_secs(2);
    options.retry = RetryPolicy {
        attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    };
    ApiClient::new(options).unwrap()
}

#[tokio::test]
async fn health_and_limits_come_from_the_native_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = native_server(dir.path()).await;
    let client = fast(&url, 1);
    let (health, latency) = client.health().await.unwrap();
    assert_eq!(health.runtime, Runtime::Native);
    assert_eq!(health.version, atelier_server::VERSION);
    assert!(latency < Duration::from_secs(2));
    assert_eq!(client.limits().await.unwrap(), atelier_api::limits::LIMITS);
}

#[tokio::test]
async fn a_closed_port_is_offline_after_the_retries() {
    // Bind then drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = fast(&format!("http://127.0.0.1:{port}"), 2)
        .health()
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline);
    assert_eq!(err.to_body().code, ErrorCode::Offline);
}

#[tokio::test]
async fn transient_failures_are_retried_until_the_service_answers() {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let app = axum::Router::new().route(
        "/healthz",
        axum::routing::get(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    (
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        r#"{"code":"unavailable","message":"busy"}"#,
                    )
                } else {
                    (
                        axum::http::StatusCode::OK,
                        r#"{"status":"ok","version":"9.9.9","runtime":"worker"}"#,
                    )
                }
            }
        }),
    );
    let url = serve(app).await;
    let (health, _) = fast(&url, 3).health().await.unwrap();
    assert_eq!(health.runtime, Runtime::Worker);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried_and_keep_their_code() {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let app = axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async {
            (
                axum::http::StatusCode::NOT_FOUND,
                r#"{"code":"not_found","message":"no such route"}"#,
            )
        }
    });
    let url = serve(app).await;
    let err = fast(&url, 3).limits().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_non_protocol_answer_is_reported_not_misread() {
    let app = axum::Router::new()
        .fallback(|| async { (axum::http::StatusCode::OK, "<html>captive portal</html>") });
    let url = serve(app).await;
    let err = fast(&url, 1).health().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Internal);
}

#[test]
fn bad_urls_are_refused_up_front() {
    for bad in ["", "not a url", "ftp://example.com", "http://"] {
        assert!(
            ApiClient::new(ApiClientOptions::new(bad)).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn a_base_path_is_kept() {
    let c = ApiClient::new(ApiClientOptions::new("https://api.example.com/atelier")).unwrap();
    assert_eq!(c.base_url(), "https://api.example.com/atelier");
}

//! Natively behind reverse proxies (`ATELIER_TRUST_FORWARDED_FOR`, `ATELIER_TRUSTED_PROXY_HOPS`),
//! the client IP that rate limits and the sign-in record use is the `X-Forwarded-For` entry our own
//! outermost proxy appended, never one the client wrote itself. (The Worker reads Cloudflare's
//! `CF-Connecting-IP` instead; this is native only.)
#![cfg(feature = "native")]
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::request_meta::RequestMeta;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::routing::get;
use tower::ServiceExt;

/// The socket peer every request below comes from: the proxy in front of the server.
const PROXY: &str = "10.0.0.2:40000";

async fn platform(dir: &std::path::Path, vars: &[(&str, &str)]) -> NativePlatform {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let config = Config::from_lookup(move |name| {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap();
    NativePlatform::open(dir, config, Clock::default())
        .await
        .unwrap()
}

/// The IP the service sees for a request with these `X-Forwarded-For` lines.
async fn client_ip(platform: &NativePlatform, forwarded: &[&str]) -> String {
    let app = Router::new()
        .route(
            "/ip",
            get(|meta: RequestMeta| async move { meta.ip.unwrap_or_default() }),
        )
        .with_state(platform.clone());
    let mut request = Request::get("/ip");
    for line in forwarded {
        request = request.header("x-forwarded-for", *line);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = PROXY.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = app.oneshot(request).await.unwrap();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn behind_one_proxy_the_entry_it_appended_is_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path(), &[("ATELIER_TRUST_FORWARDED_FOR", "1")]).await;
    // Whatever the client writes first, the proxy appends the address it saw last.
    for forged in ["1.2.3.4", "6.6.6.6", "198.51.100.1, 198.51.100.2"] {
        assert_eq!(
            client_ip(&p, &[&format!("{forged}, 203.0.113.9")]).await,
            "203.0.113.9",
            "the client's own {forged:?} was taken"
        );
    }
    // As separate header lines, too.
    assert_eq!(
        client_ip(&p, &["6.6.6.6", "203.0.113.9"]).await,
        "203.0.113.9"
    );
    // No header: the socket's peer.
    assert_eq!(client_ip(&p, &[]).await, "10.0.0.2");
}

#[tokio::test]
async fn more_hops_skip_our_inner_proxies() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(
        dir.path(),
        &[
            ("ATELIER_TRUST_FORWARDED_FOR", "1"),
            ("ATELIER_TRUSTED_PROXY_HOPS", "2"),
        ],
    )
    .await;
    // Client → outer proxy (appends the client) → inner proxy (appends the outer proxy) → us.
    assert_eq!(
        client_ip(&p, &["6.6.6.6, 203.0.113.9, 10.0.0.7"]).await,
        "203.0.113.9"
    );
}

#[tokio::test]
async fn without_trust_the_header_means_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path(), &[]).await;
    assert_eq!(client_ip(&p, &["6.6.6.6, 203.0.113.9"]).await, "10.0.0.2");
}

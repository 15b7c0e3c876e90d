//! Natively, session records are read from memory after their first use (`native/kv_cache.rs`);
//! a logout, a logout everywhere and an account's deletion must still refuse the session on the
//! very next request, with no time for any copy to catch up.
#![cfg(feature = "native")]
#![allow(clippy::unwrap_used)]

use atelier_server::auth::session;
use atelier_server::native::NativePlatform;
use atelier_server::platform::{Platform, Sql, Statement};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

mod common;

async fn platform(dir: &std::path::Path) -> NativePlatform {
    let secret = [(
        "ATELIER_AUTH_SECRET",
        "native-sessions-secret-0123456789abcdef",
    )];
    common::native_with(dir, &secret).await.0
}

/// An account made straight in SQL, and `sessions` sessions of it.
async fn account(p: &NativePlatform, id: &str, sessions: usize) -> Vec<String> {
    p.execute(
        Statement::new(
            "INSERT INTO accounts (id, email, auth_provider, created_at) VALUES (?, ?, 'email', ?)",
        )
        .bind(id)
        .bind(format!("{id}@example.com"))
        .bind(p.now_ms()),
    )
    .await
    .unwrap();
    let mut tokens = Vec::new();
    for _ in 0..sessions {
        tokens.push(session::create(p, id).await.unwrap().0);
    }
    tokens
}

async fn call(p: &NativePlatform, method: Method, path: &str, token: &str) -> StatusCode {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    atelier_server::router(p.clone())
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

/// Uses the session until its record is surely held in memory.
async fn warm(p: &NativePlatform, token: &str) {
    for _ in 0..3 {
        assert_eq!(call(p, Method::GET, "/v1/me", token).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_logout_refuses_the_session_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let tokens = account(&p, "a1", 2).await;
    warm(&p, &tokens[0]).await;
    warm(&p, &tokens[1]).await;
    assert_eq!(
        call(&p, Method::POST, "/v1/auth/logout", &tokens[0]).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&p, Method::GET, "/v1/me", &tokens[0]).await,
        StatusCode::UNAUTHORIZED,
        "the session was still served after its logout"
    );
    assert_eq!(
        call(&p, Method::GET, "/v1/me", &tokens[1]).await,
        StatusCode::OK,
        "a logout ended another session"
    );
}

#[tokio::test]
async fn a_logout_everywhere_refuses_every_session_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let tokens = account(&p, "a2", 3).await;
    let other = account(&p, "b2", 1).await;
    for token in tokens.iter().chain(&other) {
        warm(&p, token).await;
    }
    assert_eq!(
        call(&p, Method::POST, "/v1/auth/logout-all", &tokens[1]).await,
        StatusCode::NO_CONTENT
    );
    for token in &tokens {
        assert_eq!(
            call(&p, Method::GET, "/v1/me", token).await,
            StatusCode::UNAUTHORIZED,
            "a session survived the logout everywhere"
        );
    }
    assert_eq!(
        call(&p, Method::GET, "/v1/me", &other[0]).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_deleted_account_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let tokens = account(&p, "a3", 2).await;
    warm(&p, &tokens[0]).await;
    warm(&p, &tokens[1]).await;
    assert_eq!(
        call(&p, Method::DELETE, "/v1/me", &tokens[0]).await,
        StatusCode::OK
    );
    for token in &tokens {
        assert_eq!(
            call(&p, Method::GET, "/v1/me", token).await,
            StatusCode::UNAUTHORIZED,
            "a session of the deleted account was still served"
        );
    }
}

#[tokio::test]
async fn a_session_is_refused_once_it_expires_even_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let tokens = account(&p, "a4", 1).await;
    warm(&p, &tokens[0]).await;
    p.clock()
        .advance(i64::from(atelier_api::auth::SESSION_TTL_SECONDS) * 1000 + 1);
    assert_eq!(
        call(&p, Method::GET, "/v1/me", &tokens[0]).await,
        StatusCode::UNAUTHORIZED
    );
}

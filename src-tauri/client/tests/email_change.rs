//! Correcting the account's email from the desktop: the code from the new address confirms it
//! on this device only, the session stays and is saved with the new address, and wrong or stale
//! codes say what happened.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::Arc;

use atelier_api::ErrorCode;
use atelier_client::Language;
use atelier_client::session::{CredentialStore, MemoryStore};

use atelier_test_kit::Service;

fn code_in_last_mail(service: &Service, email: &str) -> Option<String> {
    let text = service.sims.resend().last_email_to(email)?.text?;
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

#[tokio::test]
async fn the_code_from_the_new_address_moves_the_account_and_the_session_stays() {
    let service = Service::start().await;
    let store = Arc::new(MemoryStore::default());
    let auth = service.sign_in("before@example.com", store.clone()).await;
    let id = auth.state().await.user.unwrap().id;

    auth.start_email_change(" After@Example.com", Language::English)
        .await
        .unwrap();
    assert_eq!(
        auth.pending_email_change().await.as_deref(),
        Some("after@example.com")
    );
    let code = code_in_last_mail(&service, "after@example.com").unwrap();
    let state = auth.confirm_email_change(&code).await.unwrap();
    let user = state.user.unwrap();
    assert_eq!(
        (user.id.as_str(), user.email.as_str()),
        (id.as_str(), "after@example.com")
    );
    // Saved with the new address, still signed in, nothing left waiting.
    assert_eq!(
        store.load().unwrap().unwrap().user.email,
        "after@example.com"
    );
    let token = auth.token().await.unwrap();
    assert_eq!(
        auth.api().me(&token).await.unwrap().email,
        "after@example.com"
    );
    assert_eq!(auth.pending_email_change().await, None);
}

#[tokio::test]
async fn wrong_codes_count_down_and_a_code_without_a_request_here_is_refused() {
    let service = Service::start().await;
    let auth = service
        .sign_in("counting@example.com", Arc::new(MemoryStore::default()))
        .await;
    // Nothing asked on this device: refused before any request.
    let error = auth.confirm_email_change("123456").await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::CodeExpired);
    let error = auth.confirm_email_change("12ab").await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidCode);
    let error = auth
        .start_email_change("no-at-sign", Language::English)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidEmail);
    let error = auth
        .start_email_change("Counting@example.com", Language::English)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::EmailUnchanged);

    auth.start_email_change("elsewhere@example.com", Language::English)
        .await
        .unwrap();
    let right = code_in_last_mail(&service, "elsewhere@example.com").unwrap();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in (1..=4).rev() {
        match auth.confirm_email_change(wrong).await.unwrap_err() {
            atelier_client::ClientError::Api {
                body,
                attempts_left,
                ..
            } => {
                assert_eq!(body.code, ErrorCode::InvalidCode);
                assert_eq!(attempts_left, Some(left));
            }
            other => panic!("{other:?}"),
        }
    }
    let error = auth.confirm_email_change(wrong).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::TooManyAttempts);
    // The change is over here too; the address stays.
    assert_eq!(auth.pending_email_change().await, None);
    assert_eq!(
        auth.state().await.user.unwrap().email,
        "counting@example.com"
    );
}

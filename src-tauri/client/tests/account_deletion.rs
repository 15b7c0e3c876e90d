//! Deleting the account from a device, against the real native server: what the Settings
//! action does (`account::delete_account`), and what is left afterwards on this device, on the
//! other device, and on the service.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::Arc;

use atelier_api::ErrorCode;
use atelier_client::Code;
use atelier_client::account::delete_account;
use atelier_client::auth::Refresh;
use atelier_client::device_data::OWNED_ENTRIES;
use atelier_client::library::{Library, SignedInLibrary};
use atelier_client::session::{CredentialStore, MemoryStore};
use atelier_client::telemetry::{Analytics, AnalyticsConsent, Telemetry};
use atelier_test_kit::{Service, generate, server_images};

const EMAIL: &str = "leaving@example.com";

#[tokio::test]
async fn deleting_the_account_leaves_nothing_on_this_device_and_ends_the_other() {
    let service = Service::start().await;
    let this_store = Arc::new(MemoryStore::default());
    let this = service.sign_in(EMAIL, this_store.clone()).await;
    let other = service
        .sign_in(EMAIL, Arc::new(MemoryStore::default()))
        .await;
    let old_id = this.state().await.user.unwrap().id;
    let token = this.token().await.unwrap();
    generate(this.api(), &token, "a lighthouse at dusk", 2).await;

    // The device's copy: synced, with thumbnails and originals on disk, one image dragged out,
    // and the analytics choice made.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("Atelier");
    let libraries = SignedInLibrary::new(
        service.client(),
        Box::new({
            let dir = dir.clone();
            move || Ok(dir.clone())
        }),
    );
    let library = libraries.for_signed_in(&this).await.unwrap().library;
    library.sync(&this).await.unwrap();
    let first = server_images(this.api(), &token)
        .await
        .into_keys()
        .next()
        .unwrap();
    library.outgoing_file(&this, &first).await.unwrap();
    let telemetry = Telemetry::new(Some(Analytics::open(&dir, None)), None);
    telemetry.set_consent(true).unwrap();
    for made in ["files", "outgoing", "cache.sqlite", "privacy.json"] {
        assert!(dir.join(made).exists(), "{made} was made");
    }

    let deleted = delete_account(&this, &libraries, &telemetry).await.unwrap();

    assert!(deleted.incomplete.is_none(), "{:?}", deleted.incomplete);
    let state = deleted.signed_out;
    assert!(state.user.is_none(), "signed out: {state:?}");
    assert_eq!(telemetry.settings().analytics, AnalyticsConsent::Undecided);
    assert!(
        this_store.load().unwrap().is_none(),
        "the saved session is gone"
    );
    assert!(!dir.exists(), "the data folder is gone");
    for name in OWNED_ENTRIES {
        assert!(!dir.join(name).exists(), "{name} is gone");
    }
    // The other device's session ends at its next look at the service.
    assert!(
        matches!(other.refresh().await, Refresh::Ended(ref s) if s.user.is_none()),
        "the other device is signed out"
    );
    let refused = this.api().me(&token).await.unwrap_err();
    assert_eq!(refused.code(), Code::Api(ErrorCode::Unauthenticated));

    // The same email again is a new, empty account.
    let again = service
        .sign_in(EMAIL, Arc::new(MemoryStore::default()))
        .await;
    let new_id = again.state().await.user.unwrap().id;
    assert_ne!(new_id, old_id);
    let new_token = again.token().await.unwrap();
    assert!(server_images(again.api(), &new_token).await.is_empty());
    // And the device starts an empty cache for it.
    let fresh = Library::open(&dir, service.client()).await.unwrap();
    fresh.sync(&again).await.unwrap();
    assert_eq!(
        fresh
            .cache()
            .gallery_page(&Default::default(), 0, 10)
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn offline_nothing_is_deleted_anywhere() {
    let mut service = Service::start().await;
    let store = Arc::new(MemoryStore::default());
    let auth = service.sign_in(EMAIL, store.clone()).await;
    let root = tempfile::tempdir().unwrap();
    let library = Library::open(root.path(), service.client()).await.unwrap();
    library.sync(&auth).await.unwrap();

    service.stop().await;
    let libraries = SignedInLibrary::new(
        service.client(),
        Box::new({
            let dir = root.path().to_owned();
            move || Ok(dir.clone())
        }),
    );
    let telemetry = Telemetry::new(Some(Analytics::open(root.path(), None)), None);
    telemetry.set_consent(false).unwrap();
    let refused = delete_account(&auth, &libraries, &telemetry)
        .await
        .unwrap_err();
    assert_eq!(refused.code().as_str(), "offline");
    assert!(auth.state().await.user.is_some(), "still signed in");
    assert!(
        store.load().unwrap().is_some(),
        "the session is still saved"
    );
    assert!(root.path().join("cache.sqlite").is_file());
    assert_eq!(telemetry.settings().analytics, AnalyticsConsent::Denied);

    service.restart().await;
    let token = auth.token().await.unwrap();
    assert!(auth.api().me(&token).await.is_ok(), "the account is intact");
}

//! The library belongs to whoever is signed in: after a sign-out nothing of it is readable (the
//! gallery, search, image bytes), and when another account signs in on the same device the cache
//! is bound to it before its first read, with none of the previous account's images in sight.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::Arc;

use atelier_api::ErrorCode;
use atelier_client::Language;
use atelier_client::api::ImageVariant;
use atelier_client::cache::gallery::GalleryQuery;
use atelier_client::library::SignedInLibrary;
use atelier_client::session::MemoryStore;
use atelier_test_kit::{Service, generate};

fn code_of(service: &Service, email: &str) -> String {
    let text = service
        .sims
        .resend()
        .last_email_to(email)
        .unwrap()
        .text
        .unwrap();
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_signed_in_account_reads_the_library() {
    let service = Service::start().await;
    let dir = tempfile::tempdir().unwrap();
    let auth = service
        .sign_in("first@example.com", Arc::new(MemoryStore::default()))
        .await;
    let mine = generate(
        auth.api(),
        &auth.token().await.unwrap(),
        "first's lighthouse",
        2,
    )
    .await;
    let folder = dir.path().to_owned();
    let libraries = SignedInLibrary::new(auth.api().clone(), Box::new(move || Ok(folder.clone())));

    let opened = libraries.for_signed_in(&auth).await.unwrap();
    assert!(
        opened.switched,
        "a first use is a new account for the cache"
    );
    opened.library.sync(&auth).await.unwrap();
    let all = GalleryQuery::default();
    let page = opened
        .library
        .cache()
        .gallery_page(&all, 0, 50)
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    let again = libraries.for_signed_in(&auth).await.unwrap();
    assert!(!again.switched, "the same account again is no switch");

    // Signed out: nothing is readable, not even through a handle asked for just before.
    auth.sign_out().await.unwrap();
    libraries.close().await;
    let refused = libraries.for_signed_in(&auth).await.err().unwrap();
    assert_eq!(refused.code(), ErrorCode::Unauthenticated);
    assert!(
        opened
            .library
            .cache()
            .gallery_page(&all, 0, 50)
            .await
            .is_err(),
        "a closed library still answered"
    );

    // Another account on this device: its first read finds none of the first account's images.
    auth.start("second@example.com", Language::English)
        .await
        .unwrap();
    let code = code_of(&service, "second@example.com");
    auth.verify_code("second@example.com", &code).await.unwrap();
    let second = libraries.for_signed_in(&auth).await.unwrap();
    assert!(second.switched, "another account must sync at once");
    let page = second
        .library
        .cache()
        .gallery_page(&all, 0, 50)
        .await
        .unwrap();
    assert_eq!(page.total, 0, "the second account sees the first's images");
    let search = GalleryQuery {
        search: Some("lighthouse".into()),
        ..GalleryQuery::default()
    };
    assert_eq!(
        second
            .library
            .cache()
            .gallery_page(&search, 0, 50)
            .await
            .unwrap()
            .total,
        0
    );
    // The first account's bytes are not served from the cache either.
    let image = &mine.images[0].id;
    let bytes = second
        .library
        .image(&auth, ImageVariant::Thumbnail, image)
        .await;
    assert!(
        bytes.is_err(),
        "the second account got the first's thumbnail"
    );
}

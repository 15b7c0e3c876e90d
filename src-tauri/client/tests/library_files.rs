//! The files the library hands the window. A grid tile's image: until its grid copy can be made
//! (not synced yet) the thumbnail stands in and must not be kept under the grid's URL; after, the
//! grid copy, kept. An image dragged out of the gallery leaves as a real file: the original's
//! exact bytes, under a name with the extension its bytes call for, at a `file://` URL other
//! applications can read; gone once the library closes (signed out), so nothing of the account
//! stays behind.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::Arc;

use atelier_client::api::ImageVariant;
use atelier_client::library::SignedInLibrary;
use atelier_client::session::MemoryStore;
use atelier_test_kit::{Service, generate};

#[tokio::test(flavor = "multi_thread")]
async fn a_grid_tile_keeps_only_its_grid_copy() {
    let service = Service::start().await;
    let dir = tempfile::tempdir().unwrap();
    let auth = service
        .sign_in("grid@example.com", Arc::new(MemoryStore::default()))
        .await;
    let made = generate(auth.api(), &auth.token().await.unwrap(), "a harbour", 1).await;
    let image_id = &made.images[0].id;
    let folder = dir.path().to_owned();
    let libraries = SignedInLibrary::new(auth.api().clone(), Box::new(move || Ok(folder.clone())));
    let library = libraries.for_signed_in(&auth).await.unwrap().library;
    let thumbnail = auth
        .api()
        .image(
            &auth.token().await.unwrap(),
            image_id,
            ImageVariant::Thumbnail,
        )
        .await
        .unwrap();

    // Not synced yet: the service's thumbnail stands in, not to be kept.
    let stand_in = library.grid_image(&auth, image_id).await.unwrap();
    assert!(
        !stand_in.keep,
        "a stand-in would be kept under the grid's URL"
    );
    assert_eq!(stand_in.bytes, thumbnail.bytes.to_vec());

    // Synced: a smaller copy made from the cached thumbnail, kept for good.
    library.sync(&auth).await.unwrap();
    let grid = library.grid_image(&auth, image_id).await.unwrap();
    assert!(grid.keep);
    assert!(
        grid.bytes.len() < thumbnail.bytes.len(),
        "{} bytes",
        grid.bytes.len()
    );
    let decoded = image::load_from_memory(&grid.bytes).unwrap();
    assert!(
        decoded.width().max(decoded.height()) <= 256,
        "{}x{}",
        decoded.width(),
        decoded.height()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dragged_image_is_a_file_of_its_original() {
    let service = Service::start().await;
    // A folder with a space and non-ASCII letters, as many home folders have.
    let parent = tempfile::tempdir().unwrap();
    let folder = parent.path().join("Ada's Bilder ä");
    let auth = service
        .sign_in("drag@example.com", Arc::new(MemoryStore::default()))
        .await;
    let made = generate(auth.api(), &auth.token().await.unwrap(), "a harbour", 1).await;
    let image_id = &made.images[0].id;
    let dir = folder.clone();
    let libraries = SignedInLibrary::new(auth.api().clone(), Box::new(move || Ok(dir.clone())));
    let library = libraries.for_signed_in(&auth).await.unwrap().library;

    // Before any sync: the original is fetched for the drag.
    let file = library.outgoing_file(&auth, image_id).await.unwrap();
    let original = auth
        .api()
        .image(
            &auth.token().await.unwrap(),
            image_id,
            ImageVariant::Original,
        )
        .await
        .unwrap();
    let path = url::Url::parse(&file.url).unwrap().to_file_path().unwrap();
    assert_eq!(path.to_str().unwrap(), file.path);
    assert!(
        file.url.contains("%20") && !file.url.contains(' '),
        "{}",
        file.url
    );
    assert_eq!(std::fs::read(&path).unwrap(), original.bytes.to_vec());
    assert_eq!(
        path.file_name().unwrap().to_str().unwrap(),
        format!("atelier-{}.png", &image_id[..8])
    );

    // Every drag of it names the same file; nothing else is left in the folder.
    let again = library.outgoing_file(&auth, image_id).await.unwrap();
    assert_eq!(again, file);
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    // Another account's image, or no image: refused, no file.
    let refused = library
        .outgoing_file(&auth, &"ab".repeat(16))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), atelier_api::ErrorCode::NotFound);

    // Signed out: the file is gone with the library.
    auth.sign_out().await.unwrap();
    libraries.close().await;
    assert!(!path.exists(), "the dragged file outlived the sign-out");

    // One left by a crash (no close ran) is gone when the library next opens.
    let outgoing = path.parent().unwrap();
    std::fs::create_dir_all(outgoing).unwrap();
    std::fs::write(&path, b"left by a crash").unwrap();
    let reopened =
        atelier_client::library::Library::open(outgoing.parent().unwrap(), auth.api().clone())
            .await
            .unwrap();
    assert!(
        !path.exists(),
        "a file of an earlier run survived the library's opening"
    );
    reopened.close().await;
}

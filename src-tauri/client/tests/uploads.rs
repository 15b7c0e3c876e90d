//! Bringing an image in from the composer (`Library::upload`), against the real native server:
//! its progress is told as it goes, the upload is kept here with its thumbnail (shown offline at
//! once, before any sync), the same bytes again are the same upload, and a file that is not an
//! image is refused before anything is sent.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::{Arc, Mutex};

use atelier_api::ErrorCode;
use atelier_client::Code;
use atelier_client::api::{ImageVariant, Progress};
use atelier_client::library::Library;
use atelier_client::session::MemoryStore;
use atelier_test_kit::Service;

/// A PNG that does not compress much, so it takes several chunks to send.
fn noisy_png() -> Vec<u8> {
    let mut png = Vec::new();
    let mut seed = 0x2545_f491_u32;
    image::RgbImage::from_fn(200, 150, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [r, g, b, _] = seed.to_le_bytes();
        image::Rgb([r, g, b])
    })
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    png
}

/// (sent, total) pairs, as a progress callback heard them.
type Heard = Arc<Mutex<Vec<(u64, u64)>>>;

/// A progress callback and what it heard.
fn recorder() -> (Progress, Heard) {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = heard.clone();
    let progress: Progress = Arc::new(move |sent, total| log.lock().unwrap().push((sent, total)));
    (progress, heard)
}

#[tokio::test]
async fn an_upload_is_kept_here_with_its_thumbnail_and_its_progress_told() {
    let mut service = Service::start().await;
    let auth = service
        .sign_in("composer@example.com", Arc::new(MemoryStore::default()))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path(), service.client()).await.unwrap();
    let png = noisy_png();
    let (progress, heard) = recorder();

    let upload = library
        .upload(&auth, png.clone().into(), progress)
        .await
        .unwrap();

    let total = png.len() as u64;
    let heard = heard.lock().unwrap().clone();
    assert!(heard.len() >= 2, "told in steps: {heard:?}");
    assert!(heard.iter().all(|&(_, t)| t == total));
    assert!(heard.windows(2).all(|w| w[0].0 < w[1].0), "it only grows");
    assert_eq!(heard.last(), Some(&(total, total)), "ends at the whole");
    assert_eq!((upload.width, upload.height), (200, 150));
    assert_eq!(upload.content_type, "image/png");
    assert!(upload.thumbnail_cached, "the thumbnail is on disk at once");
    assert_eq!(
        library.cache().uploads().await.unwrap(),
        vec![upload.clone()]
    );

    // The chip's thumbnail, as the service has it.
    let token = auth.token().await.unwrap();
    let remote = auth
        .api()
        .upload_bytes(&token, &upload.id, ImageVariant::Thumbnail)
        .await
        .unwrap();
    let local = library
        .image(&auth, ImageVariant::Thumbnail, &upload.id)
        .await
        .unwrap();
    assert_eq!(local.bytes, remote.bytes);

    // The same bytes again are the same upload.
    let (progress, _) = recorder();
    let again = library.upload(&auth, png.into(), progress).await.unwrap();
    assert_eq!(again.id, upload.id);
    // Sync brings the same record: still one.
    library.sync(&auth).await.unwrap();
    assert_eq!(
        library.cache().uploads().await.unwrap(),
        vec![upload.clone()]
    );

    // Offline, the chip still shows.
    service.stop().await;
    let offline = library
        .image(&auth, ImageVariant::Thumbnail, &upload.id)
        .await
        .unwrap();
    assert_eq!(offline.bytes, remote.bytes);
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_refused_before_anything_is_sent() {
    let service = Service::start().await;
    let auth = service
        .sign_in("notes@example.com", Arc::new(MemoryStore::default()))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path(), service.client()).await.unwrap();
    let (progress, heard) = recorder();

    let refused = library
        .upload(&auth, b"%PDF-1.7 not an image".to_vec().into(), progress)
        .await
        .unwrap_err();

    assert_eq!(refused.code(), Code::Api(ErrorCode::UnsupportedMediaType));
    assert!(heard.lock().unwrap().is_empty(), "nothing was sent");
    assert!(library.cache().uploads().await.unwrap().is_empty());
}

//! The live channel against the real native server: with a library's watch running, what
//! changes on the service reaches the cache and the change notification without anyone asking
//! for a sync, on this device and on another one of the same account; and the watch stops at
//! once when asked, even while its request is held.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::Arc;
use std::time::Duration;

use atelier_api::generations::NewGeneration;
use atelier_client::Auth;
use atelier_client::api::IdempotencyKey;
use atelier_client::library::{Library, LiveEnd, SignedInLibrary};
use atelier_client::session::MemoryStore;
use atelier_client::sync::{LibraryChanges, LiveTiming};
use atelier_test_kit::Service;
use tokio::sync::broadcast;

/// A device: its session, its library in its own folder, and its watch running.
struct Device {
    auth: Arc<Auth>,
    library: Library,
    changes: broadcast::Receiver<LibraryChanges>,
    watch: tokio::task::JoinHandle<LiveEnd>,
    _dir: tempfile::TempDir,
}

async fn device(service: &Service, email: &str) -> Device {
    let auth = Arc::new(
        service
            .sign_in(email, Arc::new(MemoryStore::default()))
            .await,
    );
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path(), service.client()).await.unwrap();
    let changes = library.engine().subscribe_changes();
    let watch = tokio::spawn({
        let (library, auth) = (library.clone(), auth.clone());
        async move { library.live(&auth).await }
    });
    Device {
        auth,
        library,
        changes,
        watch,
        _dir: dir,
    }
}

/// The next notification that satisfies `wanted`, within 20 s.
async fn notified(
    changes: &mut broadcast::Receiver<LibraryChanges>,
    wanted: impl Fn(&LibraryChanges) -> bool,
) -> LibraryChanges {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let change = changes.recv().await.unwrap();
            if wanted(&change) {
                return change;
            }
        }
    })
    .await
    .expect("no notification within 20 s")
}

async fn cached_image_ids(library: &Library, generation: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM images WHERE generation_id = ? ORDER BY idx")
        .bind(generation)
        .fetch_all(library.cache().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_generation_finished_on_the_service_reaches_the_cache_and_the_notification_unasked() {
    let service = Service::start().await;
    let mut device = device(&service, "live@example.com").await;
    let token = device.auth.token().await.unwrap();
    let body = NewGeneration {
        conversation_id: None,
        prompt: "a lighthouse seen live".to_owned(),
        model: "nano-banana".to_owned(),
        aspect_ratio: "1:1".to_owned(),
        count: 2,
        input_images: Vec::new(),
    };
    // Made through the API alone: nobody polls it, nobody calls sync.
    let created = device
        .auth
        .api()
        .create_generation(&token, &IdempotencyKey::new(), &body)
        .await
        .unwrap();

    let change = notified(&mut device.changes, |c| {
        c.finished_generations.contains(&created.id)
    })
    .await;
    assert!(change.generations && change.images, "{change:?}");
    // When told, its rows are in the cache already.
    assert_eq!(
        cached_image_ids(&device.library, &created.id).await.len(),
        2
    );
    let status: String = sqlx::query_scalar("SELECT status FROM generations WHERE id = ?")
        .bind(&created.id)
        .fetch_one(device.library.cache().pool())
        .await
        .unwrap();
    assert_eq!(status, "done");
    // And the same pass brings their thumbnails.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let thumbnails: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM images WHERE generation_id = ? AND thumbnail_cached",
            )
            .bind(&created.id)
            .fetch_one(device.library.cache().pool())
            .await
            .unwrap();
            if thumbnails == 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("thumbnails not cached");
    assert!(!device.watch.is_finished(), "the watch goes on");
}

#[tokio::test]
async fn a_deletion_made_on_one_device_reaches_the_other_live() {
    let service = Service::start().await;
    let email = "two-live-devices@example.com";
    let mut first = device(&service, email).await;
    let mut second = device(&service, email).await;
    let token = first.auth.token().await.unwrap();
    let made =
        atelier_test_kit::generate(first.auth.api(), &token, "a harbour on two screens", 2).await;
    for device in [&mut first, &mut second] {
        notified(&mut device.changes, |c| {
            c.finished_generations.contains(&made.id)
        })
        .await;
    }
    assert_eq!(cached_image_ids(&second.library, &made.id).await.len(), 2);

    // Deleted in the first device's gallery, sent by its next pass.
    let doomed = made.images[0].id.clone();
    first
        .library
        .cache()
        .delete_images(std::slice::from_ref(&doomed))
        .await
        .unwrap();
    first.library.sync(&first.auth).await.unwrap();

    let change = notified(&mut second.changes, |c| c.images).await;
    assert!(!change.generations || change.finished_generations.is_empty());
    assert_eq!(
        cached_image_ids(&second.library, &made.id).await,
        vec![made.images[1].id.clone()]
    );
}

#[tokio::test]
async fn the_watch_stops_at_once_while_its_request_is_held_and_not_again_once_closed() {
    let service = Service::start().await;
    let device = device(&service, "stopping@example.com").await;
    // Let its first request reach the service and be held there.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!device.watch.is_finished());
    // A second watch on the same library does not start.
    assert_eq!(
        device.library.live(&device.auth).await,
        LiveEnd::AlreadyRunning
    );

    tokio::time::timeout(Duration::from_secs(2), device.library.stop_live())
        .await
        .expect("stopping waited for the held request");
    assert_eq!(device.watch.await.unwrap(), LiveEnd::Stopped);

    // Stopped is not closed: a new watch may follow (another account bound the cache, say).
    let again = tokio::spawn({
        let (library, auth) = (device.library.clone(), device.auth.clone());
        async move { library.live(&auth).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!again.is_finished());
    // Signing out closes the library: the running watch ends, and none starts again.
    tokio::time::timeout(Duration::from_secs(2), device.library.close())
        .await
        .expect("closing waited for the held request");
    assert_eq!(again.await.unwrap(), LiveEnd::Stopped);
    assert_eq!(device.library.live(&device.auth).await, LiveEnd::Closed);
}

#[tokio::test]
async fn a_watch_ends_by_itself_once_nobody_is_signed_in() {
    let service = Service::start().await;
    let auth = Arc::new(
        service
            .sign_in("leaving@example.com", Arc::new(MemoryStore::default()))
            .await,
    );
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path(), service.client()).await.unwrap();
    let short = LiveTiming {
        wait: Duration::from_secs(1),
        ..LiveTiming::default()
    };
    let watch = tokio::spawn({
        let (library, auth) = (library.clone(), auth.clone());
        async move { library.live_with(&auth, short).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    auth.sign_out().await.unwrap();
    // Its held request ends after its second; then it sees nobody is signed in.
    let end = tokio::time::timeout(Duration::from_secs(5), watch)
        .await
        .expect("the watch went on after sign-out")
        .unwrap();
    assert_eq!(end, LiveEnd::SignedOut);
    assert_eq!(library.live(&auth).await, LiveEnd::SignedOut);
}

#[tokio::test]
async fn another_account_signing_in_stops_the_first_ones_watch_before_the_cache_changes_hands() {
    let service = Service::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let libraries = SignedInLibrary::new(service.client(), Box::new(move || Ok(path.clone())));
    let first = Arc::new(
        service
            .sign_in("first-live@example.com", Arc::new(MemoryStore::default()))
            .await,
    );
    let library = libraries.for_signed_in(&first).await.unwrap().library;
    let watch = tokio::spawn({
        let (library, first) = (library.clone(), first.clone());
        async move { library.live(&first).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!watch.is_finished());

    let second = service
        .sign_in("second-live@example.com", Arc::new(MemoryStore::default()))
        .await;
    let opened = tokio::time::timeout(Duration::from_secs(2), libraries.for_signed_in(&second))
        .await
        .expect("the switch waited for the held request")
        .unwrap();
    assert!(opened.switched);
    assert!(watch.is_finished(), "stopped before the cache was bound");
    assert_eq!(watch.await.unwrap(), LiveEnd::Stopped);
    // The same library, now the second account's, may be followed again.
    assert!(opened.library.same_as(&library));
    let again = tokio::spawn({
        let library = opened.library.clone();
        async move { library.live(&second).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!again.is_finished());
    libraries.close().await;
    assert_eq!(again.await.unwrap(), LiveEnd::Stopped);
}

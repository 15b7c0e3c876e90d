//! Blobs written before their row: a write that crashes in between leaves no orphan for long.
#![allow(clippy::unwrap_used)]

use atelier_server::blob_intents::{self, ABANDONED_AFTER_MS};
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::platform::{BlobKey, Blobs, Sql};
use bytes::Bytes;

const PREFIX: &str = "images/acct/uploads/0123456789abcdef0123456789abcdef/";

mod common;
use common::native_with;

async fn world(dir: &std::path::Path) -> (NativePlatform, Clock) {
    native_with(dir, &[]).await
}

/// Announces and writes an upload's two blobs, as the upload route does before its row.
async fn write_blobs(p: &NativePlatform) -> Vec<BlobKey> {
    blob_intents::announce(p, "acct", PREFIX).await.unwrap();
    let keys = ["original.png", "thumbnail.jpg"]
        .map(|name| BlobKey::new(format!("{PREFIX}{name}")).unwrap());
    for key in &keys {
        p.blob_put(key, Bytes::from_static(b"bytes"), "image/png")
            .await
            .unwrap();
    }
    keys.to_vec()
}

async fn present(p: &NativePlatform, keys: &[BlobKey]) -> usize {
    let mut n = 0;
    for key in keys {
        n += usize::from(p.blob_get(key).await.unwrap().is_some());
    }
    n
}

#[tokio::test]
async fn blobs_whose_row_never_came_are_deleted_once_the_write_is_surely_dead() {
    let dir = tempfile::tempdir().unwrap();
    let (p, clock) = world(dir.path()).await;
    let keys = write_blobs(&p).await;
    // The process dies here: no row, no retirement.
    clock.advance(ABANDONED_AFTER_MS - 1_000);
    assert_eq!(
        blob_intents::sweep(&p).await.unwrap(),
        0,
        "a write may still be under way"
    );
    assert_eq!(present(&p, &keys).await, 2);

    clock.advance(2_000);
    assert_eq!(blob_intents::sweep(&p).await.unwrap(), 1);
    assert_eq!(present(&p, &keys).await, 0, "the orphaned blobs are gone");
    assert_eq!(
        blob_intents::sweep(&p).await.unwrap(),
        0,
        "and so is the announcement"
    );
}

#[tokio::test]
async fn blobs_whose_row_was_written_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (p, clock) = world(dir.path()).await;
    let keys = write_blobs(&p).await;
    // The owner's batch retires the announcement with its row.
    p.batch(vec![blob_intents::retire(PREFIX)]).await.unwrap();
    clock.advance(ABANDONED_AFTER_MS * 10);
    atelier_server::background::tick(&p).await.unwrap();
    assert_eq!(present(&p, &keys).await, 2);
}

#[tokio::test]
async fn the_background_round_sweeps() {
    let dir = tempfile::tempdir().unwrap();
    let (p, clock) = world(dir.path()).await;
    let keys = write_blobs(&p).await;
    clock.advance(ABANDONED_AFTER_MS + 1);
    atelier_server::background::tick(&p).await.unwrap();
    assert_eq!(present(&p, &keys).await, 0);
}

//! The native platform's ports behave as the Worker's do: atomic batches, KV TTLs on the platform
//! clock, blobs that refuse hostile keys and page their listings.
#![allow(clippy::unwrap_used)]

use atelier_server::platform::{
    BlobKey, Blobs, Kv, Platform, PlatformError, Sql, Statement, rows_as,
};
use bytes::Bytes;

mod common;
use common::native as platform;

#[tokio::test]
async fn a_batch_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let insert = |key: &str| {
        Statement::new("INSERT INTO service_meta (key, value, updated_at) VALUES (?, 'v', 0)")
            .bind(key)
    };
    // The second statement violates the primary key: the first must not survive.
    let err = p.batch(vec![insert("a"), insert("a")]).await.unwrap_err();
    assert!(matches!(err, PlatformError::Sql(_)), "{err:?}");
    #[derive(serde::Deserialize)]
    struct N {
        n: i64,
    }
    let n = rows_as::<N>(
        p.query(Statement::new("SELECT COUNT(*) AS n FROM service_meta"))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(n[0].n, 0);
    assert_eq!(
        p.batch(vec![insert("a"), insert("b")]).await.unwrap(),
        vec![1, 1]
    );
}

#[tokio::test]
async fn kv_entries_expire_on_the_platform_clock() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    p.kv_put("short", b"1".to_vec(), Some(60)).await.unwrap();
    p.kv_put("forever", b"2".to_vec(), None).await.unwrap();
    assert!(
        p.kv_put("too-short", b"x".to_vec(), Some(59))
            .await
            .is_err(),
        "KV refuses TTLs under 60 s"
    );
    assert_eq!(p.kv_get("short").await.unwrap().as_deref(), Some(&b"1"[..]));
    p.clock().advance(61_000);
    assert_eq!(p.kv_get("short").await.unwrap(), None);
    assert_eq!(
        p.kv_list("", None).await.unwrap().keys,
        vec!["forever".to_owned()]
    );
    assert_eq!(p.sweep_expired_kv().await.unwrap(), 1);
}

#[tokio::test]
async fn kv_lists_by_prefix_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    for i in 0..1_005 {
        p.kv_put(&format!("p:{i:05}"), vec![], None).await.unwrap();
    }
    p.kv_put("q:other", vec![], None).await.unwrap();
    let first = p.kv_list("p:", None).await.unwrap();
    assert_eq!(first.keys.len(), 1_000);
    let second = p.kv_list("p:", first.cursor).await.unwrap();
    assert_eq!(second.keys.len(), 5);
    assert!(second.cursor.is_none());
}

#[tokio::test]
async fn blobs_round_trip_replace_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let key = BlobKey::new("u/abc/original.png").unwrap();
    p.blob_put(&key, Bytes::from_static(b"one"), "image/png")
        .await
        .unwrap();
    p.blob_put(&key, Bytes::from_static(b"two"), "image/png")
        .await
        .unwrap();
    let blob = p.blob_get(&key).await.unwrap().unwrap();
    assert_eq!(
        (&blob.bytes[..], blob.content_type.as_str()),
        (&b"two"[..], "image/png")
    );
    p.blob_put(
        &BlobKey::new("u/abd/x").unwrap(),
        Bytes::new(),
        "text/plain",
    )
    .await
    .unwrap();
    let page = p.blob_list("u/abc/", None, 10).await.unwrap();
    assert_eq!(page.keys, vec![key.clone()]);
    p.blob_delete(&[key.clone(), BlobKey::new("missing").unwrap()])
        .await
        .unwrap();
    assert!(p.blob_get(&key).await.unwrap().is_none());
    // No temporary file is left behind.
    assert_eq!(
        std::fs::read_dir(dir.path().join("blobs/tmp"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test]
async fn randomness_differs_and_the_clock_moves() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    p.fill_random(&mut a).unwrap();
    p.fill_random(&mut b).unwrap();
    assert_ne!(a, b);
    let before = p.now_ms();
    p.advance_clock(5_000).await.unwrap();
    assert!(p.now_ms() - before >= 5_000);
}

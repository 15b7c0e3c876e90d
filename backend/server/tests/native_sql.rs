//! The native SQL port under the conditions of a loaded server: one writer beside readers, and
//! requests that go away in the middle of a write (their client hung up).
#![cfg(feature = "native")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use atelier_server::native::NativePlatform;
use atelier_server::platform::{Sql, Statement, rows_as};

mod common;
use common::native as platform;

fn insert(key: String) -> Statement {
    Statement::new("INSERT INTO service_meta (key, value, updated_at) VALUES (?, 'v', 0)").bind(key)
}

async fn count(p: &NativePlatform) -> i64 {
    #[derive(serde::Deserialize)]
    struct N {
        n: i64,
    }
    rows_as::<N>(
        p.query(Statement::new("SELECT COUNT(*) AS n FROM service_meta"))
            .await
            .unwrap(),
    )
    .unwrap()[0]
        .n
}

#[tokio::test]
async fn a_batch_dropped_midway_leaves_no_transaction_open() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    const SIZE: usize = 40;
    // Dropped after ever longer times: some before BEGIN, some between BEGIN and COMMIT.
    for attempt in 0..40u64 {
        let batch = (0..SIZE)
            .map(|i| insert(format!("dropped-{attempt}-{i}")))
            .collect();
        let _ = tokio::time::timeout(Duration::from_micros(50 * attempt), p.batch(batch)).await;
    }
    // Whatever each dropped batch did, it did all of it or none of it, and the writer is free:
    // later writes commit, promptly, and readers see them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = count(&p).await;
    assert_eq!(before % SIZE as i64, 0, "a dropped batch was half applied");
    for round in 0..5 {
        let batch = (0..3)
            .map(|i| insert(format!("after-{round}-{i}")))
            .collect();
        let changed = tokio::time::timeout(Duration::from_secs(3), p.batch(batch))
            .await
            .expect("the writer is stuck")
            .unwrap();
        assert_eq!(changed, vec![1, 1, 1]);
        tokio::time::timeout(
            Duration::from_secs(3),
            p.execute(insert(format!("single-{round}"))),
        )
        .await
        .expect("the writer is stuck")
        .unwrap();
    }
    assert_eq!(count(&p).await, before + 20);
    // And a second process (a fresh platform on the same folder) sees them committed.
    let other = platform(dir.path()).await;
    assert_eq!(count(&other).await, before + 20);
}

#[tokio::test]
async fn writes_that_return_rows_and_reads_go_to_their_connections() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    // A write through `query` (RETURNING) is a write: it lands, and the next read sees it.
    #[derive(serde::Deserialize)]
    struct Key {
        key: String,
    }
    let rows = p
        .query(Statement::new(
            "INSERT INTO service_meta (key, value, updated_at) VALUES ('k', 'v', 0) RETURNING key",
        ))
        .await
        .unwrap();
    assert_eq!(rows_as::<Key>(rows).unwrap()[0].key, "k");
    let rows = p
        .query(Statement::new("  select key FROM service_meta"))
        .await
        .unwrap();
    assert_eq!(rows_as::<Key>(rows).unwrap().len(), 1);
    // Read-your-writes across many concurrent readers and the writer.
    let mut tasks = Vec::new();
    for i in 0..50 {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            p.execute(insert(format!("c{i}"))).await.unwrap();
            count(&p).await
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap() >= 2);
    }
    assert_eq!(count(&p).await, 51);
}

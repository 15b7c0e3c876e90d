//! The rows of generations as the pipeline writes them: the benchmarks' seeder writes what the
//! service reads back, and the task phases the code knows are the ones the table holds.
#![cfg(all(feature = "native", feature = "test-hooks"))]
#![allow(clippy::unwrap_used)]

use atelier_api::generations::GenerationStatus;
use atelier_server::generations::rows::{TaskInsert, TaskPhase};
use atelier_server::generations::{record, tasks};
use atelier_server::native::NativePlatform;
use atelier_server::platform::{Sql, Statement, rows_as};
use atelier_server::seeding::{self, Library, id};

mod common;

/// The account the libraries belong to.
async fn account(platform: &NativePlatform) {
    platform
        .execute(Statement::new(
            "INSERT INTO accounts (id, email, auth_provider, created_at) VALUES ('acct', 'a@example.com', 'email', 0)",
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_seeded_library_reads_back_as_the_service_wrote_it() {
    let dir = tempfile::tempdir().unwrap();
    let platform = common::native(dir.path()).await;
    account(&platform).await;
    let library = Library {
        prefix: 7,
        images: 5,
        thumbnail: seeding::thumbnail,
        original: |n| bytes::Bytes::from(format!("original {n}")),
    };
    seeding::seed(&platform, "acct", library).await.unwrap();

    let first = record::row(&platform, &id(7, 2, 0)).await.unwrap().unwrap();
    let generation = record::to_api(&platform, first).await.unwrap();
    assert_eq!(generation.status, GenerationStatus::Done);
    assert!(
        generation.input_images.is_empty(),
        "{:?}",
        generation.input_images
    );
    assert_eq!(generation.images.len(), 2);
    assert_eq!(generation.conversation_id, id(7, 1, 0));

    #[derive(serde::Deserialize)]
    struct Count {
        images: i64,
        logged: i64,
    }
    let counts: Vec<Count> = rows_as(
        platform
            .query(Statement::new(
                "SELECT (SELECT COUNT(*) FROM images WHERE account_id = 'acct') AS images,
                        (SELECT COUNT(*) FROM sync_changes WHERE account_id = 'acct') AS logged",
            ))
            .await
            .unwrap(),
    )
    .unwrap();
    // 5 images, 3 generations, 1 conversation: each written with its sync-log entry.
    assert_eq!((counts[0].images, counts[0].logged), (5, 9));
}

/// The task phases the code knows are exactly those the table accepts: each is stored and read
/// back as itself, and a name outside them is refused by the table.
#[tokio::test]
async fn every_task_phase_is_one_the_table_holds() {
    let dir = tempfile::tempdir().unwrap();
    let platform = common::native(dir.path()).await;
    let library = Library {
        prefix: 1,
        images: 1,
        thumbnail: seeding::thumbnail,
        original: |_| bytes::Bytes::from_static(b"original"),
    };
    account(&platform).await;
    seeding::seed(&platform, "acct", library).await.unwrap();
    let generation = id(1, 2, 0);
    for (idx, phase) in TaskPhase::ALL.into_iter().enumerate() {
        let idx = idx as i64 + 10;
        let task = TaskInsert {
            generation_id: &generation,
            idx,
            kie_task_id: None,
            callback_secret_hash: "",
            state: phase,
            next_poll_at: 0,
            updated_at: 0,
        };
        platform.execute(task.insert()).await.unwrap();
        let read = tasks::task(&platform, &generation, idx)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.state, phase);
    }
    let unknown = Statement::new(
        "INSERT INTO generation_tasks (generation_id, idx, callback_secret_hash, state, next_poll_at, updated_at)
         VALUES (?, 99, '', 'queued', 0, 0)",
    )
    .bind(generation.as_str());
    assert!(platform.execute(unknown).await.is_err());
}

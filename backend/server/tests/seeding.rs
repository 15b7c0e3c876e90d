//! The benchmarks' seeder writes the rows the pipeline itself writes: a seeded library reads back
//! through the service's own readers as finished generations of made-from-words images.
#![cfg(all(feature = "native", feature = "test-hooks"))]
#![allow(clippy::unwrap_used)]

use atelier_api::generations::GenerationStatus;
use atelier_server::generations::record;
use atelier_server::platform::{Sql, Statement, rows_as};
use atelier_server::seeding::{self, Library, id};

mod common;

#[tokio::test]
async fn a_seeded_library_reads_back_as_the_service_wrote_it() {
    let dir = tempfile::tempdir().unwrap();
    let platform = common::native(dir.path()).await;
    platform
        .execute(
            Statement::new(
                "INSERT INTO accounts (id, email, auth_provider, created_at) VALUES ('acct', 'a@example.com', 'email', 0)",
            ),
        )
        .await
        .unwrap();
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

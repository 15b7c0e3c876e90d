//! The search indexes kept current: deletions, resets, prompts changed in place, the migration
//! of an older cache, the longest prompt; and what an image was made from.

use super::*;

/// The number of generations in the pairs' index holding the pair `word`.
async fn indexed(cache: &Cache, word: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM prompt_grams WHERE prompt_grams MATCH ?")
        .bind(grams_query([word]))
        .fetch_one(cache.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_a_generation_or_image_removes_it_from_the_search() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_of(dir.path(), &["海边的灯塔", "灯塔和雪", "灯塔"]).await;
    assert_eq!(found(&cache, "灯塔").await, images(&[0, 1, 2]));
    assert_eq!(indexed(&cache, "灯塔").await, 3);

    apply(
        &cache,
        vec![SyncChange::Delete {
            seq: 0,
            kind: SyncKind::Generation,
            id: record_id(2, 1),
        }],
    )
    .await;
    assert_eq!(indexed(&cache, "灯塔").await, 2);
    assert_eq!(indexed(&cache, "雪").await, 0);
    assert_eq!(found(&cache, "灯塔").await, images(&[0, 2]));

    // An image deleted here leaves the results; its generation's prompt stays indexed.
    cache.delete_images(&[record_id(3, 2)]).await.unwrap();
    assert_eq!(found(&cache, "灯塔").await, images(&[0]));

    apply(
        &cache,
        vec![SyncChange::Delete {
            seq: 0,
            kind: SyncKind::Conversation,
            id: record_id(1, 0),
        }],
    )
    .await;
    assert_eq!(indexed(&cache, "灯").await, 0);
    assert_eq!(found(&cache, "灯").await, images(&[]));
    integrity_check(&cache).await;
}

async fn integrity_check(cache: &Cache) {
    sqlx::query("INSERT INTO prompt_grams (prompt_grams, rank) VALUES ('integrity-check', 0)")
        .execute(cache.pool())
        .await
        .unwrap();
}

/// A reset (`reset_required`) or a wipe empties the pairs' index with the prompts, and the
/// resync that follows fills it again from what the service sends now.
#[tokio::test]
async fn a_resync_rebuilds_the_search() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_of(dir.path(), &["海边的灯塔", "红狐狸"]).await;
    assert_eq!(found(&cache, "灯塔").await, images(&[0]));

    cache.reset_sync().await.unwrap();
    assert_eq!(indexed(&cache, "灯塔").await, 0);
    assert_eq!(found(&cache, "灯塔").await, images(&[]));
    // The same generation, its prompt now another.
    apply(
        &cache,
        upserts(vec![generation(0, "雪山", 0), image(0, 0, 0)]),
    )
    .await;
    assert_eq!(found(&cache, "灯塔").await, images(&[]));
    assert_eq!(found(&cache, "雪山").await, images(&[0]));
    assert_eq!(found(&cache, "狐").await, images(&[]));

    cache.wipe().await.unwrap();
    assert_eq!(indexed(&cache, "雪山").await, 0);
    apply(
        &cache,
        upserts(vec![generation(5, "狐狸", 5), image(5, 5, 5)]),
    )
    .await;
    assert_eq!(found(&cache, "狐").await, images(&[5]));
    assert_eq!(found(&cache, "雪").await, images(&[]));
    integrity_check(&cache).await;
}

/// Sync never changes a prompt, but should anything do so, the pairs follow.
#[tokio::test]
async fn a_prompt_changed_in_place_is_indexed_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_of(dir.path(), &["海边的灯塔"]).await;
    sqlx::query("UPDATE generations SET prompt = '雪山' WHERE id = ?")
        .bind(record_id(2, 0))
        .execute(cache.pool())
        .await
        .unwrap();
    cache.rows_changed();
    assert_eq!(found(&cache, "灯塔").await, images(&[]));
    assert_eq!(found(&cache, "雪山").await, images(&[0]));
    assert_eq!(found(&cache, "山").await, images(&[0]));
    integrity_check(&cache).await;
}

/// A cache made before the pairs' index gets its prompts indexed by the migration.
#[tokio::test]
async fn the_migration_indexes_the_prompts_already_cached() {
    let dir = tempfile::tempdir().unwrap();
    {
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(dir.path().join("cache.sqlite"))
                .create_if_missing(true),
        )
        .await
        .unwrap();
        let before = sqlx::migrate::Migrator {
            migrations: crate::cache::MIGRATOR
                .iter()
                .filter(|m| m.version < 5)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&pool).await.unwrap();
        for (n, prompt) in [(0_u64, "海边的灯塔"), (1, "a cat"), (2, "")] {
            sqlx::query(
                "INSERT INTO generations (id, conversation_id, prompt, model, aspect_ratio, count, cost, status,
                                          created_at, updated_at)
                 VALUES (?, ?, ?, 'm', '1:1', 1, 4, 'done', ?, ?)",
            )
            .bind(record_id(2, n))
            .bind(record_id(1, 0))
            .bind(prompt)
            .bind(n as i64)
            .bind(n as i64)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    let cache = Cache::open(dir.path()).await.unwrap();
    apply(
        &cache,
        upserts(vec![image(0, 0, 0), image(1, 1, 1), image(2, 2, 2)]),
    )
    .await;
    assert_eq!(found(&cache, "灯塔").await, images(&[0]));
    assert_eq!(found(&cache, "塔").await, images(&[0]));
    assert_eq!(found(&cache, "t").await, images(&[1]));
    integrity_check(&cache).await;
}

/// The positions the triggers walk reach the longest prompt sync accepts.
#[tokio::test]
async fn the_longest_prompt_is_indexed_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let (max, count): (i64, i64) = {
        let cache = Cache::open(dir.path()).await.unwrap();
        sqlx::query_as("SELECT MAX(n), COUNT(*) FROM prompt_gram_positions")
            .fetch_one(cache.pool())
            .await
            .unwrap()
    };
    assert_eq!(
        (max, count),
        (MAX_FIELD_CHARS as i64, MAX_FIELD_CHARS as i64)
    );
    let long = format!("{}灯塔", "x".repeat(MAX_FIELD_CHARS - 2));
    let cache = cache_of(dir.path(), &[&long]).await;
    assert_eq!(found(&cache, "灯塔").await, images(&[0]));
    assert_eq!(found(&cache, "塔").await, images(&[0]));
}

/// An image made from inputs names them in the model's order: a gallery image (with its details,
/// so the detail view can open it), an upload, and one deleted since; an image made from words
/// alone, or one not in the cache, names none.
#[tokio::test]
async fn an_image_names_what_it_was_made_from() {
    use crate::cache::sources::ImageSource;
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_of(dir.path(), &["a lighthouse"]).await;
    let upload_id = record_id(4, 1);
    let gone_id = record_id(3, 99);
    let SyncRecord::Generation(mut edit) = generation(1, "make it night", 5) else {
        unreachable!()
    };
    edit.input_images = vec![record_id(3, 0), upload_id.clone(), gone_id.clone()];
    apply(
        &cache,
        upserts(vec![
            SyncRecord::Upload(atelier_api::uploads::Upload {
                id: upload_id.clone(),
                width: 640,
                height: 480,
                bytes: 1000,
                sha256: "ab".repeat(32),
                content_type: "image/png".into(),
                thumbnail_sha256: "cd".repeat(32),
                thumbnail_bytes: 100,
                created_at: 4,
            }),
            SyncRecord::Generation(edit),
            image(1, 1, 5),
        ]),
    )
    .await;

    let sources = cache
        .image_sources(&record_id(3, 1).to_uppercase())
        .await
        .unwrap();
    assert_eq!(sources.len(), 3, "{sources:?}");
    match &sources[0] {
        ImageSource::Image { item } => {
            assert_eq!(item.image_id, record_id(3, 0));
            assert_eq!(item.prompt, "a lighthouse");
        }
        other => panic!("the first input is the gallery image, not {other:?}"),
    }
    assert_eq!(
        sources[1..],
        [
            ImageSource::Upload {
                id: upload_id,
                width: 640,
                height: 480
            },
            ImageSource::Gone { id: gone_id }
        ]
    );
    assert_eq!(cache.image_sources(&record_id(3, 0)).await.unwrap(), []);
    assert_eq!(cache.image_sources(&record_id(3, 42)).await.unwrap(), []);
}

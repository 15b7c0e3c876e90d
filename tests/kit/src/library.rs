//! What the service and a device's cache hold, read to compare them; and a generation made and
//! waited for.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use atelier_api::generations::{Generation, GenerationStatus, NewGeneration};
use atelier_api::sync::{ImageRecord, SyncChange, SyncKind, SyncRecord};
use atelier_client::ApiClient;
use atelier_client::api::IdempotencyKey;
use atelier_client::cache::Cache;
use atelier_client::session::SessionToken;

/// Makes `count` images of `prompt` with nano-banana and waits until they are done.
pub async fn generate(
    api: &ApiClient,
    token: &SessionToken,
    prompt: &str,
    count: u32,
) -> Generation {
    let body = NewGeneration {
        conversation_id: None,
        prompt: prompt.to_owned(),
        model: "nano-banana".to_owned(),
        aspect_ratio: "1:1".to_owned(),
        count,
        input_images: Vec::new(),
    };
    let created = api
        .create_generation(token, &IdempotencyKey::new(), &body)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let g = api.generation(token, &created.id).await.unwrap();
        if g.status == GenerationStatus::Done {
            return g;
        }
        assert!(Instant::now() < deadline, "still {:?}", g.status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The service's images for this account, read through sync from zero.
pub async fn server_images(api: &ApiClient, token: &SessionToken) -> BTreeMap<String, ImageRecord> {
    let mut state = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = api.sync_page(token, cursor.as_deref(), 1000).await.unwrap();
        for change in page.changes {
            match change {
                SyncChange::Upsert {
                    record: SyncRecord::Image(i),
                    ..
                } => {
                    state.insert(i.id.clone(), i);
                }
                SyncChange::Delete {
                    kind: SyncKind::Image,
                    id,
                    ..
                } => {
                    state.remove(&id);
                }
                _ => {}
            }
        }
        cursor = Some(page.next_cursor);
        if !page.has_more {
            return state;
        }
    }
}

/// The cache's images: id → (sha256, favourite), and whether each thumbnail file verifies.
pub async fn cached_images(cache: &Cache) -> BTreeMap<String, (String, bool)> {
    let rows: Vec<(String, String, bool, String, bool)> = sqlx::query_as(
        "SELECT id, sha256, favourite, thumbnail_sha256, thumbnail_cached FROM images",
    )
    .fetch_all(cache.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, sha, favourite, thumb, cached)| {
            assert!(cached, "thumbnail of {id} not cached");
            assert!(
                cache.files().read_verified(&thumb).is_some(),
                "thumbnail file of {id} missing or corrupt"
            );
            (id, (sha, favourite))
        })
        .collect()
}

/// Cache and service agree on every image row, and every thumbnail file is there and intact.
pub async fn assert_agree(cache: &Cache, api: &ApiClient, token: &SessionToken) {
    let server: BTreeMap<String, (String, bool)> = server_images(api, token)
        .await
        .into_iter()
        .map(|(id, i)| (id, (i.sha256, i.favourite)))
        .collect();
    assert_eq!(cached_images(cache).await, server);
    let report = cache.check_integrity().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

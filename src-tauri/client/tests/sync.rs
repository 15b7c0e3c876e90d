//! The offline cache and its sync against the real native server: a first sync, incremental ones,
//! deletions from another device, `reset_required`, offline use with the outbox, hostile data,
//! the originals budget. After each, the cache and the service agree on every row and file.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::time::Duration;

use atelier_api::generations::GenerationStatus;
use atelier_api::sync::{
    ImageRecord, SyncChange, SyncKind, SyncPage, SyncRecord, TOMBSTONE_RETENTION_MS,
};
use atelier_client::api::ImageVariant;
use atelier_client::cache::Cache;
use atelier_client::cache::gallery::GalleryQuery;
use atelier_client::sync::{LiveRound, SyncEngine, SyncOptions, SyncState};
use atelier_client::{Code, LocalCode};
use atelier_test_kit::{Service, assert_agree, generate, server_images};

fn engine(service: &Service, cache: &Cache) -> SyncEngine {
    SyncEngine::new(
        cache.clone(),
        service.client(),
        SyncOptions {
            page_size: 3,
            concurrency: 3,
        },
    )
}

fn all() -> GalleryQuery {
    GalleryQuery::default()
}

#[tokio::test]
async fn a_first_sync_copies_everything_and_a_second_fetches_nothing() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("first@example.com").await;
    let lighthouse = generate(&api, &token, "a lighthouse at dusk", 2).await;
    generate(&api, &token, "一只在雪中的红狐狸", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let sync = engine(&service, &cache);

    let report = sync.run(&token).await.unwrap();
    assert!(report.pages >= 2, "small pages: {report:?}");
    // The images of one prompt may be the same picture: one file each distinct thumbnail.
    let distinct: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT thumbnail_sha256) FROM images")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    assert_eq!(i64::from(report.thumbnails), distinct);
    assert_eq!(report.failed, 0);
    assert_agree(&cache, &api, &token).await;
    // Originals fit the default budget: all here, byte-identical to the service's.
    for image in &lighthouse.images {
        let local = sync.original(None, &image.id).await.unwrap();
        let remote = api
            .image(&token, &image.id, ImageVariant::Original)
            .await
            .unwrap();
        assert_eq!(local.bytes, remote.bytes);
    }
    let page = cache.gallery_page(&all(), 0, 200).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.items[0].prompt, "一只在雪中的红狐狸", "newest first");
    assert_eq!(page.items[0].credits, 4);
    let search = |s: &str| GalleryQuery {
        search: Some(s.into()),
        ..all()
    };
    for (term, expected) in [("lighthouse", 2), ("红狐狸", 1), ("狐", 1), ("zebra", 0)] {
        let total = cache
            .gallery_page(&search(term), 0, 200)
            .await
            .unwrap()
            .total;
        assert_eq!(total, expected, "searching {term:?}");
    }
    let status = sync.status();
    assert_eq!(status.state, SyncState::Idle);
    assert!(status.last_synced_at.is_some());

    let again = sync.run(&token).await.unwrap();
    assert_eq!(
        (
            again.upserts,
            again.deletes,
            again.thumbnails,
            again.originals
        ),
        (0, 0, 0, 0)
    );
}

#[tokio::test]
async fn deletions_made_on_another_device_reach_the_cache() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("two-devices@example.com").await;
    let kept = generate(&api, &token, "a quiet harbour", 2).await;
    let doomed = generate(&api, &token, "a conversation to delete", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let sync = engine(&service, &cache);
    sync.run(&token).await.unwrap();
    assert_eq!(cache.gallery_page(&all(), 0, 10).await.unwrap().total, 3);

    // The other device: its own session, the same account.
    let (other, other_token) = service.signed_in("two-devices@example.com").await;
    other
        .delete_image(&other_token, &kept.images[1].id)
        .await
        .unwrap();
    other
        .delete_conversation(&other_token, &doomed.conversation_id)
        .await
        .unwrap();
    other
        .set_favourite(&other_token, &kept.images[0].id, true)
        .await
        .unwrap();

    let report = sync.run(&token).await.unwrap();
    assert_eq!(report.deletes, 2, "{report:?}");
    let page = cache.gallery_page(&all(), 0, 10).await.unwrap();
    assert_eq!(page.total, 1);
    assert!(page.items[0].favourite);
    assert_agree(&cache, &api, &token).await;
    // The deleted images' files went with them (unless the same picture is still kept).
    let kept_hashes = [&kept.images[0].sha256];
    for gone in [&kept.images[1], &doomed.images[0]] {
        if !kept_hashes.contains(&&gone.sha256) {
            assert!(cache.files().read_verified(&gone.sha256).is_none());
        }
    }
}

#[tokio::test]
async fn a_cursor_too_old_resyncs_from_zero() {
    let service = Service::start().await;
    let email = "reset@example.com";
    let (api, token) = service.signed_in(email).await;
    let first = generate(&api, &token, "before the reset", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let sync = engine(&service, &cache);
    sync.run(&token).await.unwrap();

    // Meanwhile, elsewhere: a deletion whose tombstone is pruned before this device returns.
    api.delete_image(&token, &first.images[0].id).await.unwrap();
    let later = generate(&api, &token, "after the reset", 1).await;
    service.advance_clock(TOMBSTONE_RETENTION_MS + 60_000).await;
    service.tick().await;
    let (api, token) = service.signed_in(email).await; // the old session has expired

    let report = sync.run(&token).await.unwrap();
    assert_eq!(report.resets, 1, "{report:?}");
    let page = cache.gallery_page(&all(), 0, 10).await.unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|i| i.image_id.as_str())
            .collect::<Vec<_>>(),
        vec![later.images[0].id.as_str()]
    );
    assert_agree(&cache, &api, &token).await;

    // The live watch meets the same answer and hands it to the pass, which resyncs.
    api.delete_image(&token, &later.images[0].id).await.unwrap();
    let last = generate(&api, &token, "after the second reset", 1).await;
    service.advance_clock(TOMBSTONE_RETENTION_MS + 60_000).await;
    service.tick().await;
    let (api, token) = service.signed_in(email).await;
    let round = sync.live_round(&token, Duration::from_millis(200)).await;
    let Ok(LiveRound::Applied(report)) = round else {
        panic!("the resync is applied: {round:?}");
    };
    assert_eq!(report.resets, 1, "{report:?}");
    let page = cache.gallery_page(&all(), 0, 10).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].image_id, last.images[0].id);
    assert_agree(&cache, &api, &token).await;
}

#[tokio::test]
async fn offline_the_gallery_works_and_the_outbox_applies_once_on_reconnect() {
    let mut service = Service::start().await;
    let (api, token) = service.signed_in("offline@example.com").await;
    let g = generate(&api, &token, "a cabin in the woods", 3).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let sync = engine(&service, &cache);
    sync.run(&token).await.unwrap();

    service.stop().await;
    // Browse, search, open an original: all from the cache.
    assert_eq!(cache.gallery_page(&all(), 0, 10).await.unwrap().total, 3);
    let search = GalleryQuery {
        search: Some("cabin".into()),
        ..all()
    };
    assert_eq!(cache.gallery_page(&search, 0, 10).await.unwrap().total, 3);
    let original = sync.original(Some(&token), &g.images[0].id).await.unwrap();
    assert_eq!(original.bytes.len() as u64, g.images[0].bytes);
    // Delete one, favourite another: at once here, queued for the service.
    cache
        .delete_images(&[g.images[1].id.clone()])
        .await
        .unwrap();
    cache
        .set_favourite(&[g.images[2].id.clone()], true)
        .await
        .unwrap();
    cache
        .set_favourite(&[g.images[2].id.clone()], false)
        .await
        .unwrap();
    cache
        .set_favourite(&[g.images[2].id.clone()], true)
        .await
        .unwrap();
    assert_eq!(cache.outbox_len().await.unwrap(), 2, "one wish per image");
    let page = cache.gallery_page(&all(), 0, 10).await.unwrap();
    assert_eq!(page.total, 2);
    assert!(
        page.items
            .iter()
            .any(|i| i.image_id == g.images[2].id && i.favourite)
    );

    let offline = sync.run(&token).await.unwrap_err();
    assert_eq!(offline.code().as_str(), "offline");
    let status = sync.status();
    assert_eq!(status.state, SyncState::Offline);
    assert_eq!(status.pending_changes, 2);

    service.restart().await;
    let report = sync.run(&token).await.unwrap();
    assert_eq!(report.outbox_sent, 2);
    assert_eq!(sync.status().pending_changes, 0);
    let server = server_images(&api, &token).await;
    assert!(
        !server.contains_key(&g.images[1].id),
        "the delete reached the service"
    );
    assert!(
        server[&g.images[2].id].favourite,
        "the favourite reached the service"
    );
    assert_agree(&cache, &api, &token).await;
    let again = sync.run(&token).await.unwrap();
    assert_eq!(again.outbox_sent, 0, "nothing is sent twice");
}

fn image_record(id: &str) -> ImageRecord {
    let hash = "ab".repeat(32);
    ImageRecord {
        id: id.to_owned(),
        generation_id: "1".repeat(32),
        conversation_id: "2".repeat(32),
        idx: 0,
        width: 10,
        height: 10,
        content_type: "image/png".into(),
        sha256: hash.clone(),
        bytes: 1,
        thumbnail_sha256: hash,
        thumbnail_bytes: 1,
        favourite: false,
        created_at: 1,
        updated_at: 1,
    }
}

#[tokio::test]
async fn hostile_sync_data_changes_nothing_and_is_refused_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let good = SyncPage {
        changes: vec![SyncChange::Upsert {
            seq: 1,
            record: SyncRecord::Image(image_record(&"3".repeat(32))),
        }],
        next_cursor: "1.0".into(),
        has_more: false,
    };
    cache.apply_page(&good).await.unwrap();

    let mut path_like = image_record("../../../../etc/passwd");
    path_like.created_at = 2;
    let mut bad_hash = image_record(&"4".repeat(32));
    bad_hash.sha256 = "../".repeat(21) + "x";
    let huge_prompt = atelier_api::sync::GenerationRecord {
        id: "5".repeat(32),
        conversation_id: "2".repeat(32),
        prompt: "x".repeat(atelier_client::cache::MAX_FIELD_CHARS + 1),
        model: "m".into(),
        aspect_ratio: "1:1".into(),
        count: 1,
        input_images: Vec::new(),
        cost: 4,
        status: GenerationStatus::Done,
        failure_code: None,
        created_at: 1,
        updated_at: 1,
    };
    let valid = SyncChange::Upsert {
        seq: 2,
        record: SyncRecord::Image(image_record(&"6".repeat(32))),
    };
    let hostile = [
        vec![
            valid.clone(),
            SyncChange::Upsert {
                seq: 3,
                record: SyncRecord::Image(path_like),
            },
        ],
        vec![
            valid.clone(),
            SyncChange::Upsert {
                seq: 3,
                record: SyncRecord::Image(bad_hash),
            },
        ],
        vec![
            valid.clone(),
            SyncChange::Upsert {
                seq: 3,
                record: SyncRecord::Generation(huge_prompt),
            },
        ],
        vec![
            valid.clone(),
            SyncChange::Delete {
                seq: 3,
                kind: SyncKind::Image,
                id: "..".into(),
            },
        ],
        vec![
            SyncChange::Delete {
                seq: 5,
                kind: SyncKind::Image,
                id: "3".repeat(32),
            },
            valid.clone(),
        ],
    ];
    for changes in hostile {
        let page = SyncPage {
            changes,
            next_cursor: "9.0".into(),
            has_more: false,
        };
        let e = cache.apply_page(&page).await.unwrap_err();
        assert_eq!(e.code(), Code::Local(LocalCode::InvalidSyncData), "{e}");
    }
    let e = cache
        .apply_page(&SyncPage {
            changes: vec![],
            next_cursor: "../x y".into(),
            has_more: false,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Local(LocalCode::InvalidSyncData));
    // Nothing of any of them was applied: one image, the first cursor.
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM images")
        .fetch_all(cache.pool())
        .await
        .unwrap();
    assert_eq!(ids, vec!["3".repeat(32)]);
    assert_eq!(cache.cursor().await.unwrap().as_deref(), Some("1.0"));
}

#[tokio::test]
async fn a_corrupt_file_is_fetched_again_and_the_budget_keeps_the_recently_viewed() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("budget@example.com").await;
    let older = generate(&api, &token, "an older picture of a bridge", 1).await;
    let newer = generate(&api, &token, "a newer picture of a tower", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    assert_eq!(
        cache.originals_budget().await.unwrap(),
        2 * 1024 * 1024 * 1024,
        "2 GB by default"
    );
    let too_big = cache
        .set_originals_budget(atelier_client::cache::storage::MAX_BUDGET + 1)
        .await
        .unwrap_err();
    assert_eq!(too_big.code().as_str(), "bad_request");
    // Room for exactly one original: the newest is kept.
    let one = newer.images[0].bytes.max(older.images[0].bytes);
    cache.set_originals_budget(one).await.unwrap();
    let sync = engine(&service, &cache);
    let report = sync.run(&token).await.unwrap();
    assert_eq!(report.originals, 1, "{report:?}");
    let item = |id: &str| {
        let cache = cache.clone();
        let id = id.to_owned();
        async move {
            cache
                .gallery_page(&all(), 0, 10)
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|i| i.image_id == id)
                .unwrap()
        }
    };
    assert!(item(&newer.images[0].id).await.original_cached);
    assert!(!item(&older.images[0].id).await.original_cached);
    // Viewing the older one fetches it, and the newer (viewed less recently) makes room.
    let bytes = sync
        .original(Some(&token), &older.images[0].id)
        .await
        .unwrap();
    assert_eq!(bytes.bytes.len() as u64, older.images[0].bytes);
    if older.images[0].sha256 != newer.images[0].sha256 {
        assert!(item(&older.images[0].id).await.original_cached);
        assert!(!item(&newer.images[0].id).await.original_cached);
    }

    // Bit rot in a thumbnail: noticed when read, fetched again by the next sync.
    let thumb: String = sqlx::query_scalar("SELECT thumbnail_sha256 FROM images WHERE id = ?")
        .bind(&newer.images[0].id)
        .fetch_one(cache.pool())
        .await
        .unwrap();
    std::fs::write(cache.files().path(&thumb).unwrap(), b"rot").unwrap();
    assert!(sync.thumbnail(&newer.images[0].id).await.unwrap().is_none());
    let report = sync.run(&token).await.unwrap();
    assert!(report.thumbnails >= 1, "{report:?}");
    assert!(sync.thumbnail(&newer.images[0].id).await.unwrap().is_some());
    assert_agree(&cache, &api, &token).await;
}

#[tokio::test]
async fn a_cache_opened_for_another_account_is_wiped_first() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("first-owner@example.com").await;
    generate(&api, &token, "private things", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    cache.bind_account("account-a").await.unwrap();
    engine(&service, &cache).run(&token).await.unwrap();
    assert_eq!(cache.gallery_page(&all(), 0, 10).await.unwrap().total, 1);
    cache.bind_account("account-a").await.unwrap();
    assert_eq!(cache.gallery_page(&all(), 0, 10).await.unwrap().total, 1);
    cache.bind_account("account-b").await.unwrap();
    assert_eq!(cache.gallery_page(&all(), 0, 10).await.unwrap().total, 0);
    assert_eq!(cache.cursor().await.unwrap(), None);
    assert_eq!(cache.files().size(), 0);
}

/// An image uploaded on one device is known to another after its sync: the row, and the
/// thumbnail's file on disk (shown offline), byte-identical to the service's; a generation made
/// from it carries its id to the other device too.
#[tokio::test]
async fn uploads_reach_another_device_with_their_thumbnails() {
    let service = Service::start().await;
    let (api, token) = service.signed_in("uploads@example.com").await;
    let mut png = Vec::new();
    image::RgbImage::from_fn(96, 64, |x, y| image::Rgb([x as u8, y as u8, 99]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let upload = api
        .upload(&token, png.clone().into(), "image/png")
        .await
        .unwrap();
    let upscale = atelier_api::generations::NewGeneration {
        conversation_id: None,
        prompt: String::new(),
        model: "upscale-2x".to_owned(),
        aspect_ratio: "auto".to_owned(),
        count: 1,
        input_images: vec![upload.id.clone()],
    };
    let made = api
        .create_generation(
            &token,
            &atelier_client::api::IdempotencyKey::new(),
            &upscale,
        )
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    engine(&service, &cache).run(&token).await.unwrap();
    let known = cache.uploads().await.unwrap();
    assert_eq!(known.len(), 1);
    assert_eq!(
        (known[0].id.as_str(), known[0].width, known[0].height),
        (upload.id.as_str(), 96, 64)
    );
    assert!(known[0].thumbnail_cached, "{known:?}");
    let on_disk = cache
        .files()
        .read_verified(&upload.thumbnail_sha256)
        .unwrap();
    let served = api
        .upload_bytes(&token, &upload.id, ImageVariant::Thumbnail)
        .await
        .unwrap();
    assert_eq!(on_disk, served.bytes.to_vec());
    let inputs: String = sqlx::query_scalar("SELECT input_images FROM generations WHERE id = ?")
        .bind(&made.id)
        .fetch_one(cache.pool())
        .await
        .unwrap();
    assert_eq!(inputs, upload.id);
    // Nothing of the upload is left to fetch.
    assert!(cache.missing_upload_thumbnails().await.unwrap().is_empty());

    // Deleted on the first device: gone from this one at its next sync, file and all.
    api.delete_upload(&token, &upload.id).await.unwrap();
    engine(&service, &cache).run(&token).await.unwrap();
    assert!(cache.uploads().await.unwrap().is_empty());
    assert!(
        cache
            .files()
            .read_verified(&upload.thumbnail_sha256)
            .is_none()
    );
}

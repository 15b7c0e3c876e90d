//! Models, conversations, generations, credits and images against the real native server, with
//! the kie and Creem simulators behind it (tasks finish by kie's callback to the server).
#![allow(clippy::unwrap_used)] // a failed unwrap in a test helper is a failing test with its location

use std::time::{Duration, Instant};

use atelier_api::ErrorCode;
use atelier_api::credits::LedgerKind;
use atelier_api::generations::{Generation, GenerationStatus, NewGeneration};
use atelier_client::ApiClient;
use atelier_client::api::{IdempotencyKey, ImageVariant};
use atelier_client::session::SessionToken;
use atelier_test_kit::Service;

fn new_generation(prompt: &str, count: u32) -> NewGeneration {
    NewGeneration {
        conversation_id: None,
        prompt: prompt.to_owned(),
        model: "nano-banana".to_owned(),
        aspect_ratio: "1:1".to_owned(),
        count,
        input_images: Vec::new(),
    }
}

/// Polls until the generation is done or failed.
async fn finished(api: &ApiClient, token: &SessionToken, id: &str) -> Generation {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let g = api.generation(token, id).await.unwrap();
        if matches!(g.status, GenerationStatus::Done | GenerationStatus::Failed) {
            return g;
        }
        assert!(Instant::now() < deadline, "still {:?}", g.status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_generation_goes_to_done_and_its_images_download() {
    let world = Service::start().await;
    let (api, token) = world.signed_in("ada@example.com").await;

    let models = api.models(&token).await.unwrap().models;
    let nano = models.iter().find(|m| m.id == "nano-banana").unwrap();
    assert_eq!(nano.cost_per_image, 4);
    assert_eq!(api.balance(&token).await.unwrap().balance, 100);

    let key = IdempotencyKey::new();
    let created = api
        .create_generation(&token, &key, &new_generation("a lighthouse at dusk", 2))
        .await
        .unwrap();
    assert_eq!(created.cost, 8);
    assert!(matches!(
        created.status,
        GenerationStatus::Queued | GenerationStatus::Generating
    ));
    assert_eq!(api.balance(&token).await.unwrap().balance, 92);

    let done = finished(&api, &token, &created.id).await;
    assert_eq!(
        done.status,
        GenerationStatus::Done,
        "{:?}",
        done.failure_code
    );
    assert_eq!(done.images.len(), 2);
    let image = &done.images[0];
    let thumb = api
        .image(&token, &image.id, ImageVariant::Thumbnail)
        .await
        .unwrap();
    assert!(
        thumb.content_type.starts_with("image/"),
        "{}",
        thumb.content_type
    );
    assert!(!thumb.bytes.is_empty());
    let original = api
        .image(&token, &image.id, ImageVariant::Original)
        .await
        .unwrap();
    assert_eq!(original.bytes.len() as u64, image.bytes);

    // The conversation named after the prompt is listed.
    let conversations = api.conversations(&token, None).await.unwrap().conversations;
    assert!(conversations.iter().any(|c| c.id == done.conversation_id));

    // Another account sees none of it.
    let (other, other_token) = world.signed_in("eve@example.com").await;
    let err = other.generation(&other_token, &done.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = other
        .image(&other_token, &image.id, ImageVariant::Thumbnail)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn the_same_key_twice_makes_one_generation_and_one_charge() {
    let world = Service::start().await;
    let (api, token) = world.signed_in("bob@example.com").await;
    let key = IdempotencyKey::new();
    let body = new_generation("two boats", 1);
    let first = api.create_generation(&token, &key, &body).await.unwrap();
    let second = api.create_generation(&token, &key, &body).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(api.balance(&token).await.unwrap().balance, 96);
    let debits = api
        .ledger(&token, None)
        .await
        .unwrap()
        .entries
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Debit)
        .count();
    assert_eq!(debits, 1);
}

#[tokio::test]
async fn blocked_prompts_and_short_balances_charge_nothing() {
    let world = Service::start().await;
    let (api, token) = world.signed_in("cy@example.com").await;
    let err = api
        .create_generation(
            &token,
            &IdempotencyKey::new(),
            &new_generation("something forbidden", 1),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PromptBlocked);

    let err = api
        .create_generation(&token, &IdempotencyKey::new(), &new_generation("   ", 1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PromptEmpty);
    assert_eq!(api.balance(&token).await.unwrap().balance, 100);
}

#[tokio::test]
async fn conversations_are_created_renamed_and_deleted() {
    let world = Service::start().await;
    let (api, token) = world.signed_in("dee@example.com").await;
    let created = api.create_conversation(&token, None).await.unwrap();
    let renamed = api
        .rename_conversation(&token, &created.id, "Harbour studies")
        .await
        .unwrap();
    assert_eq!(renamed.title, "Harbour studies");
    let listed = api.conversations(&token, None).await.unwrap().conversations;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].title, "Harbour studies");
    api.delete_conversation(&token, &created.id).await.unwrap();
    assert!(
        api.conversations(&token, None)
            .await
            .unwrap()
            .conversations
            .is_empty()
    );
    let err = api
        .rename_conversation(&token, "not-an-id", "x")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn failed_generations_are_refunded_and_the_ledger_pages() {
    let world = Service::start().await;
    let (api, token) = world.signed_in("fay@example.com").await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let g = api
            .create_generation(
                &token,
                &IdempotencyKey::new(),
                &new_generation(&format!("[fail] attempt {i}"), 1),
            )
            .await
            .unwrap();
        ids.push(g.id);
    }
    for id in &ids {
        let deadline = Instant::now() + Duration::from_secs(30);
        while api.generation(&token, id).await.unwrap().status == GenerationStatus::Queued {
            // Tasks beyond kie's 20 per 10 s wait for the background work to send them.
            assert!(Instant::now() < deadline);
            world.tick().await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let g = finished(&api, &token, id).await;
        assert_eq!(g.status, GenerationStatus::Failed);
        assert!(g.failure_code.is_some());
    }
    assert_eq!(api.balance(&token).await.unwrap().balance, 100);

    // 1 grant + 25 debits + 25 refunds over two pages, newest first, nothing twice.
    let first = api.ledger(&token, None).await.unwrap();
    assert_eq!(first.entries.len(), 50);
    let cursor = first.next_cursor.clone().unwrap();
    let second = api.ledger(&token, Some(&cursor)).await.unwrap();
    assert_eq!(second.entries.len(), 1);
    assert_eq!(second.entries[0].kind, LedgerKind::Grant);
    let all: Vec<_> = first.entries.iter().chain(&second.entries).collect();
    let sum: i64 = all.iter().map(|e| e.amount).sum();
    assert_eq!(sum, 100);
    assert!(all.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let refunds = all.iter().filter(|e| e.kind == LedgerKind::Refund).count();
    assert_eq!(refunds, 25);
    let err = api.ledger(&token, Some("bogus")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCursor);
}

#[tokio::test]
async fn a_conversations_generations_are_listed_newest_first() {
    let world = Service::start().await;
    let (api, token) = world.signed_in("gil@example.com").await;
    let first = api
        .create_generation(
            &token,
            &IdempotencyKey::new(),
            &new_generation("a red kite", 1),
        )
        .await
        .unwrap();
    // Creation times are in milliseconds; keep the two apart.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut body = new_generation("a blue kite", 2);
    body.conversation_id = Some(first.conversation_id.clone());
    let second = api
        .create_generation(&token, &IdempotencyKey::new(), &body)
        .await
        .unwrap();
    assert_eq!(second.conversation_id, first.conversation_id);
    for id in [&first.id, &second.id] {
        assert_eq!(
            finished(&api, &token, id).await.status,
            GenerationStatus::Done
        );
    }

    let page = api
        .list_generations(&token, &first.conversation_id, None)
        .await
        .unwrap();
    assert_eq!(page.next_cursor, None);
    let ids: Vec<_> = page.generations.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), first.id.as_str()]);
    assert_eq!(page.generations[0].images.len(), 2);
    assert_eq!(page.generations[1].images.len(), 1);
    assert!(
        page.generations
            .iter()
            .all(|g| g.status == GenerationStatus::Done)
    );

    // A malformed id never reaches the server; someone else's conversation is not found.
    let err = api
        .list_generations(&token, "../credits", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let (other, other_token) = world.signed_in("hal@example.com").await;
    let err = other
        .list_generations(&other_token, &first.conversation_id, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

//! `POST /__test/seed-images` (test mode only): a large library for the signed-in account without
//! paying kie's limits and the sign-up grant for it. Rows and blobs are laid out as the generation
//! path lays them out (see `generations::create` and `generations::tasks::store`): a conversation,
//! generations of up to four images with their stored tasks and debits, the images, the sync log,
//! and an original and a thumbnail per image under `images/<account>/<image>/`.

use atelier_api::ErrorCode;
use atelier_api::credits::LedgerKind;
use atelier_api::sync::SyncKind;
use atelier_api::test_hooks::{MAX_SEEDED_IMAGES, SeedImages, SeededImages};
use axum::Json;
use axum::extract::State;
use bytes::Bytes;

use crate::auth::session::Authenticated;
use crate::credits::entries::NewEntry;
use crate::crypto::{random_id, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::generations::rows::{GenerationInsert, ImageInsert, TaskInsert, TaskPhase};
use crate::json::ApiJson;
use crate::platform::{BlobKey, Platform, Statement};
use crate::sync::log;

/// nano-banana's price, so seeded debits look like real ones.
const COST_PER_IMAGE: i64 = 4;

pub async fn seed_images<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiJson(request): ApiJson<SeedImages>,
) -> ApiResult<Json<SeededImages>> {
    if request.count == 0 || request.count > MAX_SEEDED_IMAGES {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("count is 1 to {MAX_SEEDED_IMAGES}"),
        ));
    }
    let account = auth.account.id.as_str();
    let now = platform.now_ms();
    let conversation_id = random_id(&platform)?;
    let mut batch = vec![
        Statement::new(
            "INSERT INTO conversations (id, account_id, title, untitled, created_at, updated_at)
             VALUES (?, ?, 'Seeded library', 0, ?, ?)",
        )
        .bind(conversation_id.as_str())
        .bind(account)
        .bind(now)
        .bind(now),
    ];
    batch.extend(log::changed(
        account,
        SyncKind::Conversation,
        &conversation_id,
        now,
    ));
    let mut image_ids = Vec::new();
    let mut left = i64::from(request.count);
    while left > 0 {
        let count = left.min(4);
        left -= count;
        let generation_id = random_id(&platform)?;
        batch.push(
            GenerationInsert {
                id: &generation_id,
                account_id: account,
                conversation_id: &conversation_id,
                idempotency_key: &generation_id,
                prompt: "a seeded picture",
                model: "nano-banana",
                aspect_ratio: "1:1",
                count,
                cost_per_image: COST_PER_IMAGE,
                input_images: "",
                status: "done",
                created_at: now,
            }
            .insert(),
        );
        let debit = NewEntry {
            id: random_id(&platform)?,
            account_id: account,
            amount: -COST_PER_IMAGE * count,
            kind: LedgerKind::Debit,
            reference: format!("generation:{generation_id}"),
            paid: None,
            order_id: None,
            created_at: now,
        };
        batch.extend(debit.statements(debit.insert_if("1")));
        batch.extend(log::changed(
            account,
            SyncKind::Generation,
            &generation_id,
            now,
        ));
        for idx in 0..count {
            let image_id = random_id(&platform)?;
            let base = format!("images/{account}/{image_id}");
            let original = Bytes::from(format!("seeded original {image_id}"));
            let thumbnail = Bytes::from(format!("seeded thumbnail {image_id}"));
            let original_key = BlobKey::new(format!("{base}/original.png"))?;
            let thumbnail_key = BlobKey::new(format!("{base}/thumbnail.jpg"))?;
            platform
                .blob_put(&original_key, original.clone(), "image/png")
                .await?;
            platform
                .blob_put(&thumbnail_key, thumbnail.clone(), "image/jpeg")
                .await?;
            let task_id = format!("seeded-{image_id}");
            batch.push(
                TaskInsert {
                    generation_id: &generation_id,
                    idx,
                    kie_task_id: Some(&task_id),
                    callback_secret_hash: &sha256_hex(image_id.as_bytes()),
                    state: TaskPhase::Stored,
                    next_poll_at: now,
                    updated_at: now,
                }
                .insert(),
            );
            batch.push(
                ImageInsert {
                    id: &image_id,
                    generation_id: &generation_id,
                    account_id: account,
                    idx,
                    original_key: original_key.as_str(),
                    thumbnail_key: thumbnail_key.as_str(),
                    content_type: "image/png",
                    sha256: &sha256_hex(&original),
                    width: 1024,
                    height: 1024,
                    bytes: original.len() as i64,
                    thumbnail_bytes: thumbnail.len() as i64,
                    thumbnail_sha256: &sha256_hex(&thumbnail),
                    created_at: now,
                }
                .insert(),
            );
            batch.extend(log::changed(account, SyncKind::Image, &image_id, now));
            image_ids.push(image_id);
        }
    }
    platform.batch(batch).await?;
    Ok(Json(SeededImages {
        conversation_id,
        image_ids,
    }))
}

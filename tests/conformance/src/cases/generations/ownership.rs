//! What belongs to whom: a generation, its images and its conversation's listing are their
//! owner's alone, images are cacheable, and deleting a conversation takes all of it.

use atelier_api::ErrorCode;
use atelier_api::generations::Generation;
use sha2::{Digest, Sha256};

use super::{account, create, finished, fresh_kie_window, get, image_bytes, made, post};
use crate::{CaseResult, Ctx, ensure};

pub async fn images_are_for_their_owner_only_and_cacheable(ctx: &Ctx) -> CaseResult {
    let owner = account(ctx).await?;
    let stranger = account(ctx).await?;
    let generation = create(ctx, &owner, &format!("private {}", ctx.unique()), 1).await?;
    let done = finished(ctx, &owner, &generation.id, true).await?;
    let image = done.images.first().ok_or("no image")?;
    let path = format!("/v1/images/{}/original", image.id);
    ctx.get(&path)
        .send()
        .await?
        .error(401, ErrorCode::Unauthenticated)?;
    ctx.get(&path)
        .token(&stranger.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    ctx.get(&format!("/v1/generations/{}", done.id))
        .token(&stranger.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    let first = ctx.get(&path).token(&owner.token).send().await?;
    let etag = first.header("etag").ok_or("no ETag")?;
    let cache = first.header("cache-control").unwrap_or_default();
    ensure!(cache.contains("immutable"), "cache-control {cache:?}");
    let again = ctx
        .get(&path)
        .token(&owner.token)
        .header("if-none-match", etag)
        .send()
        .await?;
    ensure!(
        again.status() == 304,
        "If-None-Match answered {}",
        again.status()
    );
    ctx.get(&format!("/v1/images/{}/exif", image.id))
        .token(&owner.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)
}

pub async fn deleting_a_conversation_removes_its_generations_and_images(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let done = made(ctx, &who, &format!("to be deleted {}", ctx.unique()), 1).await?;
    let image = done.images.first().ok_or("no image")?.clone();
    ensure!(
        image_bytes(ctx, &who, &image.id, "original").await.is_ok(),
        "the image is not there to begin with"
    );
    let deleted = ctx
        .delete(&format!("/v1/conversations/{}", done.conversation_id))
        .token(&who.token)
        .send()
        .await?;
    ensure!(
        deleted.status() == 204,
        "delete answered {}",
        deleted.status()
    );
    ctx.get(&format!("/v1/generations/{}", done.id))
        .token(&who.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    for variant in ["original", "thumbnail"] {
        ctx.get(&format!("/v1/images/{}/{variant}", image.id))
            .token(&who.token)
            .send()
            .await?
            .error(404, ErrorCode::NotFound)?;
    }
    // The bytes themselves are gone from the blob store, not only the rows.
    let stored: Vec<_> = ctx
        .stored_files()
        .into_iter()
        .filter(|(_, bytes)| hex::encode(Sha256::digest(bytes)) == image.sha256)
        .map(|(path, _)| path)
        .collect();
    ensure!(
        stored.is_empty(),
        "rows are gone but bytes remain: {stored:?}"
    );
    Ok(())
}

pub async fn another_account_sees_nothing_of_yours(ctx: &Ctx) -> CaseResult {
    let owner = account(ctx).await?;
    let stranger = account(ctx).await?;
    let done = made(ctx, &owner, &format!("mine {}", ctx.unique()), 1).await?;
    let image = done.images.first().ok_or("no image")?;
    let c = &done.conversation_id;
    let checks: Vec<(&str, crate::Request)> = vec![
        ("get generation", ctx.get(&format!("/v1/generations/{}", done.id))),
        ("original", ctx.get(&format!("/v1/images/{}/original", image.id))),
        ("thumbnail", ctx.get(&format!("/v1/images/{}/thumbnail", image.id))),
        ("rename conversation", ctx.patch(&format!("/v1/conversations/{c}")).json(&serde_json::json!({"title": "x"}))),
        ("delete conversation", ctx.delete(&format!("/v1/conversations/{c}"))),
        (
            "generate into it",
            ctx.post("/v1/generations")
                .header("idempotency-key", &format!("k{}", ctx.unique()))
                .json(&serde_json::json!({"conversation_id": c, "prompt": "x", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1})),
        ),
    ];
    for (what, request) in checks {
        request
            .token(&stranger.token)
            .send()
            .await?
            .error(404, ErrorCode::NotFound)
            .map_err(|e| format!("{what}: {e}"))?;
    }
    let list: atelier_api::conversations::ConversationPage = ctx
        .get("/v1/conversations")
        .token(&stranger.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        list.conversations.is_empty(),
        "a stranger lists someone else's conversations"
    );
    ensure!(
        get(ctx, &owner, &done.id).await?.images == done.images,
        "the owner's generation changed"
    );
    Ok(())
}

pub async fn a_conversations_generations_are_listed_newest_first_in_pages(ctx: &Ctx) -> CaseResult {
    use atelier_api::generations::GenerationPage;
    let who = account(ctx).await?;
    let stranger = account(ctx).await?;
    fresh_kie_window(ctx).await?;
    let first = create(ctx, &who, &format!("page 0 {}", ctx.unique()), 1).await?;
    let conversation = first.conversation_id.clone();
    let mut ids = vec![first.id.clone()];
    for i in 1..21 {
        ctx.advance_clock(1).await?;
        let key = format!("k{}", ctx.unique());
        let request = serde_json::json!({"conversation_id": conversation, "prompt": format!("page {i}"), "model": "nano-banana", "aspect_ratio": "1:1", "count": 1});
        let response = post(ctx, &who, Some(&key), request).await?;
        ensure!(
            response.status() == 202,
            "generation {i} answered {}",
            response.status()
        );
        ids.push(response.json::<Generation>()?.id);
    }
    finished(ctx, &who, &first.id, true).await?;
    let path = format!("/v1/conversations/{conversation}/generations");
    let page: GenerationPage = ctx
        .get(&path)
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        page.generations.len() == 20,
        "{} on the first page",
        page.generations.len()
    );
    let newest: Vec<&str> = ids.iter().rev().take(20).map(String::as_str).collect();
    let listed: Vec<&str> = page.generations.iter().map(|g| g.id.as_str()).collect();
    ensure!(listed == newest, "not newest first: {listed:?}");
    let cursor = page.next_cursor.ok_or("no cursor after a full page")?;
    let rest: GenerationPage = ctx
        .get(&format!("{path}?cursor={cursor}"))
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        rest.generations.len() == 1 && rest.generations[0].id == first.id,
        "second page {:?}",
        rest.generations
    );
    ensure!(
        rest.generations[0].images.len() == 1,
        "the listed generation lacks its image"
    );
    ensure!(rest.next_cursor.is_none(), "a cursor after the last page");
    ctx.get(&path)
        .token(&stranger.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)
}

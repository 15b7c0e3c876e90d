//! Generations and the credit ledger: the callback and polling paths, byte-identical storage,
//! idempotency, moderation failing closed, exact debits and single refunds. The helpers here are
//! shared by every area that needs a finished generation.

mod charges;
mod completion;
mod ownership;
mod refunds;

use std::time::{Duration, Instant};

use atelier_api::credits::{Balance, LedgerPage};
use atelier_api::generations::{Generation, GenerationStatus};
use sha2::{Digest, Sha256};

use super::auth_support::sign_in;
use crate::{CaseResult, Ctx, Reply, ensure};

pub use charges::{
    a_hundred_concurrent_requests_with_credits_for_ten_accept_exactly_ten,
    bad_requests_get_precise_codes_and_charge_nothing, blocked_or_unscreened_prompts_cost_nothing,
    the_balance_never_goes_below_zero,
};
pub use completion::{
    a_generation_completes_by_polling_when_no_callback_comes,
    a_generation_completes_through_the_callback,
    duplicate_callbacks_change_nothing_and_forged_ones_are_refused,
    the_same_idempotency_key_returns_the_same_generation_and_charges_once,
};
pub use ownership::{
    a_conversations_generations_are_listed_newest_first_in_pages,
    another_account_sees_nothing_of_yours,
    deleting_a_conversation_removes_its_generations_and_images,
    images_are_for_their_owner_only_and_cacheable,
};
pub use refunds::{
    a_failed_generation_is_refunded_exactly_once, a_stuck_generation_times_out_and_is_refunded,
    an_expired_result_fails_and_is_refunded,
    kie_refusals_are_refunded_once_and_transient_ones_retried,
};

pub(super) struct Account {
    pub(super) token: String,
}

pub(super) async fn account(ctx: &Ctx) -> Result<Account, String> {
    Ok(Account {
        token: sign_in(ctx, &ctx.email("gen"), &ctx.ip()).await?.token,
    })
}

async fn post(
    ctx: &Ctx,
    who: &Account,
    key: Option<&str>,
    body: serde_json::Value,
) -> Result<Reply, String> {
    let mut request = ctx.post("/v1/generations").token(&who.token).json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await
}

fn body(prompt: &str, model: &str, count: u32) -> serde_json::Value {
    serde_json::json!({ "prompt": prompt, "model": model, "aspect_ratio": "1:1", "count": count })
}

pub(super) async fn create(
    ctx: &Ctx,
    who: &Account,
    prompt: &str,
    count: u32,
) -> Result<Generation, String> {
    let key = format!("key-{}", ctx.unique());
    post(ctx, who, Some(&key), body(prompt, "nano-banana", count))
        .await?
        .expect_status(202)?
        .json()
}

async fn get(ctx: &Ctx, who: &Account, id: &str) -> Result<Generation, String> {
    ctx.get(&format!("/v1/generations/{id}"))
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()
}

/// Frees kie's submission window (18 per 10 s, counted on the service's clock), so what is created
/// next is submitted at once instead of waiting its turn.
pub(super) async fn fresh_kie_window(ctx: &Ctx) -> CaseResult {
    ctx.advance_clock(11_000).await
}

/// A generation of `count` images of `prompt` for `who`, submitted at once and waited for
/// (the background work run each round) until it ends.
pub(super) async fn made(
    ctx: &Ctx,
    who: &Account,
    prompt: &str,
    count: u32,
) -> Result<Generation, String> {
    fresh_kie_window(ctx).await?;
    let generation = create(ctx, who, prompt, count).await?;
    finished(ctx, who, &generation.id, true).await
}

/// Waits for the generation to finish, running the background work each round when `tick`.
pub(super) async fn finished(
    ctx: &Ctx,
    who: &Account,
    id: &str,
    tick: bool,
) -> Result<Generation, String> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if tick {
            ctx.tick().await?;
        }
        let generation = get(ctx, who, id).await?;
        if matches!(
            generation.status,
            GenerationStatus::Done | GenerationStatus::Failed
        ) {
            return Ok(generation);
        }
        if Instant::now() >= deadline {
            // Say what kie's side saw: the callbacks' fate is the usual culprit.
            let callbacks: Vec<String> = ctx
                .sims
                .kie()
                .tasks()
                .into_iter()
                .filter(|t| t.prompt == generation.prompt)
                .map(|t| match t.callback {
                    Some(c) => format!("{}: {:?} {:?}", t.callback_status, c.status, c.error),
                    None => t.callback_status,
                })
                .collect();
            return Err(format!(
                "still {:?} after 40 s; kie callbacks: {callbacks:?}",
                generation.status
            ));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

pub(super) async fn balance(ctx: &Ctx, who: &Account) -> Result<i64, String> {
    let b: Balance = ctx
        .get("/v1/credits")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    Ok(b.balance)
}

pub(super) async fn ledger(ctx: &Ctx, who: &Account) -> Result<LedgerPage, String> {
    ctx.get("/v1/credits/ledger")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()
}

pub(super) async fn image_bytes(
    ctx: &Ctx,
    who: &Account,
    id: &str,
    variant: &str,
) -> Result<Vec<u8>, String> {
    let reply = ctx
        .get(&format!("/v1/images/{id}/{variant}"))
        .token(&who.token)
        .send()
        .await?;
    ensure!(
        reply.status() == 200,
        "{variant} answered {}",
        reply.status()
    );
    Ok(reply.bytes().to_vec())
}

/// Checks a done generation: images stored byte-identical to what kie served, thumbnails ≤ 512 px.
async fn check_images(ctx: &Ctx, who: &Account, generation: &Generation) -> CaseResult {
    ensure!(
        generation.status == GenerationStatus::Done,
        "{generation:?}"
    );
    ensure!(
        generation.images.len() == generation.count as usize,
        "{} images for count {}",
        generation.images.len(),
        generation.count
    );
    let served: Vec<String> = ctx
        .sims
        .kie()
        .tasks()
        .into_iter()
        .filter(|t| t.prompt == generation.prompt)
        .flat_map(|t| t.result_urls)
        .collect();
    let mut served_hashes = Vec::new();
    for url in &served {
        let served = ctx.get_url(url).send().await?;
        served_hashes.push(hex::encode(Sha256::digest(served.bytes())));
    }
    for image in &generation.images {
        let original = image_bytes(ctx, who, &image.id, "original").await?;
        let hash = hex::encode(Sha256::digest(&original));
        ensure!(
            hash == image.sha256,
            "stored bytes do not match the recorded sha256"
        );
        ensure!(
            served_hashes.contains(&hash),
            "the stored original is not what kie served"
        );
        let decoded = image::load_from_memory(&original).map_err(|e| e.to_string())?;
        ensure!(
            (decoded.width(), decoded.height()) == (image.width, image.height),
            "recorded size differs"
        );
        let thumb = image::load_from_memory(&image_bytes(ctx, who, &image.id, "thumbnail").await?)
            .map_err(|e| e.to_string())?;
        ensure!(
            thumb.width().max(thumb.height()) <= 512,
            "thumbnail {}x{}",
            thumb.width(),
            thumb.height()
        );
    }
    Ok(())
}

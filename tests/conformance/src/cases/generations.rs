//! Generations and the credit ledger: the callback and polling paths, byte-identical storage,
//! idempotency, moderation failing closed, exact debits and single refunds.

use std::time::{Duration, Instant};

use atelier_api::credits::{Balance, LedgerKind, LedgerPage};
use atelier_api::generations::{Generation, GenerationStatus};
use atelier_simulators::{Faults, ForcedError};
use sha2::{Digest, Sha256};

use super::auth_support::sign_in;
use crate::cases::{expect_error, transport};
use crate::{CaseResult, Ctx, ensure};

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
) -> Result<reqwest::Response, String> {
    let mut request = ctx
        .http
        .post(ctx.url("/v1/generations"))
        .bearer_auth(&who.token)
        .json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.map_err(transport)
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
    let response = post(ctx, who, Some(&key), body(prompt, "nano-banana", count)).await?;
    let status = response.status();
    let text = response.text().await.map_err(transport)?;
    ensure!(status == 202, "create answered {status}: {text}");
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

async fn get(ctx: &Ctx, who: &Account, id: &str) -> Result<Generation, String> {
    ctx.get_as(&format!("/v1/generations/{id}"), &who.token)
        .await
}

/// Frees kie's submission window (18 per 10 s, counted on the service's clock), so what is created
/// next is submitted at once instead of waiting its turn.
pub(super) async fn fresh_kie_window(ctx: &Ctx) -> CaseResult {
    ctx.advance_clock(11_000).await
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
    let b: Balance = ctx.get_as("/v1/credits", &who.token).await?;
    Ok(b.balance)
}

pub(super) async fn ledger(ctx: &Ctx, who: &Account) -> Result<LedgerPage, String> {
    ctx.get_as("/v1/credits/ledger", &who.token).await
}

pub(super) async fn image_bytes(
    ctx: &Ctx,
    who: &Account,
    id: &str,
    variant: &str,
) -> Result<Vec<u8>, String> {
    let response = ctx
        .http
        .get(ctx.url(&format!("/v1/images/{id}/{variant}")))
        .bearer_auth(&who.token)
        .send()
        .await
        .map_err(transport)?;
    ensure!(
        response.status() == 200,
        "{variant} answered {}",
        response.status()
    );
    Ok(response.bytes().await.map_err(transport)?.to_vec())
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
        let bytes = ctx
            .http
            .get(url)
            .send()
            .await
            .map_err(transport)?
            .bytes()
            .await
            .map_err(transport)?;
        served_hashes.push(hex::encode(Sha256::digest(&bytes)));
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

pub async fn a_generation_completes_through_the_callback(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let prompt = format!("a lighthouse at dusk {}", ctx.unique());
    fresh_kie_window(ctx).await?;
    let generation = create(ctx, &who, &prompt, 2).await?;
    // Answered as soon as it is recorded and charged: kie's createTask comes after the answer.
    ensure!(
        generation.status == GenerationStatus::Queued,
        "the answer waited for kie: {generation:?}"
    );
    ensure!(generation.cost == 8, "cost {}", generation.cost);
    // No ticks: only kie's callback can finish it.
    let done = finished(ctx, &who, &generation.id, false).await?;
    check_images(ctx, &who, &done).await?;
    ensure!(
        balance(ctx, &who).await? == before - 8,
        "the balance is not the grant minus the cost"
    );
    let page = ledger(ctx, &who).await?;
    let debits: Vec<_> = page
        .entries
        .iter()
        .filter(|e| e.kind == LedgerKind::Debit)
        .collect();
    ensure!(debits.len() == 1 && debits[0].amount == -8, "{debits:?}");
    ensure!(
        page.entries.iter().map(|e| e.amount).sum::<i64>() == before - 8,
        "the balance is not the ledger's sum"
    );
    Ok(())
}

pub async fn a_generation_completes_by_polling_when_no_callback_comes(ctx: &Ctx) -> CaseResult {
    let kie = ctx.sims.kie();
    let saved = kie.settings();
    kie.set_settings(atelier_simulators::KieSettings {
        callbacks: false,
        ..saved.clone()
    });
    let outcome = async {
        let who = account(ctx).await?;
        let generation = create(ctx, &who, &format!("a fox in snow {}", ctx.unique()), 1).await?;
        let done = finished(ctx, &who, &generation.id, true).await?;
        check_images(ctx, &who, &done).await
    }
    .await;
    kie.set_settings(saved);
    outcome
}

pub async fn the_same_idempotency_key_returns_the_same_generation_and_charges_once(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let key = format!("same-{}", ctx.unique());
    let request = body(&format!("twice {}", ctx.unique()), "nano-banana", 1);
    let first: Generation = post(ctx, &who, Some(&key), request.clone())
        .await?
        .json()
        .await
        .map_err(transport)?;
    let second: Generation = post(ctx, &who, Some(&key), request)
        .await?
        .json()
        .await
        .map_err(transport)?;
    ensure!(first.id == second.id, "two generations for one key");
    ensure!(
        balance(ctx, &who).await? == before - 4,
        "charged more than once"
    );
    finished(ctx, &who, &first.id, true).await.map(|_| ())
}

pub async fn blocked_or_unscreened_prompts_cost_nothing(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let kie_tasks = ctx.sims.kie().tasks().len();
    for prompt in ["a forbidden thing", "something [flag]"] {
        let response = post(
            ctx,
            &who,
            Some(&format!("k{}", ctx.unique())),
            body(prompt, "nano-banana", 1),
        )
        .await?;
        expect_error(response, 400, "prompt_blocked")
            .await
            .map_err(|e| format!("{prompt}: {e}"))?;
    }
    let creem = ctx.sims.creem();
    creem
        .set_faults(Faults {
            force: Some(ForcedError::status(500)),
            ..Faults::default()
        })
        .map_err(|e| e.to_string())?;
    let unavailable = post(
        ctx,
        &who,
        Some(&format!("k{}", ctx.unique())),
        body("a calm sea", "nano-banana", 1),
    )
    .await;
    creem
        .set_faults(Faults::default())
        .map_err(|e| e.to_string())?;
    expect_error(unavailable?, 503, "moderation_unavailable").await?;
    ensure!(
        balance(ctx, &who).await? == before,
        "a blocked prompt was charged"
    );
    ensure!(
        ledger(ctx, &who).await?.entries.len() == 1,
        "a blocked prompt left a ledger entry"
    );
    ensure!(
        ctx.sims.kie().tasks().len() == kie_tasks,
        "a blocked prompt reached kie"
    );
    Ok(())
}

pub async fn bad_requests_get_precise_codes_and_charge_nothing(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let key = || Some(format!("k{}", ctx.unique()));
    let cases = [
        (body("a cat", "gpt-9", 1), "unknown_model"),
        (
            serde_json::json!({"prompt": "a cat", "model": "nano-banana", "aspect_ratio": "2:1", "count": 1}),
            "invalid_aspect_ratio",
        ),
        (body("a cat", "nano-banana", 5), "invalid_count"),
        (body("a cat", "nano-banana", 0), "invalid_count"),
        (body("   ", "nano-banana", 1), "prompt_empty"),
        (
            body(&"x".repeat(4_001), "nano-banana", 1),
            "prompt_too_long",
        ),
    ];
    for (request, code) in cases {
        let response = post(ctx, &who, key().as_deref(), request).await?;
        expect_error(response, 400, code)
            .await
            .map_err(|e| format!("{code}: {e}"))?;
    }
    let no_key = post(ctx, &who, None, body("a cat", "nano-banana", 1)).await?;
    expect_error(no_key, 400, "idempotency_key_required").await?;
    let stranger_conversation = serde_json::json!({"conversation_id": "0".repeat(32), "prompt": "a cat", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1});
    expect_error(
        post(ctx, &who, key().as_deref(), stranger_conversation).await?,
        404,
        "not_found",
    )
    .await?;
    ensure!(
        balance(ctx, &who).await? == before,
        "a refused request was charged"
    );
    Ok(())
}

pub async fn the_balance_never_goes_below_zero(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let start = balance(ctx, &who).await?;
    let cost = 8 * 4; // nano-banana-pro, four images
    let affordable = start / cost;
    for i in 0..affordable {
        let response = post(
            ctx,
            &who,
            Some(&format!("k{}", ctx.unique())),
            body(&format!("pro {i} {}", ctx.unique()), "nano-banana-pro", 4),
        )
        .await?;
        ensure!(
            response.status() == 202,
            "affordable generation {i} answered {}",
            response.status()
        );
    }
    let refused = post(
        ctx,
        &who,
        Some(&format!("k{}", ctx.unique())),
        body("one too many", "nano-banana-pro", 4),
    )
    .await?;
    expect_error(refused, 402, "insufficient_credits").await?;
    let left = balance(ctx, &who).await?;
    ensure!(
        left == start - affordable * cost && left >= 0,
        "balance {left}"
    );
    Ok(())
}

pub async fn a_failed_generation_is_refunded_exactly_once(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let generation = create(ctx, &who, &format!("this will [fail] {}", ctx.unique()), 2).await?;
    let failed = finished(ctx, &who, &generation.id, true).await?;
    ensure!(failed.status == GenerationStatus::Failed, "{failed:?}");
    ensure!(
        failed.failure_code.as_deref() == Some("generation_failed"),
        "code {:?}",
        failed.failure_code
    );
    // Callbacks and polls after the fact change nothing.
    for _ in 0..3 {
        ctx.tick().await?;
    }
    ensure!(balance(ctx, &who).await? == before, "not refunded in full");
    let refunds = ledger(ctx, &who)
        .await?
        .entries
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Refund)
        .count();
    ensure!(refunds == 2, "{refunds} refunds for two failed images");
    Ok(())
}

pub async fn an_expired_result_fails_and_is_refunded(ctx: &Ctx) -> CaseResult {
    let kie = ctx.sims.kie();
    let saved = kie.settings();
    kie.set_settings(atelier_simulators::KieSettings {
        result_ttl_ms: Some(0),
        ..saved.clone()
    });
    let outcome = async {
        let who = account(ctx).await?;
        let before = balance(ctx, &who).await?;
        let generation = create(ctx, &who, &format!("gone too soon {}", ctx.unique()), 1).await?;
        let failed = finished(ctx, &who, &generation.id, true).await?;
        ensure!(failed.status == GenerationStatus::Failed, "{failed:?}");
        ensure!(
            failed.failure_code.as_deref() == Some("result_unavailable"),
            "code {:?}",
            failed.failure_code
        );
        ensure!(balance(ctx, &who).await? == before, "not refunded");
        Ok(())
    }
    .await;
    kie.set_settings(saved);
    outcome
}

pub async fn a_stuck_generation_times_out_and_is_refunded(ctx: &Ctx) -> CaseResult {
    let kie = ctx.sims.kie();
    let saved = kie.settings();
    // Tasks that take an hour per step and never call back.
    kie.set_settings(atelier_simulators::KieSettings {
        step_ms: 3_600_000,
        callbacks: false,
        ..saved.clone()
    });
    let outcome = async {
        let who = account(ctx).await?;
        let before = balance(ctx, &who).await?;
        let generation = create(ctx, &who, &format!("slow {}", ctx.unique()), 1).await?;
        ctx.advance_clock(16 * 60 * 1000).await?;
        let failed = finished(ctx, &who, &generation.id, true).await?;
        ensure!(
            failed.failure_code.as_deref() == Some("timed_out"),
            "{failed:?}"
        );
        ensure!(balance(ctx, &who).await? == before, "not refunded");
        Ok(())
    }
    .await;
    kie.set_settings(saved);
    outcome
}

pub async fn images_are_for_their_owner_only_and_cacheable(ctx: &Ctx) -> CaseResult {
    let owner = account(ctx).await?;
    let stranger = account(ctx).await?;
    let generation = create(ctx, &owner, &format!("private {}", ctx.unique()), 1).await?;
    let done = finished(ctx, &owner, &generation.id, true).await?;
    let image = done.images.first().ok_or("no image")?;
    let url = ctx.url(&format!("/v1/images/{}/original", image.id));
    expect_error(
        ctx.http.get(&url).send().await.map_err(transport)?,
        401,
        "unauthenticated",
    )
    .await?;
    expect_error(
        ctx.http
            .get(&url)
            .bearer_auth(&stranger.token)
            .send()
            .await
            .map_err(transport)?,
        404,
        "not_found",
    )
    .await?;
    let theirs = ctx
        .http
        .get(ctx.url(&format!("/v1/generations/{}", done.id)))
        .bearer_auth(&stranger.token)
        .send()
        .await;
    expect_error(theirs.map_err(transport)?, 404, "not_found").await?;
    let first = ctx
        .http
        .get(&url)
        .bearer_auth(&owner.token)
        .send()
        .await
        .map_err(transport)?;
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .ok_or("no ETag")?
        .to_owned();
    let cache = first
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ensure!(cache.contains("immutable"), "cache-control {cache:?}");
    let again = ctx
        .http
        .get(&url)
        .bearer_auth(&owner.token)
        .header("if-none-match", &etag)
        .send()
        .await
        .map_err(transport)?;
    ensure!(
        again.status() == 304,
        "If-None-Match answered {}",
        again.status()
    );
    let bad = ctx
        .http
        .get(ctx.url(&format!("/v1/images/{}/exif", image.id)))
        .bearer_auth(&owner.token)
        .send()
        .await
        .map_err(transport)?;
    expect_error(bad, 404, "not_found").await
}

pub async fn deleting_a_conversation_removes_its_generations_and_images(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    fresh_kie_window(ctx).await?;
    let generation = create(ctx, &who, &format!("to be deleted {}", ctx.unique()), 1).await?;
    let done = finished(ctx, &who, &generation.id, true).await?;
    let image = done.images.first().ok_or("no image")?.clone();
    ensure!(
        image_bytes(ctx, &who, &image.id, "original").await.is_ok(),
        "the image is not there to begin with"
    );
    let deleted = ctx
        .http
        .delete(ctx.url(&format!("/v1/conversations/{}", done.conversation_id)))
        .bearer_auth(&who.token)
        .send()
        .await
        .map_err(transport)?;
    ensure!(
        deleted.status() == 204,
        "delete answered {}",
        deleted.status()
    );
    let gone = ctx
        .http
        .get(ctx.url(&format!("/v1/generations/{}", done.id)))
        .bearer_auth(&who.token)
        .send()
        .await;
    expect_error(gone.map_err(transport)?, 404, "not_found").await?;
    for variant in ["original", "thumbnail"] {
        let response = ctx
            .http
            .get(ctx.url(&format!("/v1/images/{}/{variant}", image.id)))
            .bearer_auth(&who.token)
            .send()
            .await;
        expect_error(response.map_err(transport)?, 404, "not_found").await?;
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

/// Runs `body` with kie forced to answer `fault` for its next request, then clears the fault.
async fn with_kie_fault(ctx: &Ctx, fault: ForcedError) -> CaseResult {
    ctx.sims
        .kie()
        .set_faults(Faults {
            force: Some(fault.times(1)),
            ..Faults::default()
        })
        .map_err(|e| e.to_string())
}

pub async fn kie_refusals_are_refunded_once_and_transient_ones_retried(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    // 402 (kie's own credits) and 501 on createTask are final: failed, refunded.
    for code in [402, 501] {
        fresh_kie_window(ctx).await?;
        with_kie_fault(ctx, ForcedError::status(200).code(code)).await?;
        let generation = create(ctx, &who, &format!("refused {code} {}", ctx.unique()), 1).await?;
        let failed = finished(ctx, &who, &generation.id, true).await?;
        ensure!(
            failed.status == GenerationStatus::Failed,
            "kie {code}: {failed:?}"
        );
        ensure!(
            failed.failure_code.as_deref() == Some("upstream_rejected"),
            "kie {code}: {:?}",
            failed.failure_code
        );
        ensure!(
            balance(ctx, &who).await? == before,
            "kie {code} was not refunded"
        );
    }
    // 429 (as HTTP 200 and as HTTP 429) and 455 are transient: the task waits and then goes through.
    for fault in [
        ForcedError::status(200).code(429),
        ForcedError::status(429),
        ForcedError::status(200).code(455),
    ] {
        fresh_kie_window(ctx).await?;
        with_kie_fault(ctx, fault).await?;
        let generation = create(ctx, &who, &format!("transient {}", ctx.unique()), 1).await?;
        ensure!(
            generation.status == GenerationStatus::Queued,
            "submitted despite the fault: {generation:?}"
        );
        let done = finished(ctx, &who, &generation.id, true).await?;
        ensure!(done.status == GenerationStatus::Done, "{done:?}");
    }
    let refunds = ledger(ctx, &who)
        .await?
        .entries
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Refund)
        .count();
    ensure!(
        refunds == 2,
        "{refunds} refunds for two refused generations"
    );
    Ok(())
}

pub async fn duplicate_callbacks_change_nothing_and_forged_ones_are_refused(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    fresh_kie_window(ctx).await?;
    let generation = create(ctx, &who, &format!("called back {}", ctx.unique()), 1).await?;
    let done = finished(ctx, &who, &generation.id, false).await?;
    let task = ctx
        .sims
        .kie()
        .tasks()
        .into_iter()
        .find(|t| t.prompt == done.prompt)
        .ok_or("no kie task")?;
    let delivery = task.callback.ok_or("kie sent no callback")?;
    let replay = |url: String, timestamp: u64, signature: Option<String>| {
        let mut request = ctx
            .http
            .post(url)
            .header("x-webhook-timestamp", timestamp.to_string())
            .json(&delivery.body);
        if let Some(signature) = signature {
            request = request.header("x-webhook-signature", signature);
        }
        request.send()
    };
    // The same callback again: accepted, nothing changes.
    let again = replay(
        delivery.url.clone(),
        delivery.timestamp,
        delivery.signature.clone(),
    )
    .await
    .map_err(transport)?;
    ensure!(
        again.status() == 200,
        "a replayed callback answered {}",
        again.status()
    );
    let after = get(ctx, &who, &done.id).await?;
    ensure!(
        after.images == done.images,
        "a duplicate callback changed the images"
    );
    // A wrong secret in the URL, or a bad signature: refused.
    let (base, _) = delivery.url.rsplit_once('/').ok_or("odd callback URL")?;
    let forged_secret = replay(
        format!("{base}/{}", "A".repeat(43)),
        delivery.timestamp,
        delivery.signature.clone(),
    )
    .await;
    expect_error(forged_secret.map_err(transport)?, 404, "not_found")
        .await
        .map_err(|e| format!("forged secret: {e}"))?;
    let bad_signature = replay(
        delivery.url.clone(),
        delivery.timestamp,
        Some("c2lnbmVk".into()),
    )
    .await
    .map_err(transport)?;
    expect_error(bad_signature, 404, "not_found")
        .await
        .map_err(|e| format!("bad signature: {e}"))?;
    let unsigned = replay(delivery.url.clone(), delivery.timestamp, None)
        .await
        .map_err(transport)?;
    expect_error(unsigned, 404, "not_found")
        .await
        .map_err(|e| format!("unsigned: {e}"))?;
    ensure!(
        balance(ctx, &who).await? == 100 - 4,
        "callbacks changed the balance"
    );
    Ok(())
}

pub async fn a_hundred_concurrent_requests_with_credits_for_ten_accept_exactly_ten(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    ensure!(
        balance(ctx, &who).await? == 100,
        "a new account should start with 100"
    );
    fresh_kie_window(ctx).await?;
    // seedream-4 costs 5 an image: two images are 10 credits, so 100 credits pay for exactly 10.
    let who = &who;
    let requests = (0..100).map(|i| {
        let key = format!("concurrent-{i}-{}", ctx.unique());
        let request = serde_json::json!({"prompt": format!("crowd {i}"), "model": "seedream-4", "aspect_ratio": "1:1", "count": 2});
        async move { post(ctx, who, Some(&key), request).await.map(|r| r.status().as_u16()) }
    });
    let statuses = futures_join_all(requests).await;
    let accepted = statuses.iter().filter(|s| matches!(s, Ok(202))).count();
    let refused_other = statuses
        .iter()
        .filter(|s| !matches!(s, Ok(202) | Ok(402) | Ok(429)))
        .count();
    ensure!(accepted == 10, "{accepted} accepted; statuses {statuses:?}");
    ensure!(refused_other == 0, "unexpected answers: {statuses:?}");
    ensure!(balance(ctx, who).await? == 0, "balance is not 0");
    let page = ledger(ctx, who).await?;
    ensure!(
        page.entries.iter().map(|e| e.amount).sum::<i64>() == 0,
        "the ledger does not sum to the balance"
    );
    Ok(())
}

/// Runs futures concurrently on the current task (no extra dependency).
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut results: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

pub async fn another_account_sees_nothing_of_yours(ctx: &Ctx) -> CaseResult {
    let owner = account(ctx).await?;
    let stranger = account(ctx).await?;
    fresh_kie_window(ctx).await?;
    let generation = create(ctx, &owner, &format!("mine {}", ctx.unique()), 1).await?;
    let done = finished(ctx, &owner, &generation.id, true).await?;
    let image = done.images.first().ok_or("no image")?;
    let c = &done.conversation_id;
    let checks: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("get generation", ctx.http.get(ctx.url(&format!("/v1/generations/{}", done.id)))),
        ("original", ctx.http.get(ctx.url(&format!("/v1/images/{}/original", image.id)))),
        ("thumbnail", ctx.http.get(ctx.url(&format!("/v1/images/{}/thumbnail", image.id)))),
        ("rename conversation", ctx.http.patch(ctx.url(&format!("/v1/conversations/{c}"))).json(&serde_json::json!({"title": "x"}))),
        ("delete conversation", ctx.http.delete(ctx.url(&format!("/v1/conversations/{c}")))),
        (
            "generate into it",
            ctx.http
                .post(ctx.url("/v1/generations"))
                .header("idempotency-key", format!("k{}", ctx.unique()))
                .json(&serde_json::json!({"conversation_id": c, "prompt": "x", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1})),
        ),
    ];
    for (what, request) in checks {
        let response = request
            .bearer_auth(&stranger.token)
            .send()
            .await
            .map_err(transport)?;
        expect_error(response, 404, "not_found")
            .await
            .map_err(|e| format!("{what}: {e}"))?;
    }
    let list: atelier_api::conversations::ConversationPage =
        ctx.get_as("/v1/conversations", &stranger.token).await?;
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
        ids.push(response.json::<Generation>().await.map_err(transport)?.id);
    }
    finished(ctx, &who, &first.id, true).await?;
    let path = format!("/v1/conversations/{conversation}/generations");
    let page: GenerationPage = ctx.get_as(&path, &who.token).await?;
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
        .get_as(&format!("{path}?cursor={cursor}"), &who.token)
        .await?;
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
    let theirs = ctx
        .http
        .get(ctx.url(&path))
        .bearer_auth(&stranger.token)
        .send()
        .await
        .map_err(transport)?;
    expect_error(theirs, 404, "not_found").await
}

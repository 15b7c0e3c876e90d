//! A generation finishes through kie's callback or by polling, once per idempotency key; a
//! replayed callback changes nothing and a forged one is refused.

use atelier_api::ErrorCode;
use atelier_api::credits::LedgerKind;
use atelier_api::generations::{Generation, GenerationStatus};

use super::{
    account, balance, body, check_images, create, finished, fresh_kie_window, get, ledger, post,
};
use crate::{CaseResult, Ctx, ensure};

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
    let first: Generation = post(ctx, &who, Some(&key), request.clone()).await?.json()?;
    let second: Generation = post(ctx, &who, Some(&key), request).await?.json()?;
    ensure!(first.id == second.id, "two generations for one key");
    ensure!(
        balance(ctx, &who).await? == before - 4,
        "charged more than once"
    );
    finished(ctx, &who, &first.id, true).await.map(|_| ())
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
            .post_url(&url)
            .header("x-webhook-timestamp", &timestamp.to_string())
            .json(&delivery.body);
        if let Some(signature) = signature {
            request = request.header("x-webhook-signature", &signature);
        }
        request.send()
    };
    // The same callback again: accepted, nothing changes.
    let again = replay(
        delivery.url.clone(),
        delivery.timestamp,
        delivery.signature.clone(),
    )
    .await?;
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
    .await?;
    forged_secret
        .error(404, ErrorCode::NotFound)
        .map_err(|e| format!("forged secret: {e}"))?;
    let bad_signature = replay(
        delivery.url.clone(),
        delivery.timestamp,
        Some("c2lnbmVk".into()),
    )
    .await?;
    bad_signature
        .error(404, ErrorCode::NotFound)
        .map_err(|e| format!("bad signature: {e}"))?;
    let unsigned = replay(delivery.url.clone(), delivery.timestamp, None).await?;
    unsigned
        .error(404, ErrorCode::NotFound)
        .map_err(|e| format!("unsigned: {e}"))?;
    ensure!(
        balance(ctx, &who).await? == 100 - 4,
        "callbacks changed the balance"
    );
    Ok(())
}

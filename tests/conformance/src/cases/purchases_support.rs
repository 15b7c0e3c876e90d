//! Buying a pack the way a person does: open a checkout, pay it on the Creem simulator's page,
//! and wait until Creem's signed webhook has reached this backend.

use std::time::{Duration, Instant};

use atelier_api::credits::Checkout;
use atelier_simulators::creem::PaidCheckout;

use crate::{CaseResult, Ctx, Reply, ensure};

/// Points the Creem simulator's webhook at this backend (one simulator serves both runtimes).
pub(super) fn webhook_here(ctx: &Ctx) {
    ctx.sims
        .creem()
        .set_webhook_url(Some(ctx.url("/v1/creem/webhook")));
}

/// `POST /v1/credits/checkout` for `pack`, signed in with `token` if given.
pub(super) async fn post_checkout(
    ctx: &Ctx,
    token: Option<&str>,
    pack: &str,
) -> Result<Reply, String> {
    let mut request = ctx
        .post("/v1/credits/checkout")
        .json(&serde_json::json!({ "pack": pack }));
    if let Some(token) = token {
        request = request.token(token);
    }
    request.send().await
}

pub(super) async fn open_checkout(ctx: &Ctx, token: &str, pack: &str) -> Result<Checkout, String> {
    post_checkout(ctx, Some(token), pack)
        .await?
        .expect_status(201)?
        .json()
}

/// Waits until some delivery of `event_id` was answered `status`.
pub(super) async fn answered(ctx: &Ctx, event_id: &str, status: u16) -> CaseResult {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let deliveries: Vec<_> = ctx
            .sims
            .creem()
            .deliveries()
            .into_iter()
            .filter(|d| d.event_id == event_id)
            .collect();
        if deliveries.iter().any(|d| d.status == Some(status)) {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "event {event_id} was never answered {status}: {deliveries:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a checkout for `pack`, pays it, and waits for the webhook to be accepted.
pub(super) async fn buy(ctx: &Ctx, token: &str, pack: &str) -> Result<PaidCheckout, String> {
    webhook_here(ctx);
    let checkout = open_checkout(ctx, token, pack).await?;
    let paid = ctx.sims.creem().pay(&checkout.checkout_id, None)?;
    answered(ctx, &paid.event_id, 200).await?;
    Ok(paid)
}

/// Waits until every delivery attempt so far has finished and `n` attempts were made in all.
pub(super) async fn deliveries_of(ctx: &Ctx, event_id: &str, n: usize) -> CaseResult {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let count = ctx
            .sims
            .creem()
            .deliveries()
            .iter()
            .filter(|d| d.event_id == event_id)
            .count();
        if count >= n {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "{count} deliveries of {event_id}, expected {n}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

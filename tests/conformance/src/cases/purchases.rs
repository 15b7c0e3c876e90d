//! Buying credits: Creem checkouts, the signed webhook as the only thing that grants them (once
//! per order), refunds and disputes that take them back (once each), and one sign-up grant per
//! person. Every case ends with the balance equal to the ledger's sum.

use atelier_api::ErrorCode;
use atelier_api::credits::{Balance, CreditPacks, LedgerKind, Money};
use atelier_api::sync::{SyncChange, SyncPage, SyncRecord};
use atelier_simulators::creem::{CreemSettings, webhook_signature};
use atelier_simulators::{Faults, ForcedError};

use super::auth_support::sign_in;
use super::credits_support::{ledger_is_the_balance, whole_ledger};
use super::generations::{account, balance, create, finished, fresh_kie_window};
use super::privacy::seed;
use super::purchases_support::{
    answered, buy, deliveries_of, open_checkout, post_checkout, webhook_here,
};
use crate::{CaseResult, Ctx, Reply, ensure};

async fn post_webhook(ctx: &Ctx, body: &str, signature: Option<&str>) -> Result<Reply, String> {
    let mut request = ctx
        .post("/v1/creem/webhook")
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("creem-signature", signature);
    }
    request.send().await
}

pub async fn packs_are_listed_and_a_checkout_is_opened_at_creem(ctx: &Ctx) -> CaseResult {
    let packs: CreditPacks = ctx
        .get("/v1/credits/packs")
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let small = packs
        .packs
        .iter()
        .find(|p| p.id == "small")
        .ok_or("no small pack")?;
    ensure!(
        small.credits == 100
            && small.price
                == Money {
                    cents: 500,
                    currency: "USD".into()
                },
        "{small:?}"
    );
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let me: atelier_api::auth::User = ctx
        .get("/v1/me")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;

    post_checkout(ctx, Some(&who.token), "huge")
        .await?
        .error(400, ErrorCode::UnknownPack)?;
    post_checkout(ctx, None, "small")
        .await?
        .error(401, ErrorCode::Unauthenticated)?;

    let checkout = open_checkout(ctx, &who.token, "small").await?;
    let at_creem = ctx
        .sims
        .creem()
        .checkout(&checkout.checkout_id)
        .ok_or("Creem has no such checkout")?;
    ensure!(
        at_creem.checkout_url == checkout.checkout_url,
        "{at_creem:?}"
    );
    ensure!(
        at_creem.product.id == "prod_sim_credits_100",
        "{:?}",
        at_creem.product
    );
    ensure!(
        at_creem.customer_email.as_deref() == Some(me.email.as_str()),
        "{at_creem:?}"
    );
    ensure!(
        at_creem.success_url.as_deref() == Some(ctx.url("/billing/return").as_str()),
        "success_url {:?}",
        at_creem.success_url
    );
    let request_id = at_creem.request_id.clone().ok_or("no request_id")?;
    ensure!(
        at_creem
            .metadata
            .get("atelier_request")
            .and_then(|v| v.as_str())
            == Some(request_id.as_str()),
        "metadata {}",
        at_creem.metadata
    );
    // Opening a checkout is not paying for it.
    ensure!(
        balance(ctx, &who).await? == before,
        "a checkout alone changed the balance"
    );

    // Creem down: a clear code, nothing recorded.
    ctx.sims
        .creem()
        .set_faults(Faults {
            force: Some(ForcedError::status(503).times(1)),
            ..Faults::default()
        })
        .map_err(|e| e.to_string())?;
    post_checkout(ctx, Some(&who.token), "large")
        .await?
        .error(502, ErrorCode::PaymentProviderUnavailable)?;
    let dump = ctx.storage().await?;
    let kept = dump
        .tables
        .get("checkouts")
        .into_iter()
        .flatten()
        .filter(|r| {
            r.get("account_id").and_then(|v| v.as_str()) == Some(me.id.as_str())
                && r.get("pack_id").and_then(|v| v.as_str()) == Some("large")
        });
    ensure!(kept.count() == 0, "a checkout Creem never opened was kept");
    ledger_is_the_balance(ctx, &who.token).await
}

pub async fn checkouts_are_rate_limited_per_account(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    // Ten in ten minutes, then refused with a wait; another account is not affected.
    for i in 1..=10 {
        open_checkout(ctx, &who.token, "small")
            .await
            .map_err(|e| format!("checkout {i}: {e}"))?;
    }
    let refused = post_checkout(ctx, Some(&who.token), "small").await?;
    ensure!(
        refused.headers().contains_key("retry-after"),
        "a refused checkout without Retry-After"
    );
    refused.error(429, ErrorCode::RateLimited)?;
    let other = account(ctx).await?;
    open_checkout(ctx, &other.token, "small").await?;
    Ok(())
}

pub async fn a_signed_checkout_completed_credits_once_however_often_it_arrives(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let paid = buy(ctx, &who.token, "large").await?;
    ensure!(
        balance(ctx, &who).await? == before + 500,
        "the purchase did not credit 500"
    );

    // The same event five more times, all at once: nothing changes.
    ctx.sims.creem().redeliver(&paid.event_id, 5, true)?;
    deliveries_of(ctx, &paid.event_id, 6).await?;
    let purchases: Vec<_> = whole_ledger(ctx, &who.token)
        .await?
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Purchase)
        .collect();
    ensure!(
        purchases.len() == 1,
        "{} purchase entries: {purchases:?}",
        purchases.len()
    );
    let purchase = &purchases[0];
    ensure!(
        purchase.amount == 500
            && purchase.paid
                == Some(Money {
                    cents: 2000,
                    currency: "USD".into()
                })
            && purchase.reference == format!("purchase:{}", paid.order_id),
        "{purchase:?}"
    );
    ensure!(
        balance(ctx, &who).await? == before + 500,
        "a repeated delivery credited again"
    );

    // Another device learns of it through sync.
    let sync: SyncPage = ctx
        .get("/v1/sync?limit=1000")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        sync.changes.iter().any(|c| matches!(c, SyncChange::Upsert { record: SyncRecord::Credit(c), .. } if c.entry.id == purchase.id)),
        "the purchase is not in the sync log"
    );

    // The browser's way back proves nothing and reflects nothing.
    let redirect = paid.redirect_url.clone().ok_or("no redirect")?;
    ensure!(
        redirect.starts_with(&ctx.url("/billing/return?")),
        "redirect {redirect}"
    );
    let page = ctx
        .get_url(&format!("{redirect}&x=%3Cscript%3E"))
        .send()
        .await?;
    ensure!(
        page.status() == 200,
        "the return page answered {}",
        page.status()
    );
    let csp = page.headers().get("content-security-policy");
    let html = page.text();
    ensure!(
        html.contains("atelier://billing/return"),
        "no way back to the app: {html}"
    );
    ensure!(
        !html.contains("<script") && !html.contains(&paid.order_id),
        "the page reflects its query: {html}"
    );
    ensure!(csp.is_some(), "the return page has no CSP");
    ensure!(
        balance(ctx, &who).await? == before + 500,
        "the return credited something"
    );
    ledger_is_the_balance(ctx, &who.token).await
}

pub async fn forged_or_unsigned_webhooks_are_refused_and_change_nothing(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    webhook_here(ctx);
    // Hold Creem's own delivery: only the forged copies below reach the service.
    ctx.sims.creem().set_hold(true);
    let checkout = open_checkout(ctx, &who.token, "small").await?;
    let paid = ctx.sims.creem().pay(&checkout.checkout_id, None);
    let result = forged_then_genuine(ctx, &who, paid).await;
    // Creem's own delivery, now a duplicate, changes nothing either.
    ctx.sims.creem().release(false);
    let paid = result?;
    answered(ctx, &paid.event_id, 200).await?;
    ledger_is_the_balance(ctx, &who.token).await
}

async fn forged_then_genuine(
    ctx: &Ctx,
    who: &super::generations::Account,
    paid: Result<atelier_simulators::creem::PaidCheckout, String>,
) -> Result<atelier_simulators::creem::PaidCheckout, String> {
    let paid = paid?;
    let body = ctx
        .sims
        .creem()
        .event(&paid.event_id)
        .ok_or("no event")?
        .body;
    let before = ctx.storage().await?;
    let good = webhook_signature(&ctx.sims.creem().webhook_secret(), body.as_bytes());
    let tampered = format!("{body} ");
    for (what, body, signature) in [
        ("unsigned", body.as_str(), None),
        (
            "signed with another secret",
            body.as_str(),
            Some(webhook_signature("whsec_not_ours", body.as_bytes())),
        ),
        (
            "a body its signature does not cover",
            tampered.as_str(),
            Some(good.clone()),
        ),
        (
            "a signature that is not hex",
            body.as_str(),
            Some("zz".repeat(32)),
        ),
    ] {
        let response = post_webhook(ctx, body, signature.as_deref()).await?;
        response
            .error(401, ErrorCode::Unauthenticated)
            .map_err(|e| format!("{what}: {e}"))?;
    }
    let after = ctx.storage().await?;
    for table in ["credit_ledger", "purchases", "sync_changes"] {
        ensure!(
            before.tables.get(table) == after.tables.get(table),
            "a refused webhook changed {table}"
        );
    }
    // The genuine event still counts afterwards.
    let response = post_webhook(ctx, &body, Some(&good)).await?;
    ensure!(
        response.status() == 200,
        "the genuine event answered {}",
        response.status()
    );
    ensure!(
        whole_ledger(ctx, &who.token)
            .await?
            .iter()
            .any(|e| e.kind == LedgerKind::Purchase),
        "the genuine event did not credit"
    );
    Ok(paid)
}

pub async fn refunds_and_disputes_claw_back_once(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let start = balance(ctx, &who).await?;
    let refunded = buy(ctx, &who.token, "small").await?;
    let disputed = buy(ctx, &who.token, "small").await?;
    ensure!(
        balance(ctx, &who).await? == start + 200,
        "two purchases did not add 200"
    );

    let refund = ctx.sims.creem().refund(&refunded.order_id)?;
    answered(ctx, &refund, 200).await?;
    ctx.sims.creem().redeliver(&refund, 3, true)?;
    deliveries_of(ctx, &refund, 4).await?;
    ensure!(
        balance(ctx, &who).await? == start + 100,
        "a refund did not take back its 100 once"
    );

    let dispute = ctx.sims.creem().dispute(&disputed.order_id)?;
    answered(ctx, &dispute, 200).await?;
    ctx.sims.creem().redeliver(&dispute, 2, false)?;
    deliveries_of(ctx, &dispute, 3).await?;
    ensure!(
        balance(ctx, &who).await? == start,
        "a dispute did not take back its 100 once"
    );

    let clawbacks: Vec<_> = whole_ledger(ctx, &who.token)
        .await?
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Clawback)
        .collect();
    ensure!(
        clawbacks.len() == 2
            && clawbacks
                .iter()
                .all(|e| e.amount == -100 && e.paid.is_some()),
        "{clawbacks:?}"
    );
    ledger_is_the_balance(ctx, &who.token).await
}

pub async fn a_clawback_below_zero_stops_generation_until_credits_return(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let bought = buy(ctx, &who.token, "small").await?;
    // Spend 180 of the 200 (45 finished images at 4), then the purchase is refunded.
    seed(ctx, &who.token, 45).await?;
    ensure!(
        balance(ctx, &who).await? == 20,
        "the spending left {}",
        balance(ctx, &who).await?
    );
    let refund = ctx.sims.creem().refund(&bought.order_id)?;
    answered(ctx, &refund, 200).await?;
    ensure!(
        balance(ctx, &who).await? == -80,
        "the clawback did not take the balance to -80"
    );
    let refused = ctx
        .post("/v1/generations")
        .token(&who.token)
        .header("idempotency-key", &format!("neg-{}", ctx.unique()))
        .json(&serde_json::json!({"prompt": "one more", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1}))
        .send()
        .await?;
    refused.error(402, ErrorCode::InsufficientCredits)?;
    // Buying again brings generation back.
    buy(ctx, &who.token, "large").await?;
    fresh_kie_window(ctx).await?;
    let again = create(ctx, &who, &format!("back in credit {}", ctx.unique()), 1).await?;
    finished(ctx, &who, &again.id, true).await?;
    ledger_is_the_balance(ctx, &who.token).await
}

pub async fn events_for_unknown_products_or_deleted_accounts_credit_nothing(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    webhook_here(ctx);
    let creem = ctx.sims.creem();
    // An event type we have no use for, and a checkout that is not ours.
    let other = creem.emit("subscription.paid", serde_json::json!({"id": "sub_x"}));
    answered(ctx, &other, 200).await?;
    let foreign = creem.emit(
        "checkout.completed",
        serde_json::json!({"id": "ch_foreign", "request_id": "atl_not_ours", "order": {
            "id": "ord_foreign", "product": "prod_sim_credits_100", "amount": 500, "currency": "USD", "status": "paid"}}),
    );
    answered(ctx, &foreign, 200).await?;
    // Ours, but the product and amount are not the pack's: recorded, nothing credited.
    let checkout = open_checkout(ctx, &who.token, "small").await?;
    let request_id = creem
        .checkout(&checkout.checkout_id)
        .and_then(|c| c.request_id)
        .ok_or("no request id")?;
    let mismatch = creem.emit(
        "checkout.completed",
        serde_json::json!({"id": checkout.checkout_id, "request_id": request_id, "order": {
            "id": "ord_mismatch", "product": "prod_sim_credits_500", "amount": 2000, "currency": "USD", "status": "paid"}}),
    );
    answered(ctx, &mismatch, 200).await?;
    ensure!(
        balance(ctx, &who).await? == before,
        "an event that is not a sale of ours credited"
    );
    let dump = ctx.storage().await?;
    let recorded = dump.tables.get("purchases").into_iter().flatten().any(|r| {
        r.get("order_id").and_then(|v| v.as_str()) == Some("ord_mismatch")
            && r.get("status").and_then(|v| v.as_str()) == Some("mismatch")
    });
    ensure!(recorded, "the mismatch was not recorded");
    ledger_is_the_balance(ctx, &who.token).await?;

    // A purchase paid after its account was deleted: 200, nothing kept about the person.
    let email = ctx.email("gone-buyer");
    let gone = sign_in(ctx, &email, &ctx.ip()).await?;
    let late = open_checkout(ctx, &gone.token, "small").await?;
    ctx.delete("/v1/me")
        .token(&gone.token)
        .send()
        .await?
        .expect_status(200)?
        .json::<serde_json::Value>()?;
    ctx.tick().await?;
    let paid = creem.pay(&late.checkout_id, None)?;
    answered(ctx, &paid.event_id, 200).await?;
    let refund = creem.refund(&paid.order_id)?;
    answered(ctx, &refund, 200).await?;
    let dump = ctx.storage().await?;
    for (table, rows) in &dump.tables {
        for row in rows {
            let text = serde_json::to_string(row).unwrap_or_default();
            ensure!(
                !text.contains(&gone.user.id)
                    && !text.contains(&email)
                    && !text.contains(&paid.order_id),
                "{table} keeps something of the deleted buyer: {text}"
            );
        }
    }
    Ok(())
}

pub async fn a_refund_before_its_purchase_waits_for_it(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    webhook_here(ctx);
    let creem = ctx.sims.creem();
    let settings = creem.settings();
    creem.set_settings(CreemSettings {
        retry_delays_ms: vec![300, 600, 1_000, 2_000],
    });
    let result = async {
        creem.set_hold(true);
        let checkout = open_checkout(ctx, &who.token, "small").await?;
        let paid = creem.pay(&checkout.checkout_id, None)?;
        let refund = creem.refund(&paid.order_id)?;
        // Newest first: the refund arrives before the purchase it takes back.
        creem.release(true);
        answered(ctx, &paid.event_id, 200).await?;
        answered(ctx, &refund, 200).await?;
        let first = creem
            .deliveries()
            .into_iter()
            .find(|d| d.event_id == refund)
            .ok_or("no delivery")?;
        ensure!(
            first.status != Some(200),
            "the early refund was accepted before its purchase existed"
        );
        Ok::<_, String>(())
    }
    .await;
    creem.set_hold(false);
    creem.set_settings(settings);
    result?;
    ensure!(
        balance(ctx, &who).await? == before,
        "purchase then refund did not net to zero"
    );
    let kinds: Vec<LedgerKind> = whole_ledger(ctx, &who.token)
        .await?
        .iter()
        .map(|e| e.kind)
        .collect();
    ensure!(
        kinds.iter().filter(|k| **k == LedgerKind::Purchase).count() == 1
            && kinds.iter().filter(|k| **k == LedgerKind::Clawback).count() == 1,
        "{kinds:?}"
    );
    ledger_is_the_balance(ctx, &who.token).await
}

pub async fn the_sign_up_grant_is_given_once_per_person(ctx: &Ctx) -> CaseResult {
    let n = ctx.unique();
    let first = sign_in(ctx, &format!("once.{n}+first@example.com"), &ctx.ip()).await?;
    let granted: Balance = ctx
        .get("/v1/credits")
        .token(&first.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        granted.balance == 100,
        "the first sign-up got {}",
        granted.balance
    );
    ctx.delete("/v1/me")
        .token(&first.token)
        .send()
        .await?
        .expect_status(200)?
        .json::<serde_json::Value>()?;
    // The same mailbox again, under another +tag and in capitals: a new account, no new grant.
    let again = sign_in(ctx, &format!("Once.{n}+again@Example.com"), &ctx.ip()).await?;
    ensure!(
        again.user.id != first.user.id,
        "the deleted account came back"
    );
    let ledger = whole_ledger(ctx, &again.token).await?;
    ensure!(
        ledger.len() == 1 && ledger[0].kind == LedgerKind::Grant && ledger[0].amount == 0,
        "the same person was granted again: {ledger:?}"
    );
    ledger_is_the_balance(ctx, &again.token).await?;
    // Another person still gets theirs.
    let other = sign_in(ctx, &format!("someone.{n}@example.com"), &ctx.ip()).await?;
    let theirs: Balance = ctx
        .get("/v1/credits")
        .token(&other.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        theirs.balance == 100,
        "another person got {}",
        theirs.balance
    );
    // The marker is a keyed hash: the address is nowhere in storage.
    let dump = ctx.storage().await?;
    let text = serde_json::to_string(&dump.tables.get("sign_up_grants")).unwrap_or_default();
    ensure!(
        !text.contains(&format!("once.{n}")),
        "the grant marker holds the address"
    );
    Ok(())
}

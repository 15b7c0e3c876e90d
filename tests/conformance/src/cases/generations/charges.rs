//! What a generation costs: nothing when moderation or the request refuses it, never more than
//! the balance, even under a hundred concurrent requests.

use atelier_api::ErrorCode;
use atelier_simulators::{Faults, ForcedError};

use super::{account, balance, body, fresh_kie_window, ledger, post};
use crate::{CaseResult, Ctx, ensure};

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
        response
            .error(400, ErrorCode::PromptBlocked)
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
    unavailable?.error(503, ErrorCode::ModerationUnavailable)?;
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
        (body("a cat", "gpt-9", 1), ErrorCode::UnknownModel),
        (
            serde_json::json!({"prompt": "a cat", "model": "nano-banana", "aspect_ratio": "2:1", "count": 1}),
            ErrorCode::InvalidAspectRatio,
        ),
        (body("a cat", "nano-banana", 5), ErrorCode::InvalidCount),
        (body("a cat", "nano-banana", 0), ErrorCode::InvalidCount),
        (body("   ", "nano-banana", 1), ErrorCode::PromptEmpty),
        (
            body(&"x".repeat(4_001), "nano-banana", 1),
            ErrorCode::PromptTooLong,
        ),
    ];
    for (request, code) in cases {
        post(ctx, &who, key().as_deref(), request)
            .await?
            .error(400, code)
            .map_err(|e| format!("{code}: {e}"))?;
    }
    let no_key = post(ctx, &who, None, body("a cat", "nano-banana", 1)).await?;
    no_key.error(400, ErrorCode::IdempotencyKeyRequired)?;
    let stranger_conversation = serde_json::json!({"conversation_id": "0".repeat(32), "prompt": "a cat", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1});
    post(ctx, &who, key().as_deref(), stranger_conversation)
        .await?
        .error(404, ErrorCode::NotFound)?;
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
    refused.error(402, ErrorCode::InsufficientCredits)?;
    let left = balance(ctx, &who).await?;
    ensure!(
        left == start - affordable * cost && left >= 0,
        "balance {left}"
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

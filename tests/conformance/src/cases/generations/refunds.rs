//! A generation that fails, expires, times out or is refused by kie is refunded exactly once;
//! kie's transient refusals are retried instead.

use atelier_api::credits::LedgerKind;
use atelier_api::generations::{FailureCode, GenerationStatus};
use atelier_simulators::{Faults, ForcedError};

use super::{account, balance, create, finished, fresh_kie_window, ledger};
use crate::{CaseResult, Ctx, ensure};

pub async fn a_failed_generation_is_refunded_exactly_once(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let before = balance(ctx, &who).await?;
    let generation = create(ctx, &who, &format!("this will [fail] {}", ctx.unique()), 2).await?;
    let failed = finished(ctx, &who, &generation.id, true).await?;
    ensure!(failed.status == GenerationStatus::Failed, "{failed:?}");
    ensure!(
        failed.failure_code == Some(FailureCode::GenerationFailed),
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
            failed.failure_code == Some(FailureCode::ResultUnavailable),
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
            failed.failure_code == Some(FailureCode::TimedOut),
            "{failed:?}"
        );
        ensure!(balance(ctx, &who).await? == before, "not refunded");
        Ok(())
    }
    .await;
    kie.set_settings(saved);
    outcome
}

/// Makes kie answer `fault` to its next request only.
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
            failed.failure_code == Some(FailureCode::UpstreamRejected),
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

//! Each image reaches kie exactly once, however the request's own follow-up, the background work
//! and kie's seconds-long `createTask` interleave; and a burst beyond kie's limit finishes on its
//! own, with nobody running the background work by hand.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use atelier_api::generations::GenerationStatus;
use atelier_simulators::Faults;

use super::credits_support::ledger_is_the_balance;
use super::generations::{account, create, finished, fresh_kie_window};
use crate::{CaseResult, Ctx, ensure};

/// kie's `createTask` takes seconds in production; here every kie call takes this long.
const SLOW_KIE_MS: u64 = 1_500;

pub async fn each_image_reaches_kie_once_while_the_background_races(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    fresh_kie_window(ctx).await?;
    let kie = ctx.sims.kie();
    kie.set_faults(Faults {
        latency_ms: SLOW_KIE_MS,
        ..Faults::default()
    })
    .map_err(|e| e.to_string())?;
    let tag = format!("once-{}", ctx.unique());
    let stop = AtomicBool::new(false);
    // The background work runs over and over while the generations are submitted and finish.
    let ticker = async {
        while !stop.load(Ordering::Relaxed) {
            ctx.tick().await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        CaseResult::Ok(())
    };
    let work = async {
        let result = async {
            let mut ids = Vec::new();
            for i in 0..3 {
                ids.push(create(ctx, &who, &format!("{tag} {i}"), 2).await?.id);
            }
            let mut done = Vec::new();
            for id in &ids {
                done.push(finished(ctx, &who, id, false).await?);
            }
            Ok::<_, String>(done)
        }
        .await;
        stop.store(true, Ordering::Relaxed);
        result
    };
    let (ticked, done) = tokio::join!(ticker, work);
    kie.set_faults(Faults::default())
        .map_err(|e| e.to_string())?;
    ticked?;
    let done = done?;
    for generation in &done {
        ensure!(
            generation.status == GenerationStatus::Done && generation.images.len() == 2,
            "{}: {:?} with {} images",
            generation.id,
            generation.status,
            generation.images.len()
        );
    }
    let tasks: Vec<_> = kie
        .tasks()
        .into_iter()
        .filter(|t| t.prompt.starts_with(&tag))
        .collect();
    ensure!(
        tasks.len() == 6,
        "6 images requested became {} paid kie tasks",
        tasks.len()
    );
    // Every task's callback was accepted: no later claim overwrote its secret.
    for task in &tasks {
        let accepted = task.callback.as_ref().and_then(|c| c.status);
        ensure!(
            accepted == Some(200),
            "kie's callback for {} was answered {accepted:?}",
            task.task_id
        );
    }
    ledger_is_the_balance(ctx, &who.token).await
}

pub async fn a_burst_beyond_kies_limit_finishes_without_a_manual_tick(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    fresh_kie_window(ctx).await?;
    // 6 × 4 = 24 tasks against 18 slots per 10 s: the last ones wait their turn, then go.
    let tag = format!("burst-{}", ctx.unique());
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(create(ctx, &who, &format!("{tag} {i}"), 4).await?.id);
    }
    for id in &ids {
        let done = finished(ctx, &who, id, false).await?;
        ensure!(
            done.status == GenerationStatus::Done && done.images.len() == 4,
            "{id}: {:?}",
            done.status
        );
    }
    let mut created: Vec<i64> = ctx
        .sims
        .kie()
        .tasks()
        .iter()
        .filter(|t| t.prompt.starts_with(&tag))
        .map(|t| t.create_time)
        .collect();
    ensure!(
        created.len() == 24,
        "{} kie tasks for 24 images",
        created.len()
    );
    created.sort_unstable();
    // Never more than the service's 18 in a window (less a second for the requests' travel).
    for (i, start) in created.iter().enumerate() {
        let within = created[i..]
            .iter()
            .take_while(|t| **t < start + 9_000)
            .count();
        ensure!(within <= 18, "{within} tasks reached kie within 9 s");
    }
    ledger_is_the_balance(ctx, &who.token).await
}

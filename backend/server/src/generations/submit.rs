//! Submitting a generation's tasks to kie, each exactly once.
//!
//! `createTask` costs money and cannot be taken back, and three callers may want to make it: the
//! work that follows a new generation's answer ([`drive`]), the background tick, and (natively) a
//! second server on the same file. So each task is first **claimed**: one conditional UPDATE
//! moves it from `pending` to `submitting` and stores the hash of a fresh callback secret; the one
//! caller whose UPDATE changed the row calls kie, the others find nothing to do.
//!
//! A claim ends in one of three ways:
//! - kie answers with a task id: `submitted` (only under the same claim, i.e. the same secret);
//! - kie answers that it created nothing (its rate limit, maintenance, a server error in its
//!   envelope): the claim is released to `pending` and tried again;
//! - nobody knows (no answer, an unreadable one, or a crash mid-call): the task stays
//!   `submitting` and is never sent again. If kie did create it, its callback carries the claim's
//!   secret and [`adopt`]s it; otherwise, after [`STALE_CLAIM_MS`], [`settle_stale`] fails it and
//!   refunds its image, once.

use std::time::Duration;

use atelier_api::generations::FailureCode;
use atelier_api::sync::SyncKind;
use serde::Deserialize;

use super::inputs;
use super::record::{self, GenerationRow};
use super::tasks::{self, next_poll_delay_ms};
use crate::crypto::{random_id, random_token, sha256_hex};
use crate::error::ApiResult;
use crate::models;
use crate::platform::{Platform, Statement, rows_as};
use crate::sync::log;
use crate::upstream::kie::{self, KieError};

/// kie allows 20 new tasks per 10 s per account; keep a margin for clock skew and other callers.
const KIE_SLOTS: i64 = 18;
const KIE_WINDOW_MS: i64 = 10_000;
/// A claim with no answer from kie after this long is settled: failed and refunded. Well beyond
/// createTask's own time-out, so a call still in flight is never settled under its caller.
pub const STALE_CLAIM_MS: i64 = 5 * 60 * 1000;
/// How long [`drive`] keeps trying while kie's window is full: inside the 30 s a Worker's
/// `waitUntil` may run after the answer; the background work takes over after that.
const DRIVE_BUDGET: Duration = Duration::from_secs(25);
const DRIVE_PAUSE: Duration = Duration::from_millis(1_000);

/// What a submission round left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// No task of the generation is left `pending` by this round.
    Done,
    /// Some wait for a slot of kie's window, or kie asked us to come back later.
    Waiting,
}

#[derive(Deserialize)]
struct Idx {
    idx: i64,
}

/// Takes one of kie's submission slots, exactly (SQL), or says there is none right now.
async fn take_slot<P: Platform>(platform: &P) -> ApiResult<bool> {
    let now = platform.now_ms();
    let taken = platform
        .execute(
            Statement::new(
                "INSERT INTO kie_submissions (id, created_at)
                 SELECT ?, ? WHERE (SELECT COUNT(*) FROM kie_submissions WHERE created_at > ?) < ?",
            )
            .bind(random_id(platform)?)
            .bind(now)
            .bind(now - KIE_WINDOW_MS)
            .bind(KIE_SLOTS),
        )
        .await?;
    Ok(taken == 1)
}

/// Claims a pending task for this caller, with the hash of its callback secret: true for the
/// one caller whose UPDATE moved it.
async fn claim<P: Platform>(
    platform: &P,
    generation_id: &str,
    idx: i64,
    secret_hash: &str,
) -> ApiResult<bool> {
    let claimed = platform
        .execute(
            Statement::new(
                "UPDATE generation_tasks SET state = 'submitting', callback_secret_hash = ?, updated_at = ?
                 WHERE generation_id = ? AND idx = ? AND state = 'pending'",
            )
            .bind(secret_hash)
            .bind(platform.now_ms())
            .bind(generation_id)
            .bind(idx),
        )
        .await?;
    Ok(claimed == 1)
}

/// Gives a claim back (kie created nothing): the task is `pending` again for the next round.
async fn release<P: Platform>(
    platform: &P,
    generation_id: &str,
    idx: i64,
    secret_hash: &str,
) -> ApiResult<()> {
    platform
        .execute(
            Statement::new(
                "UPDATE generation_tasks SET state = 'pending', updated_at = ?
                 WHERE generation_id = ? AND idx = ? AND state = 'submitting' AND callback_secret_hash = ?",
            )
            .bind(platform.now_ms())
            .bind(generation_id)
            .bind(idx)
            .bind(secret_hash),
        )
        .await?;
    Ok(())
}

/// Records kie's task id under the claim that made it (or adopted it), and the generation as
/// generating. `state` is the claim's: `submitting`.
async fn record_submitted<P: Platform>(
    platform: &P,
    generation: &GenerationRow,
    idx: i64,
    task_id: &str,
    secret_hash: &str,
) -> ApiResult<bool> {
    let now = platform.now_ms();
    let mut batch = vec![
        Statement::new(
            "UPDATE generation_tasks SET kie_task_id = ?, state = 'submitted', next_poll_at = ?, updated_at = ?
             WHERE generation_id = ? AND idx = ? AND state = 'submitting' AND callback_secret_hash = ?",
        )
        .bind(task_id)
        .bind(now + next_poll_delay_ms(0))
        .bind(now)
        .bind(generation.id.as_str())
        .bind(idx)
        .bind(secret_hash),
        Statement::new("UPDATE generations SET status = 'generating', updated_at = ? WHERE id = ? AND status = 'queued'")
            .bind(now)
            .bind(generation.id.as_str()),
    ];
    batch.extend(log::changed(
        &generation.account_id,
        SyncKind::Generation,
        &generation.id,
        now,
    ));
    let changed = platform.batch(batch).await?;
    Ok(changed.first() == Some(&1))
}

/// One round: claims and submits the generation's pending tasks while kie has slots.
pub async fn submit_pending<P: Platform>(
    platform: &P,
    generation: &GenerationRow,
) -> ApiResult<Round> {
    let rows = platform
        .query(
            Statement::new("SELECT idx FROM generation_tasks WHERE generation_id = ? AND state = 'pending' ORDER BY idx")
                .bind(generation.id.as_str()),
        )
        .await?;
    let pending = rows_as::<Idx>(rows)?;
    let image_urls = inputs::urls(platform, generation)?;
    let Some((_, request)) = models::resolve(
        &generation.model,
        &generation.aspect_ratio,
        &generation.prompt,
        &image_urls,
    ) else {
        for Idx { idx } in pending {
            tasks::fail(platform, generation, idx, FailureCode::UnknownModel).await?;
        }
        return Ok(Round::Done);
    };
    for Idx { idx } in pending {
        // The secret in the callback URL proves a callback is about this claim; only its hash is kept.
        let secret = random_token(platform, 32)?;
        let secret_hash = sha256_hex(secret.as_bytes());
        if !claim(platform, &generation.id, idx, &secret_hash).await? {
            continue; // another caller has it
        }
        if !take_slot(platform).await? {
            release(platform, &generation.id, idx, &secret_hash).await?;
            tracing::info!(generation = %generation.id, "kie submission limit reached; the task waits its turn");
            return Ok(Round::Waiting);
        }
        let callback = format!(
            "{}/v1/kie/callback/{}/{idx}/{secret}",
            platform.config().public_url,
            generation.id,
        );
        match kie::create_task(
            platform,
            request.model,
            request.input.clone(),
            Some(&callback),
        )
        .await
        {
            Ok(task_id) => {
                record_submitted(platform, generation, idx, &task_id, &secret_hash).await?;
            }
            Err(e @ (KieError::Transport(_) | KieError::Protocol(_))) => {
                // kie may or may not have made it: never send it again (see the module's notes).
                tracing::warn!(generation = %generation.id, error = %e, "kie's answer to createTask is unknown; the claim waits for a callback");
            }
            Err(e) if e.is_retryable() => {
                release(platform, &generation.id, idx, &secret_hash).await?;
                tracing::warn!(generation = %generation.id, error = %e, "kie refused for now; retrying later");
                return Ok(Round::Waiting);
            }
            Err(e) => {
                tracing::error!(generation = %generation.id, error = %e, "kie refused the task");
                tasks::fail(platform, generation, idx, FailureCode::UpstreamRejected).await?;
            }
        }
    }
    Ok(Round::Done)
}

/// The work after a new generation's answer (`Platform::wait_until`): submit its tasks, and
/// while kie's window is full keep trying for [`DRIVE_BUDGET`], so a burst goes through within
/// seconds without waiting for the background work.
pub async fn drive<P: Platform>(platform: P, generation_id: String) {
    let started = platform.wall_clock_ms();
    loop {
        let generation = match record::row(&platform, &generation_id).await {
            Ok(Some(generation)) => generation,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(generation = %generation_id, error = ?e.body, "submission deferred to the background");
                return;
            }
        };
        match submit_pending(&platform, &generation).await {
            Ok(Round::Done) => return,
            Ok(Round::Waiting)
                if platform.wall_clock_ms() - started < DRIVE_BUDGET.as_millis() as i64 =>
            {
                platform.sleep(DRIVE_PAUSE).await;
            }
            Ok(Round::Waiting) => return,
            Err(e) => {
                tracing::warn!(generation = %generation_id, error = ?e.body, "submission deferred to the background");
                return;
            }
        }
    }
}

/// A callback for a task still `submitting` (its createTask answer was lost): the callback's
/// secret matched this claim, and kie's `recordInfo` for `task_id` answered, so kie made it.
/// Records it as submitted; true if this call did.
pub async fn adopt<P: Platform>(
    platform: &P,
    generation: &GenerationRow,
    idx: i64,
    task_id: &str,
    secret_hash: &str,
) -> ApiResult<bool> {
    record_submitted(platform, generation, idx, task_id, secret_hash).await
}

#[derive(Deserialize)]
struct Claim {
    generation_id: String,
    idx: i64,
}

/// Claims nobody confirmed within [`STALE_CLAIM_MS`] (a lost answer, a crash): failed and
/// refunded, once each. They are never sent again: kie may have made them.
pub async fn settle_stale<P: Platform>(platform: &P, limit: i64) -> ApiResult<()> {
    let rows = platform
        .query(
            Statement::new(
                "SELECT generation_id, idx FROM generation_tasks WHERE state = 'submitting' AND updated_at < ? LIMIT ?",
            )
            .bind(platform.now_ms() - STALE_CLAIM_MS)
            .bind(limit),
        )
        .await?;
    for Claim { generation_id, idx } in rows_as::<Claim>(rows)? {
        if let Some(generation) = record::row(platform, &generation_id).await? {
            tasks::fail(
                platform,
                &generation,
                idx,
                FailureCode::SubmissionUnconfirmed,
            )
            .await?;
        }
    }
    Ok(())
}

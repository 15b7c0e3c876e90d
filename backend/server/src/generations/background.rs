//! The generations' share of the background work (`crate::background::tick`): submit tasks that
//! waited for kie's limit, poll those whose callback has not come, time out the stuck ones.

use atelier_api::generations::FailureCode;
use serde::Deserialize;

use super::tasks::{self, GENERATION_TIMEOUT_MS, TASK_COLUMNS, TaskRow};
use super::{record, submit};
use crate::error::ApiResult;
use crate::platform::{Platform, Statement, rows_as};

/// Work per tick, bounded so a tick stays inside a Worker invocation's limits.
const TASKS_PER_TICK: i64 = 25;
/// A task left in `storing` this long was interrupted (a crash mid-download): poll it again.
const STALE_STORING_MS: i64 = 2 * 60 * 1000;

#[derive(Deserialize)]
struct Id {
    id: String,
}

/// What the generations' round cleans up, in the tick's housekeeping batch: kie submission slots
/// past their window, and tasks interrupted mid-download (polled again).
pub fn housekeeping(now: i64) -> Vec<Statement> {
    vec![
        Statement::new("DELETE FROM kie_submissions WHERE created_at < ?").bind(now - 60_000),
        Statement::new(
            "UPDATE generation_tasks SET state = 'submitted', next_poll_at = ? WHERE state = 'storing' AND updated_at < ?",
        )
        .bind(now)
        .bind(now - STALE_STORING_MS),
    ]
}

/// One round of the generations' work; errors of one generation do not stop the others.
pub async fn run<P: Platform>(platform: &P) -> ApiResult<()> {
    let now = platform.now_ms();

    // Time-outs: unfinished tasks of generations older than the limit fail (and are refunded).
    let expired = platform
        .query(
            Statement::new("SELECT id FROM generations WHERE status IN ('queued', 'generating') AND created_at < ? LIMIT ?")
                .bind(now - GENERATION_TIMEOUT_MS)
                .bind(TASKS_PER_TICK),
        )
        .await?;
    for Id { id } in rows_as::<Id>(expired)? {
        if let Some(generation) = record::row(platform, &id).await? {
            for idx in 0..generation.count {
                tasks::fail(platform, &generation, idx, FailureCode::TimedOut).await?;
            }
        }
    }

    // Submissions that waited their turn.
    let waiting = platform
        .query(
            Statement::new(
                "SELECT DISTINCT generation_id AS id FROM generation_tasks WHERE state = 'pending' ORDER BY generation_id LIMIT ?",
            )
            .bind(TASKS_PER_TICK),
        )
        .await?;
    for Id { id } in rows_as::<Id>(waiting)? {
        if let Some(generation) = record::row(platform, &id).await?
            && let Err(e) = submit::submit_pending(platform, &generation).await
        {
            tracing::warn!(generation = %id, error = ?e.body, "submitting failed; next tick");
        }
    }
    // Claims whose createTask answer never came (a lost answer, a crash mid-call).
    submit::settle_stale(platform, TASKS_PER_TICK).await?;

    // Polls that are due.
    let due = platform
        .query(
            Statement::new(format!(
                "SELECT {TASK_COLUMNS} FROM generation_tasks WHERE state = 'submitted' AND next_poll_at <= ? ORDER BY next_poll_at LIMIT ?"
            ))
            .bind(now)
            .bind(TASKS_PER_TICK),
        )
        .await?;
    for task in rows_as::<TaskRow>(due)? {
        if let Some(generation) = record::row(platform, &task.generation_id).await?
            && let Err(e) = tasks::poll(platform, &generation, &task).await
        {
            tracing::warn!(generation = %task.generation_id, error = ?e.body, "polling failed; next tick");
        }
    }
    Ok(())
}

//! The life of a kie task (one per image) once submitted: store its result, or fail it with a
//! refund. Every transition is a conditional UPDATE, so whichever of the callback and the poller
//! gets there first does the work, and the other finds nothing to do. (Submission: `submit.rs`.)

use atelier_api::credits::LedgerKind;
use atelier_api::generations::FailureCode;
use atelier_api::sync::SyncKind;
use bytes::Bytes;
use serde::Deserialize;

use super::record::{self, GenerationRow};
use super::rows::{ImageInsert, TaskPhase};
use super::thumbnail;
use crate::credits::entries::NewEntry;
use crate::crypto::{random_id, sha256_hex};
use crate::error::ApiResult;
use crate::platform::{BlobKey, Platform, Statement, rows_as};
use crate::sync::log;
use crate::upstream::kie::{self, TaskRecord, TaskState};
use crate::upstream::kie_result::{self, DownloadError};

/// A generation that has not finished after this long fails (and is refunded).
pub const GENERATION_TIMEOUT_MS: i64 = 15 * 60 * 1000;

/// Guards the writes of a result: its account (the next bound parameter) is not deleted. A
/// deleted account's late results are dropped, so nothing lands after its purge.
const ACCOUNT_LIVE: &str = "EXISTS (SELECT 1 FROM accounts WHERE id = ? AND deleted_at IS NULL)";

#[derive(Debug, Clone, Deserialize)]
pub struct TaskRow {
    pub generation_id: String,
    pub idx: i64,
    pub kie_task_id: Option<String>,
    pub callback_secret_hash: String,
    pub state: TaskPhase,
}

pub const TASK_COLUMNS: &str = "generation_id, idx, kie_task_id, callback_secret_hash, state";

pub async fn task<P: Platform>(
    platform: &P,
    generation_id: &str,
    idx: i64,
) -> ApiResult<Option<TaskRow>> {
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {TASK_COLUMNS} FROM generation_tasks WHERE generation_id = ? AND idx = ?"
            ))
            .bind(generation_id)
            .bind(idx),
        )
        .await?;
    Ok(rows_as(rows)?.into_iter().next())
}

/// kie's recommended polling back-off: every 3 s for the first 30 s, 8 s until 2 minutes, then 20 s.
pub fn next_poll_delay_ms(age_ms: i64) -> i64 {
    match age_ms {
        a if a < 30_000 => 3_000,
        a if a < 120_000 => 8_000,
        _ => 20_000,
    }
}

/// Fails a task that is not finished yet, refunding its image exactly once (the refund's
/// reference is unique), then settles the generation if nothing is left running.
pub async fn fail<P: Platform>(
    platform: &P,
    generation: &GenerationRow,
    idx: i64,
    code: FailureCode,
) -> ApiResult<()> {
    let now = platform.now_ms();
    let refund = NewEntry {
        id: random_id(platform)?,
        account_id: generation.account_id.as_str(),
        amount: generation.cost_per_image,
        kind: LedgerKind::Refund,
        reference: format!("refund:{}:{idx}", generation.id),
        paid: None,
        order_id: None,
        created_at: now,
    };
    let mut batch = vec![
        Statement::new(
            "UPDATE generation_tasks SET state = 'failed', failure_code = ?, updated_at = ?
             WHERE generation_id = ? AND idx = ? AND state IN ('pending', 'submitting', 'submitted', 'storing')",
        )
        .bind(code.as_str())
        .bind(now)
        .bind(generation.id.as_str())
        .bind(idx),
    ];
    batch.extend(
        refund.statements(
            refund
                .insert_if(
                    "EXISTS (SELECT 1 FROM generation_tasks WHERE generation_id = ? AND idx = ? AND state = 'failed')",
                )
                .bind(generation.id.as_str())
                .bind(idx),
        ),
    );
    platform.batch(batch).await?;
    settle(platform, generation).await
}

/// Marks the generation done (some image stored) or failed (none), once no task is still running.
pub async fn settle<P: Platform>(platform: &P, generation: &GenerationRow) -> ApiResult<()> {
    let now = platform.now_ms();
    let mut batch = vec![
        Statement::new(
            "UPDATE generations SET
               status = CASE WHEN EXISTS (SELECT 1 FROM generation_tasks WHERE generation_id = ?1 AND state = 'stored')
                             THEN 'done' ELSE 'failed' END,
               failure_code = CASE WHEN EXISTS (SELECT 1 FROM generation_tasks WHERE generation_id = ?1 AND state = 'stored')
                             THEN NULL ELSE (SELECT failure_code FROM generation_tasks WHERE generation_id = ?1
                                             AND state = 'failed' ORDER BY idx LIMIT 1) END,
               updated_at = ?2
             WHERE id = ?1 AND status IN ('queued', 'generating')
               AND NOT EXISTS (SELECT 1 FROM generation_tasks WHERE generation_id = ?1
                               AND state IN ('pending', 'submitting', 'submitted', 'storing'))",
        )
        .bind(generation.id.as_str())
        .bind(now),
    ];
    batch.extend(log::changed(
        &generation.account_id,
        SyncKind::Generation,
        &generation.id,
        now,
    ));
    platform.batch(batch).await?;
    Ok(())
}

/// Acts on what kie says of a task: store a success, fail a failure, or poll again later.
pub async fn apply<P: Platform>(
    platform: &P,
    generation: &GenerationRow,
    idx: i64,
    record: &TaskRecord,
) -> ApiResult<()> {
    match record.state {
        TaskState::Success => store(platform, generation, idx, record).await,
        TaskState::Fail => fail(platform, generation, idx, FailureCode::GenerationFailed).await,
        _ => {
            let now = platform.now_ms();
            let next = now + next_poll_delay_ms(now - generation.created_at);
            platform
                .execute(
                    Statement::new(
                        "UPDATE generation_tasks SET next_poll_at = ?, updated_at = ? WHERE generation_id = ? AND idx = ? AND state = 'submitted'",
                    )
                    .bind(next)
                    .bind(now)
                    .bind(generation.id.as_str())
                    .bind(idx),
                )
                .await?;
            Ok(())
        }
    }
}

/// Downloads a finished task's image at once (kie's URLs expire), stores the original and its
/// thumbnail under the owner's keys, and records it. Claimed by one conditional UPDATE first.
async fn store<P: Platform>(
    platform: &P,
    generation: &GenerationRow,
    idx: i64,
    record: &TaskRecord,
) -> ApiResult<()> {
    let now = platform.now_ms();
    let claimed = platform
        .execute(
            Statement::new(format!(
                "UPDATE generation_tasks SET state = 'storing', updated_at = ? WHERE generation_id = ? AND idx = ? AND state = 'submitted'
                 AND {ACCOUNT_LIVE}"
            ))
            .bind(now)
            .bind(generation.id.as_str())
            .bind(idx)
            .bind(generation.account_id.as_str()),
        )
        .await?;
    if claimed != 1 {
        return Ok(()); // the other path got here first
    }
    let Some(url) = record.result_urls.first() else {
        return fail(platform, generation, idx, FailureCode::ResultUnavailable).await;
    };
    let bytes = match kie_result::result(platform, url).await {
        Ok(bytes) => bytes,
        Err(DownloadError::Transient(e)) => {
            // Back to `submitted`: the next poll tries again, until the generation times out.
            tracing::warn!(generation = %generation.id, error = %e, "result download failed");
            release(platform, &generation.id, idx).await?;
            return Ok(());
        }
        Err(e) => {
            // A bad URL, a redirect elsewhere, too many bytes, an error answer: it will not get
            // better, so the image fails now and is refunded.
            tracing::warn!(generation = %generation.id, error = %e, "result download refused");
            return fail(platform, generation, idx, FailureCode::ResultUnavailable).await;
        }
    };
    let max_side = atelier_api::limits::LIMITS.thumbnail_max_side_px;
    let Some(decoded) = thumbnail::decode(&bytes, max_side) else {
        return fail(platform, generation, idx, FailureCode::ResultUnavailable).await;
    };
    let image_id = random_id(platform)?;
    let base = format!("images/{}/{}", generation.account_id, image_id);
    let original_key = BlobKey::new(format!("{base}/original.{}", decoded.extension))?;
    let thumbnail_key = BlobKey::new(format!("{base}/thumbnail.jpg"))?;
    let thumbnail_len = decoded.thumbnail.len();
    let thumbnail_sha256 = sha256_hex(&decoded.thumbnail);
    let stored = async {
        platform
            .blob_put(&original_key, bytes.clone(), decoded.content_type)
            .await?;
        platform
            .blob_put(&thumbnail_key, Bytes::from(decoded.thumbnail), "image/jpeg")
            .await
    };
    if let Err(e) = stored.await {
        tracing::error!(generation = %generation.id, error = %e, "storing the image failed");
        let _ = platform.blob_delete(&[original_key, thumbnail_key]).await;
        release(platform, &generation.id, idx).await?;
        return Ok(());
    }
    let mut batch = vec![
            ImageInsert {
                id: &image_id,
                generation_id: &generation.id,
                account_id: &generation.account_id,
                idx,
                original_key: original_key.as_str(),
                thumbnail_key: thumbnail_key.as_str(),
                content_type: decoded.content_type,
                sha256: &sha256_hex(&bytes),
                width: i64::from(decoded.width),
                height: i64::from(decoded.height),
                bytes: bytes.len() as i64,
                thumbnail_bytes: thumbnail_len as i64,
                thumbnail_sha256: &thumbnail_sha256,
                created_at: now,
            }
            .insert_where(&format!(
                "EXISTS (SELECT 1 FROM generation_tasks WHERE generation_id = ? AND idx = ? AND state = 'storing')
                 AND {ACCOUNT_LIVE}"
            ))
            .bind(generation.id.as_str())
            .bind(idx)
            .bind(generation.account_id.as_str()),
            Statement::new(
                "UPDATE generation_tasks SET state = 'stored', updated_at = ? WHERE generation_id = ? AND idx = ? AND state = 'storing'",
            )
            .bind(platform.now_ms())
            .bind(generation.id.as_str())
            .bind(idx),
    ];
    batch.extend(log::changed(
        &generation.account_id,
        SyncKind::Image,
        &image_id,
        now,
    ));
    let inserted = platform.batch(batch).await?;
    if inserted.first() != Some(&1) {
        // The account was deleted (and perhaps purged) while the bytes were on their way: they
        // must not outlive it.
        platform.blob_delete(&[original_key, thumbnail_key]).await?;
        return Ok(());
    }
    settle(platform, generation).await
}

/// Hands a task back to the poller after a transient failure while storing.
async fn release<P: Platform>(platform: &P, generation_id: &str, idx: i64) -> ApiResult<()> {
    let now = platform.now_ms();
    platform
        .execute(
            Statement::new(
                "UPDATE generation_tasks SET state = 'submitted', next_poll_at = ?, updated_at = ?
                 WHERE generation_id = ? AND idx = ? AND state = 'storing'",
            )
            .bind(now + 5_000)
            .bind(now)
            .bind(generation_id)
            .bind(idx),
        )
        .await?;
    Ok(())
}

/// Asks kie about one submitted task and acts on the answer.
pub async fn poll<P: Platform>(
    platform: &P,
    generation: &GenerationRow,
    task: &TaskRow,
) -> ApiResult<()> {
    let Some(task_id) = task.kie_task_id.as_deref() else {
        return Ok(());
    };
    match kie::record_info(platform, task_id).await {
        Ok(record) => apply(platform, generation, task.idx, &record).await,
        Err(kie::KieError::NotFound) => {
            fail(
                platform,
                generation,
                task.idx,
                FailureCode::GenerationFailed,
            )
            .await
        }
        Err(e) => {
            tracing::warn!(generation = %generation.id, error = %e, "polling kie failed; trying later");
            let now = platform.now_ms();
            platform
                .execute(
                    Statement::new(
                        "UPDATE generation_tasks SET next_poll_at = ? WHERE generation_id = ? AND idx = ? AND state = 'submitted'",
                    )
                    .bind(now + 10_000)
                    .bind(generation.id.as_str())
                    .bind(task.idx),
                )
                .await?;
            Ok(())
        }
    }
}

/// Re-reads the generation row (callers may hold a stale copy).
pub async fn fresh<P: Platform>(platform: &P, id: &str) -> ApiResult<Option<GenerationRow>> {
    record::row(platform, id).await
}

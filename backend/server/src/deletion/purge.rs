//! The purge of a deleted account: resumable, idempotent steps whose progress is the `step` of
//! its `account_purges` row. KV sessions → KV rate-limit counters → R2 images → D1 rows in bounded
//! chunks, children before parents → finally the account row and the purge row in one batch, so
//! nothing of the account, nor of this bookkeeping, remains.
//!
//! Every storage call is counted against a [`Budget`], so a request or a background tick stays
//! inside a Worker invocation's limits; a step that runs out of budget, or meets a storage error,
//! stops where it is and the next [`resume`] (from `background::tick`) carries on. A step that
//! is re-run finds what it already deleted gone and moves on.

use serde::Deserialize;

use crate::auth::session;
use crate::platform::{MAX_DELETE_KEYS, Platform, PlatformError, Statement, rows_as};

/// D1 rows deleted per statement: small enough to keep each statement short.
const ROWS_PER_CHUNK: i64 = 500;
/// Storage calls a background tick may spend on purges (the tick has other work too).
const TICK_BUDGET: u32 = 300;
/// Purges a tick looks at, oldest progress first.
const PURGES_PER_TICK: i64 = 5;

/// Storage calls left, and those made, by kind (what the purge costs is reported in the logs).
#[derive(Debug, Default, Clone)]
pub struct Budget {
    left: u32,
    /// Wall-clock time (ms) after which no call is started: a person waits on the inline purge.
    deadline_ms: Option<i64>,
    pub kv_calls: u32,
    pub blob_calls: u32,
    pub sql_calls: u32,
}

#[derive(Clone, Copy)]
enum Store {
    Kv,
    Blob,
    Sql,
}

impl Budget {
    pub fn new(calls: u32) -> Self {
        Self {
            left: calls,
            ..Self::default()
        }
    }

    /// The same budget, spent by `deadline_ms` (wall clock) at the latest.
    pub fn until(self, deadline_ms: i64) -> Self {
        Self {
            deadline_ms: Some(deadline_ms),
            ..self
        }
    }

    /// Takes one call's worth, or says the budget is spent (no calls left, or past its time).
    fn take(&mut self, store: Store, now_ms: i64) -> bool {
        if self.left == 0 || self.deadline_ms.is_some_and(|d| now_ms >= d) {
            return false;
        }
        self.left -= 1;
        match store {
            Store::Kv => self.kv_calls += 1,
            Store::Blob => self.blob_calls += 1,
            Store::Sql => self.sql_calls += 1,
        }
        true
    }
}

/// How a step ended without an error.
#[derive(Debug, PartialEq, Eq)]
enum Progress {
    Done,
    OutOfBudget,
}
use Progress::{Done, OutOfBudget};

/// Spends one call of `store` or returns `OutOfBudget` from the step.
macro_rules! spend {
    ($platform:expr, $budget:expr, $store:expr) => {
        if !$budget.take($store, $platform.wall_clock_ms()) {
            return Ok(OutOfBudget);
        }
    };
}

/// The steps in order; the row's `step` is the index of the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PurgeStep {
    /// Every session of the account, from KV.
    Sessions,
    /// The account's rate-limit counters, from KV.
    RateLimits,
    /// Its images and uploads, from the blob store.
    Blobs,
    /// Its rows, table by table.
    Rows,
    /// Last, the account row itself (and the purge's own).
    Account,
}

impl PurgeStep {
    const ALL: [Self; 5] = [
        Self::Sessions,
        Self::RateLimits,
        Self::Blobs,
        Self::Rows,
        Self::Account,
    ];

    /// The step stored as `index`; `None` past the last.
    fn at(index: i64) -> Option<Self> {
        usize::try_from(index)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// As stored.
    fn index(self) -> i64 {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as i64
    }
}

#[derive(Deserialize)]
struct PurgeRow {
    step: i64,
    rl_prefixes: String,
}

/// Runs the account's purge as far as the budget allows; `Ok(true)` once nothing is left (also
/// when there was no purge to run).
pub async fn run<P: Platform>(
    platform: &P,
    account_id: &str,
    budget: &mut Budget,
) -> Result<bool, PlatformError> {
    if !budget.take(Store::Sql, platform.wall_clock_ms()) {
        return Ok(false);
    }
    let rows = platform
        .query(
            Statement::new("SELECT step, rl_prefixes FROM account_purges WHERE account_id = ?")
                .bind(account_id),
        )
        .await?;
    let Some(row) = rows_as::<PurgeRow>(rows)?.into_iter().next() else {
        return Ok(true);
    };
    let mut step = PurgeStep::at(row.step.max(0));
    while let Some(current) = step {
        let progress = match current {
            PurgeStep::Sessions => sessions(platform, account_id, budget).await?,
            PurgeStep::RateLimits => rate_limits(platform, &row.rl_prefixes, budget).await?,
            PurgeStep::Blobs => blobs(platform, account_id, budget).await?,
            PurgeStep::Rows => rows_of(platform, account_id, budget).await?,
            PurgeStep::Account => return finish(platform, account_id, budget).await,
        };
        if progress == OutOfBudget {
            return Ok(false);
        }
        step = PurgeStep::at(current.index() + 1);
        if !budget.take(Store::Sql, platform.wall_clock_ms()) {
            return Ok(false);
        }
        platform
            .execute(
                Statement::new(
                    "UPDATE account_purges SET step = ?, updated_at = ? WHERE account_id = ?",
                )
                .bind(step.map_or(PurgeStep::ALL.len() as i64, PurgeStep::index))
                .bind(platform.now_ms())
                .bind(account_id),
            )
            .await?;
    }
    Ok(true)
}

/// [`run`], with its errors and its cost logged (nothing personal: no id, no key, no address).
/// Returns whether the purge is complete.
pub async fn run_logged<P: Platform>(platform: &P, account_id: &str, budget: &mut Budget) -> bool {
    let started = platform.now_ms();
    let before = budget.clone();
    let outcome = run(platform, account_id, budget).await;
    let (kv, blob, sql) = (
        budget.kv_calls - before.kv_calls,
        budget.blob_calls - before.blob_calls,
        budget.sql_calls - before.sql_calls,
    );
    let elapsed_ms = platform.now_ms() - started;
    match outcome {
        Ok(complete) => {
            tracing::info!(
                complete,
                kv_calls = kv,
                blob_calls = blob,
                sql_calls = sql,
                elapsed_ms,
                "account purge ran"
            );
            complete
        }
        Err(e) => {
            tracing::warn!(
                store = store_of(&e),
                kv_calls = kv,
                blob_calls = blob,
                sql_calls = sql,
                "account purge stopped by a storage error; the next tick resumes it"
            );
            false
        }
    }
}

/// Which store failed, without the error's text (which may name a key).
fn store_of(e: &PlatformError) -> &'static str {
    match e {
        PlatformError::Sql(_) => "sql",
        PlatformError::Blob(_) => "blob",
        PlatformError::Kv(_) => "kv",
        PlatformError::Http(_) | PlatformError::HttpRefused(_) => "http",
        PlatformError::Invalid(_) => "invalid",
    }
}

#[derive(Deserialize)]
struct AccountId {
    account_id: String,
}

/// The background part: resumes unfinished purges, least recently advanced first, within one
/// tick's budget. A failing purge does not stop the others.
pub async fn resume<P: Platform>(platform: &P) -> Result<(), PlatformError> {
    let rows = platform
        .query(
            Statement::new(
                "SELECT account_id FROM account_purges ORDER BY updated_at, account_id LIMIT ?",
            )
            .bind(PURGES_PER_TICK),
        )
        .await?;
    let mut budget = Budget::new(TICK_BUDGET);
    for AccountId { account_id } in rows_as(rows)? {
        if !run_logged(platform, &account_id, &mut budget).await {
            if budget.left == 0 {
                return Ok(());
            }
            // Stopped by an error: let the others go first next time.
            platform
                .execute(
                    Statement::new("UPDATE account_purges SET updated_at = ? WHERE account_id = ?")
                        .bind(platform.now_ms())
                        .bind(account_id.as_str()),
                )
                .await?;
        }
    }
    Ok(())
}

/// Every session through the account's index: the session record and its index key. One pass
/// with KV's cursor (a deleted key may still be listed for a while: KV is eventually consistent).
async fn sessions<P: Platform>(
    platform: &P,
    account_id: &str,
    budget: &mut Budget,
) -> Result<Progress, PlatformError> {
    let prefix = session::index_prefix(account_id);
    let mut cursor = None;
    loop {
        spend!(platform, budget, Store::Kv);
        let page = platform.kv_list(&prefix, cursor).await?;
        for key in &page.keys {
            if let Some(hash) = key.strip_prefix(&prefix) {
                spend!(platform, budget, Store::Kv);
                platform.kv_delete(&session::session_key(hash)).await?;
            }
            // The index key last: while it lists, the session is still to be deleted.
            spend!(platform, budget, Store::Kv);
            platform.kv_delete(key).await?;
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(Done),
        }
    }
}

/// Every counter under the prefixes kept in the purge row (one key per window).
async fn rate_limits<P: Platform>(
    platform: &P,
    prefixes: &str,
    budget: &mut Budget,
) -> Result<Progress, PlatformError> {
    for prefix in prefixes.lines().filter(|p| p.starts_with("rl:")) {
        let mut cursor = None;
        loop {
            spend!(platform, budget, Store::Kv);
            let page = platform.kv_list(prefix, cursor).await?;
            for key in &page.keys {
                spend!(platform, budget, Store::Kv);
                platform.kv_delete(key).await?;
            }
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(Done)
}

/// Every object under `images/<account>/`, listed and deleted up to R2's 1,000 keys a call.
async fn blobs<P: Platform>(
    platform: &P,
    account_id: &str,
    budget: &mut Budget,
) -> Result<Progress, PlatformError> {
    let prefix = format!("images/{account_id}/");
    loop {
        spend!(platform, budget, Store::Blob);
        let page = platform
            .blob_list(&prefix, None, MAX_DELETE_KEYS as u32)
            .await?;
        if page.keys.is_empty() {
            return Ok(Done);
        }
        spend!(platform, budget, Store::Blob);
        platform.blob_delete(&page.keys).await?;
    }
}

/// The account's rows in every table that refers to it, children before parents, in chunks.
/// `?1` is the account id, `?2` the chunk size.
const ROW_DELETES: [&str; 12] = [
    "DELETE FROM sync_changes WHERE rowid IN (SELECT rowid FROM sync_changes WHERE account_id = ?1 LIMIT ?2)",
    "DELETE FROM images WHERE rowid IN (SELECT rowid FROM images WHERE account_id = ?1 LIMIT ?2)",
    crate::uploads::rows::PURGE,
    crate::blob_intents::PURGE,
    "DELETE FROM generation_tasks WHERE rowid IN (SELECT rowid FROM generation_tasks
       WHERE generation_id IN (SELECT id FROM generations WHERE account_id = ?1) LIMIT ?2)",
    "DELETE FROM generations WHERE rowid IN (SELECT rowid FROM generations WHERE account_id = ?1 LIMIT ?2)",
    "DELETE FROM conversations WHERE rowid IN (SELECT rowid FROM conversations WHERE account_id = ?1 LIMIT ?2)",
    "DELETE FROM credit_ledger WHERE rowid IN (SELECT rowid FROM credit_ledger WHERE account_id = ?1 LIMIT ?2)",
    "DELETE FROM sign_ins WHERE rowid IN (SELECT rowid FROM sign_ins WHERE account_id = ?1 LIMIT ?2)",
    "DELETE FROM purchases WHERE rowid IN (SELECT rowid FROM purchases WHERE account_id = ?1 LIMIT ?2)",
    "DELETE FROM checkouts WHERE rowid IN (SELECT rowid FROM checkouts WHERE account_id = ?1 LIMIT ?2)",
    "DELETE FROM revoked_sessions WHERE rowid IN (SELECT rowid FROM revoked_sessions WHERE account_id = ?1 LIMIT ?2)",
];

async fn rows_of<P: Platform>(
    platform: &P,
    account_id: &str,
    budget: &mut Budget,
) -> Result<Progress, PlatformError> {
    for sql in ROW_DELETES {
        loop {
            spend!(platform, budget, Store::Sql);
            let deleted = platform
                .execute(Statement::new(sql).bind(account_id).bind(ROWS_PER_CHUNK))
                .await?;
            if deleted < ROWS_PER_CHUNK as u64 {
                break;
            }
        }
    }
    Ok(Done)
}

/// The account row and the purge's own row, together: once this commits, nothing is left.
async fn finish<P: Platform>(
    platform: &P,
    account_id: &str,
    budget: &mut Budget,
) -> Result<bool, PlatformError> {
    if !budget.take(Store::Sql, platform.wall_clock_ms()) {
        return Ok(false);
    }
    platform
        .batch(vec![
            Statement::new("DELETE FROM accounts WHERE id = ? AND deleted_at IS NOT NULL")
                .bind(account_id),
            Statement::new("DELETE FROM account_purges WHERE account_id = ?").bind(account_id),
        ])
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_counts_by_store_and_runs_out() {
        let mut b = Budget::new(3);
        assert!(b.take(Store::Kv, 0) && b.take(Store::Blob, 0) && b.take(Store::Sql, 0));
        assert!(!b.take(Store::Kv, 0));
        assert_eq!((b.kv_calls, b.blob_calls, b.sql_calls), (1, 1, 1));
    }

    #[test]
    fn a_budget_with_a_deadline_stops_at_it_whatever_calls_are_left() {
        let mut b = Budget::new(100).until(1_000);
        assert!(b.take(Store::Blob, 999));
        assert!(!b.take(Store::Blob, 1_000));
        assert_eq!(b.blob_calls, 1);
    }

    #[test]
    fn row_deletes_are_bounded_and_take_children_first() {
        for sql in ROW_DELETES {
            assert!(sql.contains("LIMIT ?2"), "{sql}");
        }
        let position = |table: &str| {
            ROW_DELETES
                .iter()
                .position(|s| s.starts_with(&format!("DELETE FROM {table} ")))
                .unwrap()
        };
        assert!(position("images") < position("generations"));
        assert!(position("generation_tasks") < position("generations"));
        assert!(position("generations") < position("conversations"));
    }
}

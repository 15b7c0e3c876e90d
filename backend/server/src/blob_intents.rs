//! The `blob_intents` table: the only place that reads or writes it. Blobs stored under a fresh
//! random prefix before the row that owns them (an upload) are announced here first and retired
//! in the owner's batch; an announcement still here after [`ABANDONED_AFTER_MS`] belongs to a
//! write that crashed in between, and [`sweep`] deletes its blobs. Nothing else would ever find
//! them: no row names them, and only account deletion lists an account's blobs.

use serde::Deserialize;

use crate::error::ApiResult;
use crate::platform::{MAX_DELETE_KEYS, Platform, Statement, rows_as};

/// Longer than any write between announcing and retiring (an upload's two puts and one batch).
pub const ABANDONED_AFTER_MS: i64 = 10 * 60 * 1000;
/// Announcements swept per round, so a round stays inside a Worker invocation's limits.
const SWEPT_PER_ROUND: i64 = 25;

/// Announces that blobs are about to be written under `prefix` (ending in `/`) for the account.
pub async fn announce<P: Platform>(platform: &P, account_id: &str, prefix: &str) -> ApiResult<()> {
    platform
        .execute(
            Statement::new(
                "INSERT INTO blob_intents (prefix, account_id, created_at) VALUES (?, ?, ?)",
            )
            .bind(prefix)
            .bind(account_id)
            .bind(platform.now_ms()),
        )
        .await?;
    Ok(())
}

/// Retires the announcement: put in the batch that writes the blobs' owner.
pub fn retire(prefix: &str) -> Statement {
    Statement::new("DELETE FROM blob_intents WHERE prefix = ?").bind(prefix)
}

/// Account deletion's share: its announcements go with its rows (its blobs go by prefix).
pub const PURGE: &str = "DELETE FROM blob_intents WHERE rowid IN (SELECT rowid FROM blob_intents WHERE account_id = ?1 LIMIT ?2)";

#[derive(Deserialize)]
struct Abandoned {
    prefix: String,
}

/// Deletes the blobs of writes abandoned mid-way, then their announcements; the number swept.
/// An announcement is removed only once its prefix lists empty, so a failure leaves it for the
/// next round.
pub async fn sweep<P: Platform>(platform: &P) -> ApiResult<usize> {
    let rows = platform
        .query(
            Statement::new(
                "SELECT prefix FROM blob_intents WHERE created_at < ? ORDER BY created_at LIMIT ?",
            )
            .bind(platform.now_ms() - ABANDONED_AFTER_MS)
            .bind(SWEPT_PER_ROUND),
        )
        .await?;
    let abandoned = rows_as::<Abandoned>(rows)?;
    for Abandoned { prefix } in &abandoned {
        loop {
            let page = platform
                .blob_list(prefix, None, MAX_DELETE_KEYS as u32)
                .await?;
            if page.keys.is_empty() {
                break;
            }
            platform.blob_delete(&page.keys).await?;
        }
        platform.execute(retire(prefix)).await?;
    }
    Ok(abandoned.len())
}

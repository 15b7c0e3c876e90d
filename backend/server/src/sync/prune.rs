//! Tombstones older than [`TOMBSTONE_RETENTION_MS`] are removed. The highest number removed
//! becomes the account's `sync_floor`: a device whose cursor is below it may have missed a
//! deletion, so it must start again from zero.

use atelier_api::sync::TOMBSTONE_RETENTION_MS;

use crate::error::ApiResult;
use crate::platform::{Platform, Statement};

/// Prunes, in one batch, every tombstone past the retention, raising the floors first.
pub async fn prune<P: Platform>(platform: &P) -> ApiResult<()> {
    let before = platform.now_ms() - TOMBSTONE_RETENTION_MS;
    let prunable = "deleted = 1 AND changed_at < ?1";
    platform
        .batch(vec![
            Statement::new(format!(
                "UPDATE accounts SET sync_floor = MAX(sync_floor, (
                   SELECT MAX(seq) FROM sync_changes WHERE account_id = accounts.id AND {prunable}))
                 WHERE id IN (SELECT account_id FROM sync_changes WHERE {prunable})"
            ))
            .bind(before),
            Statement::new(format!("DELETE FROM sync_changes WHERE {prunable}")).bind(before),
        ])
        .await?;
    Ok(())
}

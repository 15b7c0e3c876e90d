//! The background work, one round of it per call: the Worker's cron handler, the native server's
//! interval and the test hook `POST /__test/tick` all call [`tick`]. Each area owns its share;
//! this is the one place that knows them all, so generations and deletion need not know each
//! other.

use crate::error::ApiResult;
use crate::platform::{Platform, Statement};

/// One round: expired rows pruned in one batch, then generations (submit, poll, time out), the
/// sync log's old tombstones, blobs whose write crashed before their row (`blob_intents`), and
/// deleted accounts whose purge did not finish within their request (or met a storage error).
pub async fn tick<P: Platform>(platform: &P) -> ApiResult<()> {
    let now = platform.now_ms();
    platform
        .batch(
            [
                Statement::new("DELETE FROM sign_up_grants WHERE granted_at <= ?")
                    .bind(now - crate::auth::grant::RETENTION_MS),
                Statement::new("DELETE FROM revoked_sessions WHERE expires_at <= ?").bind(now),
            ]
            .into_iter()
            .chain(crate::generations::background::housekeeping(now))
            .chain(crate::auth::limits::prune(now))
            .collect(),
        )
        .await?;
    crate::generations::background::run(platform).await?;
    crate::sync::prune::prune(platform).await?;
    crate::blob_intents::sweep(platform).await?;
    crate::deletion::purge::resume(platform).await?;
    Ok(())
}

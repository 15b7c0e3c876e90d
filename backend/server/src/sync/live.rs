//! The live channel (DESIGN.md § 15): `GET /v1/sync?wait=S` with nothing after its cursor is held
//! until the account's log moves past it or `S` seconds pass, so a device learns of a change from
//! one waiting request instead of polling. How the wait learns of a change is the runtime's
//! (`Platform::sync_moved`); this loop only reads the log's position again each time it is woken.

use std::time::Duration;

use crate::error::ApiResult;
use crate::platform::Platform;

use super::pull::{Bounds, bounds};

/// Waits until `accounts.sync_seq` is no longer `seen`, or `wait` (real time) has passed, and
/// returns the account's bounds as last read.
pub(super) async fn wait_past<P: Platform>(
    platform: &P,
    account_id: &str,
    seen: i64,
    wait: Duration,
) -> ApiResult<Bounds> {
    let deadline = platform.wall_clock_ms() + wait.as_millis() as i64;
    loop {
        let left = Duration::from_millis((deadline - platform.wall_clock_ms()).max(0) as u64);
        // Watch first, then read: a change committed between the two still ends the wait.
        let moved = platform.sync_moved(account_id, left);
        let now = bounds(platform, account_id).await?;
        if now.sync_seq != seen || left.is_zero() {
            return Ok(now);
        }
        moved.await;
    }
}

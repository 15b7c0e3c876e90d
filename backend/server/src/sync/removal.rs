//! Removing a record that keeps bytes in the blob store (an image, an upload) at its owner's
//! request: the bytes first, then the row with its tombstone in one batch. If the blob store
//! fails nothing changes and a retry finishes; the other order could leave bytes no row names.

use atelier_api::sync::SyncKind;

use super::log;
use crate::error::ApiResult;
use crate::platform::{BlobKey, Platform, Statement};

/// Removes the bytes under `keys`, then runs `row_delete` (the table's own statement, deleting
/// the one row of `id`) with the record's tombstone.
pub async fn remove_with_bytes<P: Platform>(
    platform: &P,
    account_id: &str,
    kind: SyncKind,
    id: &str,
    keys: [String; 2],
    row_delete: Statement,
) -> ApiResult<()> {
    let [original, thumbnail] = keys;
    platform
        .blob_delete(&[BlobKey::new(original)?, BlobKey::new(thumbnail)?])
        .await?;
    let mut batch = vec![row_delete];
    batch.extend(log::deleted(account_id, kind, id, platform.now_ms()));
    platform.batch(batch).await?;
    Ok(())
}

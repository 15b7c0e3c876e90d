//! Sending the changes made on this device (queued by `crate::cache::outbox`) to the service, in
//! order, before each pull.

use atelier_api::ErrorCode;

use crate::api::ApiClient;
use crate::cache::Cache;
use crate::cache::outbox::OutboxOp;
use crate::error::ClientError;
use crate::session::SessionToken;

/// Sends the waiting changes in order. Stops at the first that cannot be sent now (offline, the
/// service busy) and answers that error; one the service refuses for good is dropped (the next
/// sync brings the service's truth back). Answers how many were sent.
pub async fn flush(
    cache: &Cache,
    api: &ApiClient,
    token: &SessionToken,
) -> Result<u32, ClientError> {
    let mut sent = 0;
    for entry in cache.outbox().await? {
        let result = match &entry.op {
            OutboxOp::DeleteImage { image_id } => api.delete_image(token, image_id).await,
            OutboxOp::SetFavourite {
                image_id,
                favourite,
            } => api.set_favourite(token, image_id, *favourite).await,
        };
        match result {
            Ok(()) => sent += 1,
            Err(e) if e.code() == ErrorCode::NotFound => {
                // Already gone on the service (deleted on another device, or our own earlier
                // attempt whose answer was lost): done.
            }
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, op = ?entry.op, "the service refused a queued change; dropping it");
            }
        }
        cache.forget_outbox_entry(&entry).await?;
    }
    Ok(sent)
}
